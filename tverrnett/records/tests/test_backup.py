"""Backup and restore, end to end, on the database the suite runs on (SQLite, or
PostgreSQL when DATABASE_URL names it).

The source is built as production is: `migrate` and `seed_demo` in a subprocess on a
database of its own, committed, sealed and anchored. The real commands then back it up
and restore it into a new, empty database (PostgreSQL: `<source>_restore`), and
`verify_audit` runs against the restored one. pytest-django's test database cannot be
the source: its data is never committed (and the audit table refuses the flush of
`transactional_db`).

The stream cipher's own properties (chunks, truncation, reordering) are tested in
process, without a database.
"""

import contextlib
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tverrnett.core import keyfiles
from tverrnett.core.keyfiles import Key
from tverrnett.records import backup

ROOT = Path(__file__).resolve().parents[3]

# Printed by `manage.py shell` in the source and in the restored database: what must be
# equal. The counts of the main tables, every case, its journal and its consents as
# stored, and the audit log's length and newest MAC.
SNAPSHOT = """
import hashlib, json
from pathlib import Path
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import ConcernCase, JournalEntry, Person
from tverrnett.consent.models import Consent
from tverrnett.records import backup

from django.core.files.storage import default_storage
from tverrnett.filestore.models import StoredFile
media = Path(settings.MEDIA_ROOT)
newest = AuditEntry.objects.order_by("-id").first()
print(json.dumps({
    "counts": backup.counts(),
    "cases": list(ConcernCase.objects.order_by("id").values()),
    "people": list(Person.objects.order_by("id").values()),
    "journal": list(JournalEntry.objects.order_by("id").values()),
    "consents": list(Consent.objects.order_by("id").values()),
    "audit": [AuditEntry.objects.count(), newest.id, newest.mac],
    "media": {
        path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(media.rglob("*")) if path.is_file()
    },
    "stored": {
        name: hashlib.sha256(default_storage.open(name).read()).hexdigest()
        for name in StoredFile.objects.order_by("name").values_list("name", flat=True)
    },
}, cls=DjangoJSONEncoder, sort_keys=True))
"""

BUILD_DEMO = """
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("seed_demo", verbosity=0)
# An upload in the database store (FILE_STORAGE=database, the default), over one chunk.
import secrets
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from tverrnett.filestore.models import CHUNK_SIZE
default_storage.save(
    "documents/backup-test", ContentFile(b"%PDF-1.4 " + secrets.token_bytes(CHUNK_SIZE + 10))
)
call_command("anchor_audit")
"""

WRITE_AND_SEAL = """
from django.core.management import call_command
import tverrnett.agencies.services  # registers the action
from tverrnett.audit.services import record
record("agencies.directory_updated")
call_command("anchor_audit")
"""


def _postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else ""


def _admin(url, statement, name):
    import psycopg
    from psycopg import sql

    admin = urlsplit(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL(statement).format(sql.Identifier(name)))


@dataclass
class Place:
    """One installation: a database, its files, and the environment manage.py runs with."""

    env: dict
    media: Path
    anchors: Path
    ledger: Path
    databases: list = field(default_factory=list)

    def manage(self, *args, check=True, **extra):
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=180,
        )
        if check and result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result

    def snapshot(self):
        output = self.manage("shell", "--no-imports", "-c", SNAPSHOT).stdout
        return json.loads(output.strip().splitlines()[-1])

    def tables(self):
        """How many tables the database has, read directly (no Django start-up)."""
        url = self.env["DATABASE_URL"]
        if url.startswith("sqlite:///"):
            path = Path(url.removeprefix("sqlite:///"))
            if not path.exists():
                return 0
            with contextlib.closing(sqlite3.connect(path)) as connection:
                query = "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                return connection.execute(query).fetchone()[0]
        import psycopg

        with psycopg.connect(url) as connection:
            query = "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            return connection.execute(query).fetchone()[0]


