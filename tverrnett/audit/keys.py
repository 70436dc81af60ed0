"""The audit key: the secret that authenticates audit entries and seals.

It lives in a file outside the database (`AUDIT_KEY_FILE`), so someone who can
write the database but cannot read that file cannot make an entry or a seal that
`verify_audit` accepts. The file holds one key per line, `<key id> <hex secret>`,
oldest first; the last line is the current key, used for new entries and seals.
Older lines stay so that entries written under them still verify: rotating the
key is appending a line (`manage.py audit_key --rotate`) and restarting the
application and the worker.

In development and tests the file is generated on first use
(`AUDIT_KEY_GENERATE`); in production a missing file is an error.
"""

from functools import lru_cache

from django.conf import settings

from tverrnett.core import keyfiles

WHAT = "audit key"


class AuditKey(keyfiles.Key):
    pass


class UnknownKey(LookupError):
    pass


def current() -> AuditKey:
    return _load()[-1]


def by_id(key_id: str) -> AuditKey:
    for key in _load():
        if key.key_id == key_id:
            return key
    raise UnknownKey(key_id)


def reload():
    """Forget the keys read so far (after a rotation, and in tests)."""
    _load.cache_clear()


@lru_cache(maxsize=1)
def _load() -> tuple[AuditKey, ...]:
    return keyfiles.load(
        settings.AUDIT_KEY_FILE,
        generate=settings.AUDIT_KEY_GENERATE,
        setting="AUDIT_KEY_FILE",
        command="audit_key",
        what=WHAT,
        key_class=AuditKey,
    )


def parse(text: str, *, source: str = "AUDIT_KEY_FILE") -> tuple[AuditKey, ...]:
    return keyfiles.parse(text, source=source, what=WHAT, key_class=AuditKey)


new_line = keyfiles.new_line


def write_new_file(path):
    keyfiles.write_new_file(path, what=WHAT)


def rotate(path) -> str:
    """Append a new current key to the file; return its id."""
    key_id = keyfiles.append_new_key(path, what=WHAT)
    reload()
    return key_id
