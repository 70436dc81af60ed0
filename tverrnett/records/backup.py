"""Encrypted backups of what Tverrnett keeps, and their restore (docs/operations.md).

A backup is one file holding the database (PostgreSQL: `pg_dump --format=custom`;
SQLite: a copy through SQLite's online backup API, consistent while the application
writes; with FILE_STORAGE=database it holds the uploaded files too), the uploaded files
on disk (MEDIA_ROOT, FILE_STORAGE=filesystem), the audit anchors (AUDIT_ANCHOR_DIR) and the
tombstone ledger (RECORDS_TOMBSTONE_LEDGER), with a manifest: the SHA-256 and size of
every file, the time, the applied migrations and the application's version.

The audit key and the identity key are deliberately not in it: a backup that carried
them would let whoever holds the backup forge audit entries and read every identity
number. They are kept in the organisation's secret store and restored from there.

The file is a tar stream (manifest last, since its checksums are computed while the
parts are written) encrypted with AES-256-GCM in chunks, so a large backup is never
held in memory:

    MAGIC, then a 2-byte length and a JSON header {"key_id", "salt", "chunk_size"}
    chunks: a 4-byte length, then the chunk encrypted with
        key   = HKDF-SHA256(the backup key's secret, salt, INFO)   one key per file
        nonce = the chunk's number (11 bytes) + 1 on the last chunk, else 0
        associated data = MAGIC + the header
    The number and the last-chunk flag in the nonce make a reordered, dropped or
    cut-off chunk fail like a changed one; the header is authenticated with every chunk.

The backup key (BACKUP_KEY_FILE) has the format of the other key files
(tverrnett.core.keyfiles); the header names the key id, so backups made before a
rotation still open with the older line.
"""

import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from tverrnett.core import keyfiles

WHAT = "backup key"
MAGIC = b"TVERRNETT-BACKUP\x00\x01"
INFO = b"tverrnett backup v1 aes-256-gcm"
FORMAT_VERSION = 1
CHUNK_SIZE = 1024 * 1024
MANIFEST = "manifest.json"
# The parts and where each lives inside the archive.
DATABASE_DIR = "database"
MEDIA_DIR = "media"
ANCHORS_DIR = "audit-anchors"
LEDGER_NAME = "records/tombstones.jsonl"


class BackupError(Exception):
    """A problem the operator can act on; the commands print it without a traceback."""


# --- The key -------------------------------------------------------------------------


def key_path():
    path = settings.BACKUP_KEY_FILE
    if not path:
        raise BackupError(
            "BACKUP_KEY_FILE is not set. Name the backup key's file (kept outside the "
            "database and outside everything the backup holds) and create it with "
            "`manage.py backup_key --create`."
        )
    return Path(path)


def load_keys():
    path = key_path()
    try:
        return keyfiles.load(
            path, generate=False, setting="BACKUP_KEY_FILE", command="backup_key", what=WHAT
        )
    except ImproperlyConfigured as problem:
        raise BackupError(str(problem)) from None
    except (OSError, UnicodeDecodeError) as problem:
        raise BackupError(f"The backup key {path} cannot be read: {problem}") from None


def _cipher(key, salt):
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=INFO).derive(key.secret)
    return AESGCM(derived)


def _nonce(number, last):
    return number.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


