"""Benchmark: appending to the audit log and verifying the chain.

Not a test: it prints timings so a change to the audit log can be compared
before and after. Runs against the database DATABASE_URL names (default: a
fresh SQLite file in a temporary folder), which it creates and migrates.

    .venv/bin/python bench/audit_chain.py [--entries 20000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tverrnett_bench \\
        .venv/bin/python bench/audit_chain.py

Every entry is appended through `audit.services.record`, one transaction
each, as a request would; then `verify_chain` walks them all.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=20000)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tverrnett.settings")
    os.environ.setdefault("DEBUG", "true")
    workdir = tempfile.mkdtemp(prefix="tverrnett-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tverrnett.audit import actions
    from tverrnett.audit.models import AuditEntry
    from tverrnett.audit.services import record, verify_chain

    if connection.vendor == "postgresql":
        _recreate_postgresql_database(connection)
    call_command("migrate", verbosity=0)
    actions.register("bench.touched", "Written by the benchmark")
    existing = AuditEntry.objects.count()

    started = time.perf_counter()
    for n in range(args.entries):
        record("bench.touched", detail={"n": n})
    appended = time.perf_counter() - started

    started = time.perf_counter()
    count, broken = verify_chain()
    verified = time.perf_counter() - started

    print(f"database:  {connection.vendor}")
    print(
        f"append:    {args.entries} entries in {appended:.2f} s "
        f"({args.entries / appended:.0f}/s, {appended / args.entries * 1000:.2f} ms each)"
    )
    print(f"verify:    {count} entries in {verified:.2f} s ({count / verified:.0f}/s)")
    print(f"chain:     {'intact' if broken is None else f'BROKEN at {broken}'}")
    assert count == existing + args.entries


def _recreate_postgresql_database(connection):
    import psycopg

    settings = connection.settings_dict
    name = settings["NAME"]
    admin = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
