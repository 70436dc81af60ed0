"""Benchmark: the case list's text search, through the indexes and as it was (icontains).

Not a test. On a database `bench/case_pages.py` built (it never builds one), it logs in
the benchmark user (`bench-koordinator`, whose agency is on the team of every tenth
case) and times the case list searched for a surname, a full name, a misspelt surname
and a summary word, `--requests` times each after one warm-up, interleaving the
indexed search (cases/search_index.py) and the old one (icontains on the name and the
summary, put back for the run); then it prints EXPLAIN ANALYZE of the indexed search's
page query.

    .venv/bin/python bench/search.py --database postgres://postgres@127.0.0.1:5432/tverrnett_bench_100000
    .venv/bin/python bench/search.py --database sqlite:///var/bench/case_pages_100000.sqlite3

Server time is the whole request through `django.test.Client` with DEBUG off, as in
bench/case_pages.py; the page writes its read entry to the audit log, as in production.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="DATABASE_URL of a bench database")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per search")
    parser.add_argument("--no-old", action="store_true", help="time only the indexed search")
    parser.add_argument("--plans", action="store_true", help="print the indexed query plans")
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "tverrnett.settings"
    os.environ["DEBUG"] = "true"
    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Q
    from django.test import Client, override_settings
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )
    from django.urls import reverse

    from tverrnett.access import policy
    from tverrnett.accounts.models import User
    from tverrnett.cases import views
    from tverrnett.cases.management.commands.generate_scale_data import (
        BENCH_USERNAME,
        LAST_NAMES,
    )
    from tverrnett.cases.models import CasePart, ConcernCase

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from case_pages import _logged_in_client

    def old_search(q, user, agency_ids):
        condition = Q(
            policy.part_shown(user, agency_ids, CasePart.IDENTITY), subject__name__icontains=q
        ) | Q(policy.part_shown(user, agency_ids, CasePart.SUMMARY), summary__icontains=q)
        number = views.parse_id(q.rpartition("-")[2])
        if number is not None:
            condition |= Q(pk=number)
        return condition

    indexed_search = views._search
    user = User.objects.get(username=BENCH_USERNAME)
    membership = user.active_memberships().get()
    typical = (
        ConcernCase.objects.filter(team__agency=membership.agency, is_anonymous=False)
        .exclude(summary="")
        .select_related("subject")
        .order_by("pk")[len(LAST_NAMES)]
    )
    surname = LAST_NAMES[2]
    misspelt = surname[:-2] + surname[-1]  # "Fiktivsn"
    summary_word = max(typical.summary.split(), key=len).strip(".,")
    searches = [
        ("surname", surname),
        ("full name", typical.subject.name),
        ("misspelt surname", misspelt),
        ("summary word", summary_word),
    ]
    client = _logged_in_client(Client(), user, membership)
    print(f"{connection.vendor}, {ConcernCase.objects.count():,} cases", flush=True)
    print(
        "| Search | Text | Found, old / indexed | p50 old ms | p50 indexed ms | p95 old / indexed |"
    )
    print("|---|---|---:|---:|---:|---:|")
    with override_settings(DEBUG=False):
        for label, text in searches:
            url = client.post(reverse("cases:list"), {"q": text}).url
            timings = {"old": [], "indexed": []}
            found = {}
            variants = [("indexed", indexed_search)] + (
                [] if args.no_old else [("old", old_search)]
            )
            setup_test_environment()  # the warm-up's context tells what each finds
            for name, search in variants:
                views._search = search
                found[name] = client.get(url).context["page"].paginator.count
            teardown_test_environment()
            for _round in range(args.requests):
                for name, search in variants:
                    views._search = search
                    started = time.perf_counter()
                    response = client.get(url)
                    timings[name].append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
            views._search = indexed_search

            def cell(name, timings=timings):
                return f"{statistics.median(timings[name]):.0f}" if timings[name] else "–"

            def p95(name, timings=timings):
                values = sorted(timings[name])
                return f"{values[int(0.95 * (len(values) - 1))]:.0f}" if values else "–"

            print(
                f"| {label} | `{text}` | {found.get('old', '–')} / {found['indexed']} "
                f"| {cell('old')} | {cell('indexed')} | {p95('old')} / {p95('indexed')} |",
                flush=True,
            )
        if connection.vendor == "postgresql":
            print("\n| Search | Page query, old ms | Page query, indexed ms |\n|---|---:|---:|")
            plans = []
            for label, text in searches:
                url = client.post(reverse("cases:list"), {"q": text}).url
                times = {}
                for name, search in (("old", old_search), ("indexed", indexed_search)):
                    views._search = search
                    with CaptureQueriesContext(connection) as context:
                        client.get(url)
                    # The page's query (none when nothing was found): LIMIT, and the name.
                    page_queries = [
                        query["sql"]
                        for query in context.captured_queries
                        if "LIMIT" in query["sql"] and "LIKE" in query["sql"]
                    ]
                    if not page_queries:
                        times[name] = "none (nothing found)"
                        continue
                    [page_query] = page_queries
                    with connection.cursor() as cursor:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + page_query)
                        plan = [row[0] for row in cursor.fetchall()]
                    times[name] = plan[-1].split(":")[1].strip()
                    if name == "indexed":
                        plans.append((label, text, plan))
                views._search = indexed_search
                print(f"| {label} | {times['old']} | {times['indexed']} |", flush=True)
            if args.plans:
                for label, text, plan in plans:
                    print(f"\nEXPLAIN ANALYZE, indexed page query, {label} ({text!r}):")
                    print("\n".join(plan))


if __name__ == "__main__":
    main()
