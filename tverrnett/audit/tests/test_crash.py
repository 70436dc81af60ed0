"""Killing the application between an audited write and its sealing loses no entry.

Real processes on a database of their own (only the audit app's tables): writers
append entries, one committed transaction each, and print every id once its commit
returned; a sealer seals in a loop. Both are killed with SIGKILL at an arbitrary
moment. Then the worker's step runs (`anchor_audit`), and every acknowledged entry
must be in the log, sealed exactly once, and `verify_audit` must pass.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tverrnett.audit import authentication

REPO = Path(__file__).resolve().parents[3]

WRITER = """
import os, sys
import django
django.setup()
from django.db import transaction
from tverrnett.audit import actions
from tverrnett.audit.services import record
actions.register("test.crash", "Written by the crash test")
n = 0
while True:
    with transaction.atomic():
        entry = record("test.crash", detail={"n": n})
        if n % 7 == 3:
            # A second entry in the same transaction: both or neither.
            record("test.crash", detail={"n": n, "second": True})
    print(entry.pk, flush=True)
    n += 1
"""

SEALER = """
import django
django.setup()
from tverrnett.audit.sealing import seal_pending
print("sealing", flush=True)
while True:
    seal_pending(limit=25)
"""


@pytest.fixture
def crash_database(tmp_path):
    """A database with the audit tables only, and the environment to reach it."""
    if connection.vendor == "postgresql":
        base = settings.DATABASES["default"]
        name = f"tv_crash_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = _postgres_admin(base)
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'CREATE DATABASE "{name}"')
        url = f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/{name}"
    else:
        url = f"sqlite:///{tmp_path / 'crash.sqlite3'}"
    env = {
        **{key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")},
        "DJANGO_SETTINGS_MODULE": "tverrnett.settings_test",
        "DATABASE_URL": url,
        "AUDIT_KEY_FILE": settings.AUDIT_KEY_FILE,
        "AUDIT_ANCHOR_DIR": str(tmp_path / "anchors"),
        "PYTHONPATH": str(REPO),
    }
    _manage(env, "migrate", "audit", "-v0")
    yield env
    if connection.vendor == "postgresql":
        with psycopg.connect(admin, autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _postgres_admin(base):
    return f"postgres://{base['USER']}@{base['HOST']}:{base['PORT'] or 5432}/postgres"


def _manage(env, *arguments):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _start(env, script):
    return subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _log_contents(env):
    """Every entry id in the log, and every id each seal names."""
    url = env["DATABASE_URL"]
    query_entries = "SELECT id FROM audit_auditentry"
    query_seals = "SELECT entry_ids FROM audit_auditseal ORDER BY position"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as database:
            entries = {row[0] for row in database.execute(query_entries)}
            seals = [row[0] for row in database.execute(query_seals)]
    else:
        with psycopg.connect(url) as database:
            entries = {row[0] for row in database.execute(query_entries)}
            seals = [row[0] for row in database.execute(query_seals)]
    sealed = [
        entry_id
        for text in seals
        for start, end in authentication.decode_ranges(text)
        for entry_id in range(start, end + 1)
    ]
    return entries, sealed


def test_killed_writers_and_sealer_lose_no_entry(crash_database):
    env = crash_database
    acknowledged = set()
    # Two crashes at different moments, on the same log, each followed by the worker.
    for kill_after in (5, 60):
        acknowledged |= _write_and_kill(env, kill_after)

        anchored = _manage(env, "anchor_audit")
        assert anchored.returncode == 0, anchored.stderr
        verified = _manage(env, "verify_audit")
        assert verified.returncode == 0, verified.stderr
        assert "0 awaiting their seal" in verified.stdout

        entries, sealed = _log_contents(env)
        assert acknowledged <= entries, "an acknowledged entry is gone"
        assert sorted(sealed) == sorted(entries), "every entry sealed exactly once"


def _write_and_kill(env, kill_after):
    """Two writers and a sealer, all killed once `kill_after` entries were acknowledged;
    return the acknowledged ids."""
    writers = [_start(env, WRITER) for _ in range(2)]
    sealer = _start(env, SEALER)
    assert sealer.stdout.readline().strip() == "sealing"
    acknowledged = set()
    deadline = time.monotonic() + 60
    try:
        while len(acknowledged) < kill_after and time.monotonic() < deadline:
            for writer in writers:
                line = writer.stdout.readline().strip()
                if line:
                    acknowledged.add(int(line))
    finally:
        for process in (*writers, sealer):
            process.send_signal(signal.SIGKILL)
        for process in (*writers, sealer):
            process.wait(timeout=10)
    for writer in writers:  # ids printed before the kill but not read yet
        acknowledged.update(int(line) for line in writer.stdout.read().split() if line)
    assert len(acknowledged) >= kill_after
    return acknowledged
