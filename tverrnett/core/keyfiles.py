"""Key files: secrets kept outside the database, one key per line.

The audit key (tverrnett.audit.keys) and the identity-number key
(tverrnett.cases.identity_numbers) are files of this shape: `<key id> <hex secret>`
per line, oldest first, `#` comments allowed; the last line is the current key. Older
lines stay so that what was written under them can still be read or verified;
rotating is appending a line. In development and tests a missing file is generated on
first use; in production it is an error.
"""

import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_SECRET = re.compile(r"^[0-9a-f]{64,128}$")


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: bytes

    def __repr__(self):  # never print the secret, not even in a traceback
        return f"{type(self).__name__}({self.key_id!r})"


def parse(text, *, source, what="key", key_class=Key):
    """The keys of a key file's text, oldest first; ImproperlyConfigured if malformed."""
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
        keys.append(key_class(parts[0], bytes.fromhex(parts[1])))
    if not keys:
        raise ImproperlyConfigured(f"{source} holds no {what}")
    return tuple(keys)


def load(path, *, generate, setting, command, what="key", key_class=Key):
    """Read the key file at `path`, generating it first when missing and `generate`."""
    path = Path(path)
    if not path.exists():
        if not generate:
            raise ImproperlyConfigured(
                f"The {what} file {path} ({setting}) does not exist. Create it with "
                f"`manage.py {command} --create` and keep it outside the database's reach."
            )
        write_new_file(path, what=what)
    return parse(path.read_text(encoding="ascii"), source=str(path), what=what, key_class=key_class)


def new_line(existing=()):
    """A new key line with an id that names the day and does not repeat."""
    base = f"k{timezone.now():%Y%m%d}"
    taken = {key.key_id for key in existing}
    key_id = base
    suffix = 1
    while key_id in taken:
        suffix += 1
        key_id = f"{base}-{suffix}"
    return f"{key_id} {secrets.token_hex(32)}\n"


def write_new_file(path, *, what="key"):
    """Write a first key, atomically: two processes starting at once end up with the
    same file (the loser of the link race reads the winner's)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        with os.fdopen(handle, "w", encoding="ascii") as file:
            file.write(
                f"# {what.capitalize()}: keep outside the database's reach; never commit it.\n"
            )
            file.write(new_line())
        os.chmod(temporary, 0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


def append_new_key(path, *, what="key"):
    """Append a new current key to the file; return its id."""
    path = Path(path)
    existing = parse(path.read_text(encoding="ascii"), source=str(path), what=what)
    line = new_line(existing)
    with path.open("a", encoding="ascii") as file:
        file.write(line)
        file.flush()
        os.fsync(file.fileno())
    return line.split()[0]


def check_file(path, *, generate, what, command, error_id, warning_id):
    """System check messages for a key file: unreadable or malformed is an error,
    readable or writable by other accounts a warning."""
    path = Path(path)
    if generate and not path.exists():
        return []  # development: made on first use
    try:
        parse(path.read_text(encoding="ascii"), source=str(path), what=what)
    except (OSError, UnicodeDecodeError, ImproperlyConfigured) as problem:
        return [
            checks.Error(
                f"The {what} cannot be read: {problem}",
                hint=f"Create it with `manage.py {command} --create` (docs/security.md).",
                id=error_id,
            )
        ]
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        return [
            checks.Warning(
                f"{path} can be read or written by other accounts than its owner.",
                hint=f"chmod 600 {path}",
                id=warning_id,
            )
        ]
    return []
