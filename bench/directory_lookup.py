"""Benchmark: "who should I contact?" on the demo data.

Not a test: it prints timings so a change to the directory can be compared
before and after. The target (issue 3) is under 100 ms for the whole page.
Runs against the database DATABASE_URL names (default: a fresh SQLite file
in a temporary folder), which it creates, migrates and seeds with the demo
data.

    .venv/bin/python bench/directory_lookup.py [--rounds 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tverrnett_bench \\
        .venv/bin/python bench/directory_lookup.py

It times the lookup alone (resolve the municipality, then `who_to_contact`)
and the whole page as slt.demo gets it (middleware, queries, template).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = [("Dramen", "general"), ("3301", ""), ("Asker", "security"), ("Lunner", "child")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tverrnett.settings")
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    workdir = tempfile.mkdtemp(prefix="tverrnett-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from tverrnett.agencies.directory import who_to_contact
    from tverrnett.geography.services import resolve_municipality

    if connection.vendor == "postgresql":
        _recreate_postgresql_database(connection)
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=StringIO())

    lookups = []
    for _ in range(args.rounds):
        for text, need in QUERIES:
            started = time.perf_counter()
            who_to_contact(resolve_municipality(text), need)
            lookups.append(time.perf_counter() - started)

    client = _logged_in_client(Client(), "slt.demo")
    url = reverse("agencies:who_to_contact")
    pages = []
    for _ in range(args.rounds):
        for text, need in QUERIES:
            started = time.perf_counter()
            response = client.get(url, {"municipality": text, "need": need})
            pages.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            assert b"answer-heading" in response.content

    print(f"database:  {connection.vendor}")
    _print("lookup:", lookups)
    _print("page:", pages)
    worst = statistics.quantiles(pages, n=100)[94]
    print(f"target:    page p95 {worst * 1000:.1f} ms {'<' if worst < 0.1 else '>='} 100 ms")


def _print(label, timings):
    ms = sorted(t * 1000 for t in timings)
    p95 = statistics.quantiles(ms, n=100)[94]
    print(
        f"{label:<10} {len(ms)} runs, median {statistics.median(ms):.2f} ms, "
        f"p95 {p95:.2f} ms, max {ms[-1]:.2f} ms"
    )


def _logged_in_client(client, username):
    """A session past both factors, as `login_as` in conftest.py gives the tests."""
    from django.contrib.auth import get_user_model
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY

    user = get_user_model().objects.get(username=username)
    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_MEMBERSHIP_KEY] = user.active_memberships().first().pk
    session.save()
    return client


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
