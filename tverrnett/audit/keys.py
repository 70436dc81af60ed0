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

import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_SECRET = re.compile(r"^[0-9a-f]{64,128}$")


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes

    def __repr__(self):  # never print the secret, not even in a traceback
        return f"AuditKey({self.key_id!r})"


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
    path = Path(settings.AUDIT_KEY_FILE)
    if not path.exists():
        if not settings.AUDIT_KEY_GENERATE:
            raise ImproperlyConfigured(
                f"The audit key file {path} does not exist. Create it with "
                "`manage.py audit_key --create` and keep it outside the database's reach."
            )
        write_new_file(path)
    return parse(path.read_text(encoding="ascii"), source=str(path))


def parse(text: str, *, source: str = "AUDIT_KEY_FILE") -> tuple[AuditKey, ...]:
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not KEY_ID.match(parts[0]) or not _SECRET.match(parts[1]):
            raise ImproperlyConfigured(
                f"{source}, line {number}: expected '<key id> <hex secret of 32-64 bytes>'"
            )
        if any(key.key_id == parts[0] for key in keys):
            raise ImproperlyConfigured(f"{source}, line {number}: key id {parts[0]} repeats")
        keys.append(AuditKey(parts[0], bytes.fromhex(parts[1])))
    if not keys:
        raise ImproperlyConfigured(f"{source} holds no audit key")
    return tuple(keys)


def new_line(existing: tuple[AuditKey, ...] = ()) -> str:
    """A new key line with an id that names the day and does not repeat."""
    base = f"k{timezone.now():%Y%m%d}"
    taken = {key.key_id for key in existing}
    key_id = base
    suffix = 1
    while key_id in taken:
        suffix += 1
        key_id = f"{base}-{suffix}"
    return f"{key_id} {secrets.token_hex(32)}\n"


def write_new_file(path: Path):
    """Write a first key, atomically: two processes starting at once end up with the
    same file (the loser of the link race reads the winner's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit-key-")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write("# Audit key: keep outside the database's reach; never commit it.\n")
            file.write(new_line())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def rotate(path: Path) -> str:
    """Append a new current key to the file; return its id."""
    existing = parse(path.read_text(encoding="ascii"), source=str(path))
    line = new_line(existing)
    with path.open("a", encoding="ascii") as file:
        file.write(line)
        file.flush()
        os.fsync(file.fileno())
    reload()
    return line.split()[0]