# --- Encryption in chunks ----------------------------------------------------------------


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given into `target`, chunk by chunk.

    A chunk is written only when more data follows it, so the one written by `close`
    is always the last and carries the last-chunk flag (it may be empty)."""

    def __init__(self, target, key, chunk_size=CHUNK_SIZE):
        super().__init__()
        self.target = target
        salt = secrets.token_bytes(32)
        header = json.dumps(
            {"key_id": key.key_id, "salt": salt.hex(), "chunk_size": chunk_size}
        ).encode("ascii")
        self.associated = MAGIC + len(header).to_bytes(2, "big") + header
        target.write(self.associated)
        self.cipher = _cipher(key, salt)
        self.chunk_size = chunk_size
        self.buffer = bytearray()
        self.number = 0

    def writable(self):
        return True

    def write(self, data):
        self.buffer += data
        while len(self.buffer) > self.chunk_size:
            self._emit(bytes(self.buffer[: self.chunk_size]), last=False)
            del self.buffer[: self.chunk_size]
        return len(data)

    def _emit(self, plain, *, last):
        sealed = self.cipher.encrypt(_nonce(self.number, last), plain, self.associated)
        self.target.write(len(sealed).to_bytes(4, "big"))
        self.target.write(sealed)
        self.number += 1

    def close(self):
        if not self.closed:
            self._emit(bytes(self.buffer), last=True)
            self.buffer.clear()
        super().close()


def _read_exactly(source, size):
    data = source.read(size)
    if len(data) != size:
        raise BackupError(_damaged("it ends early"))
    return data


def _damaged(why):
    return f"The backup file is damaged ({why}); nothing was restored. Use another copy."


def read_header(source):
    """The header of an encrypted backup (key id, salt, chunk size) and its raw bytes."""
    magic = source.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError("This is not a Tverrnett backup file (or it is damaged at its start).")
    length = int.from_bytes(_read_exactly(source, 2), "big")
    raw = _read_exactly(source, length)
    try:
        header = json.loads(raw)
        salt = bytes.fromhex(header["salt"])
        key_id = str(header["key_id"])
        chunk_size = int(header["chunk_size"])
    except (ValueError, KeyError, TypeError):
        raise BackupError(_damaged("its header cannot be read")) from None
    return key_id, salt, chunk_size, MAGIC + length.to_bytes(2, "big") + raw


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plain bytes of an encrypted backup. Every chunk is
    authenticated before its bytes are handed out; a missing last chunk, a chunk out of
    place or bytes after the last one are errors."""

    def __init__(self, source, keys):
        super().__init__()
        self.source = source
        key_id, salt, chunk_size, self.associated = read_header(source)
        key = next((key for key in keys if key.key_id == key_id), None)
        if key is None:
            raise BackupError(
                f"The backup was made with backup key {key_id!r}, which is not in "
                f"{key_path()}. Restore that key line from the secret store."
            )
        self.key_id = key_id
        self.cipher = _cipher(key, salt)
        self.limit = chunk_size + 16
        self.number = 0
        self.pending = self._length()
        self.plain = b""
        self.finished = False

    def readable(self):
        return True

    def _length(self):
        raw = self.source.read(4)
        if not raw:
            return None
        if len(raw) != 4:
            raise BackupError(_damaged("it ends inside a chunk"))
        length = int.from_bytes(raw, "big")
        if length > self.limit or length < 16:
            raise BackupError(_damaged(f"chunk {self.number} has an impossible length"))
        return length

    def _next_chunk(self):
        if self.pending is None:
            raise BackupError(_damaged("its last part is missing"))
        sealed = _read_exactly(self.source, self.pending)
        following = self._length()
        last = following is None
        try:
            plain = self.cipher.decrypt(_nonce(self.number, last), sealed, self.associated)
        except InvalidTag:
            if self.number == 0:
                raise BackupError(
                    f"The backup cannot be opened with backup key {self.key_id!r} from "
                    f"{key_path()}: either that is not the key it was made with, or the file "
                    "is damaged. Nothing was restored."
                ) from None
            raise BackupError(
                _damaged(f"chunk {self.number} fails its authentication: changed or cut off")
            ) from None
        self.number += 1
        self.pending = following
        self.finished = last
        return plain

    def readinto(self, buffer):
        while not self.plain and not self.finished:
            self.plain = self._next_chunk()
        size = min(len(buffer), len(self.plain))
        buffer[:size] = self.plain[:size]
        self.plain = self.plain[size:]
        return size


# --- Taking a backup ---------------------------------------------------------------------


class _HashingReader:
    def __init__(self, file):
        self.file = file
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.file.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data


@dataclass
class Summary:
    files: list = field(default_factory=list)
    manifest: dict = field(default_factory=dict)
    skipped: list = field(default_factory=list)

    def part(self, name):
        return [entry for entry in self.files if entry["part"] == name]


def _is_within(path, directory):
    try:
        Path(path).resolve().relative_to(Path(directory).resolve())
    except ValueError:
        return False
    return True


