"""Benchmark: case list, case, exit and assessment pages and search at 1,000 and 100,000 cases.

Not a test: it prints timings so a change to the case pages, the access
policy or the indexes can be compared before and after. For each size it
builds a database of its own (a fresh SQLite file under var/bench/, or a fresh
PostgreSQL database <name>_<size>), migrates it, loads the reference data and
runs `generate_scale_data --cases <size>`; then it logs in the benchmark user
(`bench-koordinator`, SLT coordinator in Oslo, whose agency is on the team of
every tenth case) and requests each page `--requests` times. The exit pages
(overview, checklist, background) and the assessment pages (list, the newest
assessment, development, comparison) are those of the open exit case on the
user's team with the most assessments the user reads (their agency's), then
the most measures and own background entries.

    .venv/bin/python bench/case_pages.py [--sizes 1000,100000] [--requests 50]
    .venv/bin/python bench/case_pages.py --database postgresql \\
        [--postgres postgres://postgres@127.0.0.1:5432/tverrnett_bench]
    # measure again on the databases the last run built, without generating:
    .venv/bin/python bench/case_pages.py --reuse
    # only some pages (labels containing these words):
    .venv/bin/python bench/case_pages.py --reuse --only "start page,case list,task inbox"

Server time is the time `django.test.Client` takes for the whole request
(middleware, queries, template, session save) with DEBUG off, so no query is
logged; the number of queries comes from one more request of each page under
CaptureQueriesContext. Every case page view and every list view writes a read
entry to the audit log, as in production. PostgreSQL gets VACUUM ANALYZE after
the generation (what autovacuum does soon after a bulk load); SQLite gets no
ANALYZE, as the application never runs one.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from io import StringIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE_DIR = Path(__file__).resolve().parent.parent
SQLITE_DIR = BASE_DIR / "var" / "bench"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/tverrnett_bench"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="numbers of cases, comma-separated")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres",
        default=DEFAULT_POSTGRES,
        help="server and base name of the PostgreSQL databases (the size is appended)",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure on a database an earlier run built for the same size, if there is one",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only",
        default="",
        help="measure only the pages whose label contains one of these words (comma-separated)",
    )
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size.strip()]

    os.environ["DJANGO_SETTINGS_MODULE"] = "tverrnett.settings"
    os.environ["DEBUG"] = "true"  # generate_scale_data is for development only
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    if args.database == "sqlite":
        SQLITE_DIR.mkdir(parents=True, exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{_sqlite_path(sizes[0])}"
    else:
        os.environ["DATABASE_URL"] = f"{args.postgres}_{sizes[0]}"

    # WhiteNoise serves from the finders; nothing was collected.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection

    rows = []
    for size in sizes:
        name = _sqlite_path(size) if connection.vendor == "sqlite" else _pg_name(args, size)
        connection.close()
        connection.settings_dict["NAME"] = str(name)
        built = _build(connection, size, args.seed, reuse=args.reuse)
        print(f"{connection.vendor} {size:,} cases: {built}", flush=True)
        only = [word.strip().lower() for word in args.only.split(",") if word.strip()]
        rows += _measure(connection, size, args.requests, only)

    print()
    print(f"Database: {connection.vendor}; {args.requests} requests per page, after one warm-up.")
    print()
    print("| Page | Cases | p50 ms | p95 ms | Queries |")
    print("|---|---:|---:|---:|---:|")
    for page, size, timings, queries in rows:
        p50, p95 = _percentiles(timings)
        print(f"| {page} | {size:,} | {p50:.1f} | {p95:.1f} | {queries} |")


def _sqlite_path(size):
    return SQLITE_DIR / f"case_pages_{size}.sqlite3"


def _pg_name(args, size):
    return f"{args.postgres.rsplit('/', 1)[1]}_{size}"


def _build(connection, size, seed, *, reuse):
    """A database with `size` generated cases; returns what was done, for the output."""
    from django.core.management import call_command

    if reuse and _holds(connection, size):
        return "reused"
    if connection.vendor == "postgresql":
        _recreate_postgresql_database(connection)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{connection.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", stdout=StringIO())
    started = time.perf_counter()
    call_command("generate_scale_data", cases=size, seed=seed)
    generated = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return f"generated in {generated:.0f} s"


def _holds(connection, size):
    from django.db import DatabaseError

    from tverrnett.cases.models import ConcernCase

    try:
        if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
            return False
        return ConcernCase.objects.count() == size
    except DatabaseError:
        connection.close()
        return False


def _measure(connection, size, requests, only=()):
    from django.db.models import Count, F, Q
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tverrnett.accounts.models import User
    from tverrnett.assessments.models import Assessment
    from tverrnett.cases.management.commands.generate_scale_data import (
        BENCH_USERNAME,
        LAST_NAMES,
    )
    from tverrnett.cases.models import ConcernCase

    user = User.objects.get(username=BENCH_USERNAME)
    membership = user.active_memberships().get()
    agency = membership.agency
    mine = ConcernCase.objects.filter(team__agency=agency)
    heavy, typical = pick_cases(agency)
    # The heaviest exit case the user works on: an open one (a closed one has no
    # running measures), with the most assessments the user reads (their agency's;
    # none of another agency is disclosed in the generated data), then the most
    # measures and own background entries.
    heavy_exit = (
        mine.filter(exit_work__isnull=False)
        .exclude(state="closed")
        .annotate(
            assessment_count=Count(
                "assessments", filter=Q(assessments__agency=agency), distinct=True
            ),
            measure_count=Count("measures", distinct=True),
            background=Count(
                "journal",
                filter=Q(journal__agency=agency, journal__superseded_by__isnull=True)
                & ~Q(journal__topic=""),
                distinct=True,
            ),
        )
        .annotate(weight=F("measure_count") + F("background"))
        .order_by("-assessment_count", "-weight", "pk")
        .first()
    )
    newest_assessment = None
    if heavy_exit is not None:
        newest_assessment = (
            Assessment.objects.filter(case=heavy_exit, agency=agency)
            .order_by("-assessed_on", "-id")
            .first()
        )
    fragment = LAST_NAMES[2]
    print(
        f"  {user.username} sees {mine.count():,} of {ConcernCase.objects.count():,} cases; "
        f"heavy case {heavy.pk} has {heavy.entries} own journal entries; "
        f"search for {fragment!r}",
        flush=True,
    )
    if heavy_exit is not None:
        print(
            f"  heavy exit case {heavy_exit.pk} ({heavy_exit.state}) has "
            f"{heavy_exit.measure_count} measures, {heavy_exit.background} own background "
            f"entries and {heavy_exit.assessment_count} own assessments",
            flush=True,
        )

    client = _logged_in_client(Client(), user, membership)

    def search_url(text):
        # The search is a POST that keeps the text in the session; the list then shows
        # it under a token in its URL. The bench times that GET.
        return client.post(reverse("cases:list"), {"q": text}).url

    pages = [
        ("Floor: start page (core:home)", reverse("core:home"), {}, b""),
        ("Case list (cases:list)", reverse("cases:list"), {}, b"cases-caption"),
        ("Case list, overdue only", reverse("cases:list"), {"overdue": "on"}, b"cases-caption"),
        ("Case list, by deadline", reverse("cases:list"), {"sort": "deadline"}, b"cases-caption"),
        ("Task inbox (tasks:inbox)", reverse("tasks:inbox"), {}, b""),
        (
            f"Search, surname ({fragment})",
            search_url(fragment),
            {},
            fragment.encode(),
        ),
        (
            "Search, full name",
            search_url(typical.subject.name),
            {},
            typical.subject.name.encode(),
        ),
        (
            f"Case page, {heavy.entries} journal entries",
            reverse("cases:detail", kwargs={"pk": heavy.pk}),
            {},
            b"journal-heading",
        ),
        (
            "Case page, typical",
            reverse("cases:detail", kwargs={"pk": typical.pk}),
            {},
            b"journal-heading",
        ),
    ]
    if heavy_exit is not None:
        exit_pk = {"pk": heavy_exit.pk}
        pages += [
            (
                f"Exit overview, {heavy_exit.measure_count} measures",
                reverse("exitwork:overview", kwargs=exit_pk),
                {},
                b"checklist-heading",
            ),
            ("Exit checklist", reverse("exitwork:checklist", kwargs=exit_pk), {}, b"step-1"),
            (
                f"Exit background, {heavy_exit.background} own entries",
                reverse("exitwork:background", kwargs=exit_pk),
                {},
                b"topic-push",
            ),
        ]
    if newest_assessment is not None:
        count = heavy_exit.assessment_count
        pages += [
            (
                f"Assessments, {count} own",
                reverse("assessments:list", kwargs=exit_pk),
                {},
                b"assessments-heading",
            ),
            (
                f"Assessment, {newest_assessment.ratings.count()} ratings",
                reverse(
                    "assessments:detail",
                    kwargs={**exit_pk, "assessment_pk": newest_assessment.pk},
                ),
                {},
                b"summary-heading",
            ),
            (
                f"Assessment development, {count} signed",
                reverse("assessments:development", kwargs=exit_pk),
                {},
                b"development-needs",
            ),
        ]
        if count >= 2:  # a comparison needs two signed assessments
            pages.append(
                (
                    "Assessment comparison, newest two",
                    reverse("assessments:compare", kwargs=exit_pk),
                    {},
                    b"compare-1",
                )
            )
    if only:
        pages = [page for page in pages if any(word in page[0].lower() for word in only)]
    rows = []
    with override_settings(DEBUG=False):
        for label, url, params, expected in pages:
            _get(client, url, params, expected)  # warm-up
            timings = []
            for _ in range(requests):
                started = time.perf_counter()
                _get(client, url, params, expected)
                timings.append(time.perf_counter() - started)
            with CaptureQueriesContext(connection) as queries:
                _get(client, url, params, expected)
            rows.append((label, size, timings, len(queries.captured_queries)))
            p50, p95 = _percentiles(timings)
            print(f"  {label:<40} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms", flush=True)
    return rows


def _get(client, url, params, expected):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    assert expected in response.content, (url, expected)
    return response


def _percentiles(timings):
    ms = [t * 1000 for t in timings]
    return statistics.median(ms), statistics.quantiles(ms, n=100)[94]


def _logged_in_client(client, user, membership):
    """A session past both factors, as `login_as` in conftest.py gives the tests."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY

    client.force_login(user)
    session = client.session
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SESSION_MEMBERSHIP_KEY] = membership.pk
    session.save()
    return client


def _recreate_postgresql_database(connection):
    import psycopg

    settings = connection.settings_dict
    name = settings["NAME"]
    connection.close()
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


def pick_cases(agency):
    """The heavy case (the most of `agency`'s current journal entries) and a typical one
    (the first identified case in follow-up) among the cases on `agency`'s team."""
    from django.db.models import Count, Q

    from tverrnett.cases.models import ConcernCase

    mine = ConcernCase.objects.filter(team__agency=agency)
    heavy = (
        mine.filter(is_anonymous=False)
        .annotate(
            entries=Count(
                "journal",
                filter=Q(journal__agency=agency, journal__superseded_by__isnull=True),
            )
        )
        .order_by("-entries", "pk")
        .select_related("subject")
        .first()
    )
    typical = (
        mine.filter(is_anonymous=False, state="follow_up")
        .exclude(pk=heavy.pk)
        .select_related("subject")
        .order_by("pk")
        .first()
    )
    return heavy, typical


if __name__ == "__main__":
    main()