class Installations:
    """Makes places on this run's database server; drops the PostgreSQL databases after."""

    def __init__(self, tmp, keys):
        self.tmp = tmp
        self.keys = keys
        self.postgres = _postgres_url()
        self.prefix = f"tverrnett_backup_{os.getpid()}"
        self.created = []

    def place(self, name):
        directory = self.tmp / name
        directory.mkdir()
        if self.postgres:
            database = self.prefix if name == "source" else f"{self.prefix}_{name}"
            _admin(self.postgres, "DROP DATABASE IF EXISTS {} WITH (FORCE)", database)
            _admin(self.postgres, "CREATE DATABASE {}", database)
            self.created.append(database)
            url = urlsplit(self.postgres)._replace(path=f"/{database}").geturl()
        else:
            url = f"sqlite:///{directory / 'db.sqlite3'}"
        env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
        env.update(
            DJANGO_SETTINGS_MODULE="tverrnett.settings",
            DEBUG="false",
            SECRET_KEY=secrets.token_urlsafe(50),
            HTTPS="false",
            DATA_DIR=str(directory),
            DATABASE_URL=url,
            MEDIA_ROOT=str(directory / "media"),
            AUDIT_ANCHOR_DIR=str(directory / "audit-anchors"),
            RECORDS_TOMBSTONE_LEDGER=str(directory / "records" / "tombstones.jsonl"),
            RECORDS_ARCHIVE_DIR=str(directory / "archive-packages"),
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            # The keys of the organisation's secret store: the same for every place.
            AUDIT_KEY_FILE=str(self.keys / "audit.key"),
            IDENTITY_KEY_FILE=str(self.keys / "identity.key"),
            BACKUP_KEY_FILE=str(self.keys / "backup.key"),
            AUDIT_KEY_GENERATE="true",
            IDENTITY_KEY_GENERATE="true",
        )
        return Place(
            env=env,
            media=directory / "media",
            anchors=directory / "audit-anchors",
            ledger=directory / "records" / "tombstones.jsonl",
        )

    def drop(self):
        for database in self.created:
            _admin(self.postgres, "DROP DATABASE IF EXISTS {} WITH (FORCE)", database)