def _pg_env(database):
    """libpq's environment for the configured database: the password never goes on a
    command line, where other accounts on the machine could read it."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    for name, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        if database.get(name):
            env[variable] = str(database[name])
    options = database.get("OPTIONS") or {}
    for name, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(name):
            env[variable] = str(options[name])
    return env


def _run_tool(arguments, env, what):
    try:
        # The arguments are built here (no shell); only the dump file's path varies.
        result = subprocess.run(  # noqa: S603
            arguments, env=env, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{arguments[0]} is not installed. Install the PostgreSQL client of the "
            "server's major version (or newer), e.g. Debian's postgresql-client."
        ) from None
    if result.returncode != 0:
        problem = "\n".join(result.stderr.strip().splitlines()[-10:])
        raise BackupError(f"{what} failed ({arguments[0]} exited {result.returncode}):\n{problem}")


def _database():
    return settings.DATABASES["default"]


def _dump_database(staging):
    """Write the database to `staging`; return (its file, the applied migrations)."""
    database = _database()
    if connection.vendor == "postgresql":
        target = staging / "tverrnett.pgdump"
        _run_tool(
            ["pg_dump", "--format=custom", "--no-password", f"--file={target}"],
            _pg_env(database),
            "Dumping the database",
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            rows = cursor.fetchall()
        return target, rows
    if connection.vendor != "sqlite":
        raise BackupError(f"Backups of a {connection.vendor} database are not supported.")
    source_path = Path(database["NAME"])
    if not source_path.exists():
        raise BackupError(f"The database file {source_path} does not exist.")
    target = staging / "tverrnett.sqlite3"
    source = sqlite3.connect(source_path, timeout=20)
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy while the application writes.
        source.backup(copy)
        rows = copy.execute("SELECT app, name FROM django_migrations").fetchall()
    except sqlite3.DatabaseError as problem:
        raise BackupError(f"Copying the database {source_path} failed: {problem}") from None
    finally:
        copy.close()
        source.close()
    return target, rows


def _files_under(directory):
    """(path, name relative to directory) of the regular files under `directory`, sorted;
    and the entries that are not regular files (left out)."""
    directory = Path(directory)
    found, skipped = [], []
    if not directory.is_dir():
        return found, skipped
    for root, dirs, files in os.walk(directory, followlinks=False):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if Path(root, d).is_symlink()]:
            path = Path(root, name)
            if path.is_symlink() or not path.is_file():
                skipped.append(str(path))
                continue
            found.append((path, path.relative_to(directory).as_posix()))
    return found, skipped


def _app_version():
    try:
        return metadata.version("tverrnett")
    except metadata.PackageNotFoundError:
        return "unknown"


def _backed_up_places():
    return {
        "MEDIA_ROOT": settings.MEDIA_ROOT,
        "AUDIT_ANCHOR_DIR": settings.AUDIT_ANCHOR_DIR,
    }


def take_backup(out):
    """Write an encrypted backup to `out` (which must not exist); return its Summary."""
    out = Path(out)
    key = load_keys()[-1]
    for setting, directory in _backed_up_places().items():
        if _is_within(key_path(), directory):
            raise BackupError(
                f"The backup key {key_path()} is inside {setting} ({directory}), so it would "
                "be in the backup. Move it elsewhere and set BACKUP_KEY_FILE."
            )
    if out.exists():
        raise BackupError(f"{out} exists already; name a new file.")
    if not out.parent.is_dir():
        raise BackupError(f"The directory {out.parent} does not exist.")
    summary = Summary()
    created_at = timezone.now()
    # The database is dumped to a private directory (mode 0700, removed at the end)
    # before it goes into the archive; keep TMPDIR on an encrypted disk.
    with tempfile.TemporaryDirectory(prefix="tverrnett-backup-") as staging:
        dump, migrations = _dump_database(Path(staging))
        parts = [("database", dump, f"{DATABASE_DIR}/{dump.name}")]
        for part, directory, prefix in (
            ("media", settings.MEDIA_ROOT, MEDIA_DIR),
            ("audit-anchors", settings.AUDIT_ANCHOR_DIR, ANCHORS_DIR),
        ):
            found, skipped = _files_under(directory)
            summary.skipped += skipped
            parts += [(part, path, f"{prefix}/{name}") for path, name in found]
        ledger = Path(settings.RECORDS_TOMBSTONE_LEDGER)
        if ledger.is_file():
            parts.append(("tombstone-ledger", ledger, LEDGER_NAME))
        partial = out.with_name(f".{out.name}.partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as target:
                writer = EncryptingWriter(target, key)
                with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                    for part, path, name in parts:
                        summary.files.append(_add(tar, part, path, name))
                    summary.manifest = _manifest(created_at, migrations, summary.files, key)
                    data = json.dumps(summary.manifest, indent=1, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mode, info.mtime = len(data), 0o600, created_at.timestamp()
                    tar.addfile(info, io.BytesIO(data))
                writer.close()
                target.flush()
                os.fsync(target.fileno())
            os.replace(partial, out)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return summary


def _add(tar, part, path, name):
    with open(path, "rb") as file:
        status = os.fstat(file.fileno())
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = status.st_size, 0o600, status.st_mtime
        reader = _HashingReader(file)
        # A file that grows meanwhile (an anchor file being appended to) goes in up to
        # the size it had here; the checksum is of exactly what went in.
        tar.addfile(info, reader)
    return {"name": name, "part": part, "size": reader.size, "sha256": reader.hash.hexdigest()}


def _manifest(created_at, migrations, files, key):
    applied = {}
    for app, name in sorted(migrations):
        applied.setdefault(app, []).append(name)
    return {
        "format": "tverrnett-backup",
        "format_version": FORMAT_VERSION,
        "created_at": created_at.isoformat(),
        "app_version": _app_version(),
        "database": {"vendor": connection.vendor, "name": str(_database()["NAME"])},
        "migrations": applied,
        "key_id": key.key_id,
        "files": files,
    }


# --- Restoring ----------------------------------------------------------------------------


def database_tables():
    return connection.introspection.table_names()


def _non_empty(directory):
    directory = Path(directory)
    return directory.exists() and any(directory.iterdir())


def check_restore_target():
    """Refuse, before anything is read or written, a target that already holds data."""
    tables = database_tables()
    if tables:
        name = _database()["NAME"]
        how = (
            f"create an empty one (`dropdb {name}; createdb {name}` as the owner, or "
            "`CREATE DATABASE …` and point DATABASE_URL at it)"
            if connection.vendor == "postgresql"
            else "point DATABASE_URL at a file that does not exist yet"
        )
        raise BackupError(
            f"The database {name} is not empty ({len(tables)} tables); a backup is restored "
            f"only into an empty database, so nothing was changed. To restore, {how}."
        )
    for setting, directory in _backed_up_places().items():
        if _non_empty(directory):
            raise BackupError(
                f"{setting} ({directory}) is not empty; nothing was changed. Point {setting} "
                "at an empty or missing directory."
            )


def _safe_name(name):
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(_damaged(f"it names the file {name!r}"))
    return path


def unpack(source_path, staging):
    """Decrypt the backup into `staging` and check it against its manifest; the manifest."""
    keys = load_keys()
    try:
        source = open(source_path, "rb")
    except OSError as problem:
        raise BackupError(f"The backup {source_path} cannot be read: {problem}") from None
    written = {}
    with source:
        reader = io.BufferedReader(DecryptingReader(source, keys), buffer_size=CHUNK_SIZE)
        try:
            with tarfile.open(fileobj=reader, mode="r|") as tar:
                for member in tar:
                    if not member.isfile():
                        raise BackupError(_damaged(f"{member.name!r} is not a file"))
                    relative = _safe_name(member.name)
                    target = Path(staging, *relative.parts)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digest = hashlib.sha256()
                    with tar.extractfile(member) as data, open(target, "xb") as out:
                        while block := data.read(CHUNK_SIZE):
                            digest.update(block)
                            out.write(block)
                    written[member.name] = {"size": member.size, "sha256": digest.hexdigest()}
            # Whatever the tar reader did not need must still be read and authenticated:
            # a cut-off or extended file is refused.
            while reader.read(CHUNK_SIZE):
                pass
        except tarfile.TarError as problem:
            raise BackupError(_damaged(f"the archive inside cannot be read: {problem}")) from None
    return _check_manifest(staging, written)


def _check_manifest(staging, written):
    if MANIFEST not in written:
        raise BackupError(_damaged("it has no manifest"))
    try:
        manifest = json.loads(Path(staging, MANIFEST).read_text(encoding="utf-8"))
        if manifest.get("format") != "tverrnett-backup" or manifest.get("format_version") != 1:
            raise BackupError("The backup's format is not one this version of Tverrnett reads.")
        listed = {entry["name"]: entry for entry in manifest["files"]}
        vendor = manifest["database"]["vendor"]
        applied = [(app, name) for app, names in manifest["migrations"].items() for name in names]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BackupError(_damaged("its manifest cannot be read")) from None
    present = {name for name in written if name != MANIFEST}
    if set(listed) != present:
        missing = sorted(set(listed) - present)[:5]
        extra = sorted(present - set(listed))[:5]
        raise BackupError(_damaged(f"files missing: {missing}, files not listed: {extra}"))
    for name, entry in listed.items():
        if written[name]["sha256"] != entry["sha256"] or written[name]["size"] != entry["size"]:
            raise BackupError(_damaged(f"{name} does not match its checksum"))
    databases = [entry for entry in manifest["files"] if entry["part"] == "database"]
    if len(databases) != 1:
        raise BackupError(_damaged("it does not hold exactly one database"))
    if vendor != connection.vendor:
        raise BackupError(
            f"The backup holds a {vendor} database; DATABASE_URL names "
            f"a {connection.vendor} one. Restore into the same kind of database."
        )
    _check_migrations_known(applied, manifest.get("app_version", "unknown"))
    return manifest


def _check_migrations_known(applied, app_version):
    """A backup from a newer version has migrations this code does not know; migrating
    it would be guesswork, so it is refused."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in known)
    if unknown:
        raise BackupError(
            f"The backup is from a newer version of Tverrnett ({app_version}): "
            f"this version does not know its migrations {', '.join(unknown[:5])}. Restore it "
            "with that version or a newer one."
        )


def restore_database(staging, manifest):
    entry = next(entry for entry in manifest["files"] if entry["part"] == "database")
    dump = Path(staging, *PurePosixPath(entry["name"]).parts)
    database = _database()
    if connection.vendor == "postgresql":
        connection.close()
        # One transaction: a failure leaves the database as empty as it was.
        _run_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
                f"--dbname={database['NAME']}",
                str(dump),
            ],
            _pg_env(database),
            "Restoring the database",
        )
        return
    connection.close()
    source = sqlite3.connect(dump)
    target = sqlite3.connect(database["NAME"], timeout=20)
    try:
        source.backup(target)
    except sqlite3.DatabaseError as problem:
        raise BackupError(f"Restoring the database failed: {problem}") from None
    finally:
        target.close()
        source.close()


def restore_files(staging, manifest):
    """Put the files in place; return {part: number of files}. MEDIA_ROOT and the anchor
    directory were checked empty. The tombstone ledger is merged: a ledger already at
    RECORDS_TOMBSTONE_LEDGER (kept outside the database, so perhaps newer than the
    backup) keeps every line, and gets the backup's lines it lacks: a tombstone is
    never dropped."""
    counts = {"media": 0, "audit-anchors": 0, "tombstone-ledger lines added": 0}
    for entry in manifest["files"]:
        part = entry["part"]
        source = Path(staging, *PurePosixPath(entry["name"]).parts)
        if part in ("media", "audit-anchors"):
            root = settings.MEDIA_ROOT if part == "media" else settings.AUDIT_ANCHOR_DIR
            prefix = MEDIA_DIR if part == "media" else ANCHORS_DIR
            relative = PurePosixPath(entry["name"]).relative_to(prefix)
            target = Path(root, *relative.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
            counts[part] += 1
        elif part == "tombstone-ledger":
            counts["tombstone-ledger lines added"] = _merge_ledger(source)
    return counts


def _merge_ledger(source):
    ledger = Path(settings.RECORDS_TOMBSTONE_LEDGER)
    lines = source.read_text(encoding="utf-8").splitlines()
    existing = set()
    if ledger.exists():
        existing = set(ledger.read_text(encoding="utf-8").splitlines())
    missing = [line for line in lines if line.strip() and line not in existing]
    if missing:
        ledger.parent.mkdir(parents=True, exist_ok=True)
        with ledger.open("a", encoding="utf-8") as file:
            if ledger.stat().st_size and not ledger.read_bytes().endswith(b"\n"):
                file.write("\n")
            file.write("\n".join(missing) + "\n")
            file.flush()
            os.fsync(file.fileno())
    return len(missing)


# What the restore report and the restore drill compare with the live system.
COUNTED = [
    ("cases", "cases.ConcernCase"),
    ("files in the database", "filestore.StoredFile"),
    ("people", "cases.Person"),
    ("journal entries", "cases.JournalEntry"),
    ("consents", "consent.Consent"),
    ("disclosures", "consent.Disclosure"),
    ("tombstones", "records.Tombstone"),
    ("audit entries", "audit.AuditEntry"),
    ("audit seals", "audit.AuditSeal"),
]


def counts():
    """How many rows of the main kinds the database holds, and the newest audit entry."""
    from django.apps import apps

    result = {label: apps.get_model(model).objects.count() for label, model in COUNTED}
    newest = apps.get_model("audit.AuditEntry").objects.order_by("-id").first()
    result["last audit entry"] = f"{newest.id} (MAC {newest.mac[:16]}…)" if newest else "none"
    return result


def undecryptable_identity_numbers():
    """How many stored identity numbers IDENTITY_KEY_FILE cannot open (0 when its keys
    are the ones the backup's numbers were encrypted with)."""
    from tverrnett.cases import identity_encryption
    from tverrnett.cases.models import Person

    identity_encryption.reload()
    failed = 0
    stored = Person.objects.exclude(identity_number_encrypted="")
    for value in stored.values_list("identity_number_encrypted", flat=True).iterator():
        try:
            identity_encryption.decrypt(value)
        except identity_encryption.UndecryptableIdentityNumber:
            failed += 1
    return failed