@pytest.fixture(scope="module")
def installations(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("backup")
    keys = tmp / "secret-store"
    keys.mkdir()
    made = Installations(tmp, keys)
    try:
        yield made
    finally:
        made.drop()


@pytest.fixture(scope="module")
def source(installations):
    """The demo, committed, with an uploaded file, a tombstone ledger line and an anchor;
    and its backup."""
    place = installations.place("source")
    # One Django start-up for the three commands that build it (the suite's slowest part).
    place.manage("shell", "--no-imports", "-c", BUILD_DEMO, DEBUG="true")
    upload = place.media / "events" / "material" / "referat.pdf"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(b"%PDF-1.4 fiktivt referat\n" + secrets.token_bytes(3000))
    place.ledger.parent.mkdir(parents=True)
    place.ledger.write_text('{"case_id": 999999, "reference": "S-DELETED"}\n')
    # What `backup_key --create` does (tested below), without another Django start-up.
    keyfiles.write_new_file(place.env["BACKUP_KEY_FILE"], what=backup.WHAT)
    place.backup = installations.tmp / "tverrnett.backup"
    made = place.manage("backup_data", "--out", str(place.backup))
    assert "uploaded files: 1" in made.stdout
    place.before = place.snapshot()
    return place


def test_it_restores_the_demo_into_an_empty_database_that_verifies(installations, source):
    target = installations.place("restore")

    restored = target.manage("restore_data", "--in", str(source.backup))

    assert "every checksum matches" in restored.stdout
    assert "Restore complete." in restored.stdout
    after = target.snapshot()
    assert after == source.before
    assert after["counts"]["cases"] > 0 and after["journal"] and after["consents"]
    assert list(after["media"]) == ["events/material/referat.pdf"]
    # The files in the database store came back with the database, byte for byte.
    assert "documents/backup-test" in after["stored"]
    assert after["counts"]["files in the database"] == len(after["stored"]) > 0
    # The restored installation works on (PostgreSQL's sequences came along): a new
    # entry after the restored ones, sealed and anchored, and the whole log verifies
    # against the restored anchors and the new one.
    target.manage("shell", "--no-imports", "-c", WRITE_AND_SEAL)
    verified = target.manage("verify_audit")
    assert verified.stdout.startswith(f"OK: {after['audit'][0] + 1} audit entries intact")
    assert target.ledger.read_text() == source.ledger.read_text()
    assert sorted(p.name for p in target.anchors.iterdir()) == sorted(
        p.name for p in source.anchors.iterdir()
    )


def _refused(result, message):
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_it_refuses_a_backup_with_the_wrong_key(installations, source, tmp_path):
    target = installations.place("wrong_key")
    other_key = tmp_path / "other-backup.key"
    keyfiles.write_new_file(other_key, what=backup.WHAT)

    result = target.manage(
        "restore_data", "--in", str(source.backup), check=False, BACKUP_KEY_FILE=str(other_key)
    )

    _refused(result, "not the key it was made with")
    assert target.tables() == 0
    assert not target.media.exists()


@pytest.fixture
def backup_key_of(settings):
    """In process: the settings of the source's key, for `restore_data --check`."""

    def use(place):
        settings.BACKUP_KEY_FILE = place.env["BACKUP_KEY_FILE"]

    return use


# The following run `restore_data --check` in process: it decrypts and checks as a
# restore does, before a restore writes anything, and needs no Django start-up.


@pytest.mark.parametrize("where", ["header", "middle", "last byte"])
def test_it_refuses_a_backup_with_a_flipped_byte(source, backup_key_of, tmp_path, where):
    backup_key_of(source)
    data = bytearray(source.backup.read_bytes())
    position = {"header": 30, "middle": len(data) // 2, "last byte": len(data) - 1}[where]
    data[position] ^= 0x01
    damaged = tmp_path / "damaged.backup"
    damaged.write_bytes(bytes(data))

    with pytest.raises(CommandError, match="damaged"):
        call_command("restore_data", "--in", str(damaged), "--check", stdout=io.StringIO())


def test_check_opens_the_backup_and_its_checksums_match(source, backup_key_of):
    backup_key_of(source)
    out = io.StringIO()

    call_command("restore_data", "--in", str(source.backup), "--check", stdout=out)

    assert "every checksum matches" in out.getvalue()


def test_it_refuses_a_file_that_is_not_a_backup(source, backup_key_of, tmp_path):
    backup_key_of(source)
    other = tmp_path / "notes.txt"
    other.write_text("not a backup")

    with pytest.raises(CommandError, match="not a Tverrnett backup file"):
        call_command("restore_data", "--in", str(other), "--check")


def test_it_refuses_a_database_with_tables_and_changes_nothing(source):
    media_before = sorted(source.media.rglob("*"))

    result = source.manage("restore_data", "--in", str(source.backup), check=False)

    _refused(result, "is not empty")
    assert "nothing was changed" in result.stderr
    assert source.snapshot() == source.before
    assert sorted(source.media.rglob("*")) == media_before


def test_it_refuses_a_backup_from_a_newer_version():
    applied = [("cases", "0001_initial"), ("cases", "9999_from_a_newer_release")]

    with pytest.raises(backup.BackupError, match="newer version of Tverrnett"):
        backup._check_migrations_known(applied, "9.9.9")


def test_backup_key_creates_the_file_and_rotates_it(settings, tmp_path):
    settings.BACKUP_KEY_FILE = str(tmp_path / "keys" / "backup.key")
    out = io.StringIO()

    call_command("backup_key", "--create", stdout=out)
    call_command("backup_key", "--rotate", stdout=out)

    keys = backup.load_keys()
    assert len(keys) == 2 and keys[0].key_id != keys[1].key_id
    assert (tmp_path / "keys" / "backup.key").stat().st_mode & 0o077 == 0
    assert keys[0].secret.hex() not in out.getvalue()
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_key", "--create")


def test_backup_key_without_the_setting_says_what_to_do(settings):
    settings.BACKUP_KEY_FILE = ""

    with pytest.raises(CommandError, match="BACKUP_KEY_FILE is not set"):
        call_command("backup_key", "--create")


# --- The encrypted stream, in process -------------------------------------------------------

KEY = Key("k1", bytes(range(32)))


@pytest.fixture
def key_file(settings, tmp_path):
    settings.BACKUP_KEY_FILE = str(tmp_path / "backup.key")


def _encrypt(plain, chunk_size=64):
    target = io.BytesIO()
    writer = backup.EncryptingWriter(target, KEY, chunk_size=chunk_size)
    writer.write(plain)
    writer.close()
    return target.getvalue()


def _decrypt(data, keys=(KEY,)):
    return io.BufferedReader(backup.DecryptingReader(io.BytesIO(data), keys)).read()


def _chunks(data):
    """The header and the chunks (with their length prefixes) of an encrypted stream."""
    source = io.BytesIO(data)
    backup.read_header(source)
    header_end = source.tell()
    chunks = []
    while raw := source.read(4):
        chunks.append(raw + source.read(int.from_bytes(raw, "big")))
    return data[:header_end], chunks


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 1000])
def test_it_decrypts_what_it_encrypted(size, key_file):
    plain = secrets.token_bytes(size)

    assert _decrypt(_encrypt(plain)) == plain


def test_it_refuses_a_stream_cut_after_a_whole_chunk(key_file):
    header, chunks = _chunks(_encrypt(secrets.token_bytes(300)))

    with pytest.raises(backup.BackupError, match="damaged"):
        _decrypt(header + b"".join(chunks[:-1]))


def test_it_refuses_chunks_out_of_order(key_file):
    header, chunks = _chunks(_encrypt(secrets.token_bytes(300)))
    chunks[1], chunks[2] = chunks[2], chunks[1]

    with pytest.raises(backup.BackupError, match="damaged"):
        _decrypt(header + b"".join(chunks))


def test_it_refuses_bytes_after_the_last_chunk(key_file):
    header, chunks = _chunks(_encrypt(secrets.token_bytes(300)))

    with pytest.raises(backup.BackupError, match="damaged"):
        _decrypt(header + b"".join(chunks) + chunks[-1])


def test_it_names_a_key_id_missing_from_the_key_file(key_file):
    data = _encrypt(b"secret")

    with pytest.raises(backup.BackupError, match="backup key 'k1', which is not in"):
        _decrypt(data, keys=(Key("k2", bytes(32)),))
