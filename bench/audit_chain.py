"""Benchmark: appending to the audit log with concurrent writers, old code against new,
and verifying a large log.

Not a test: it prints figures for docs/benchmarks.md. Needs PostgreSQL (the server
`DATABASE_URL` points at; its database name is ignored) and git:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/audit_chain.py \\
        [--baseline e35474f] [--writers 1 4 16] [--rounds 3] [--seconds 8] \\
        [--verify-entries 1000000]

1. Appends. The baseline revision (the hash chain under one advisory lock, before
   issue 17) is checked out into a temporary git worktree; each code base gets a
   database of its own. In every round, for each writer count, both code bases run
   the same load one after the other (the order alternating between rounds): N
   processes call `audit.services.record` in a loop, one transaction per entry as an
   audited request makes, from a common start time for a fixed number of seconds.
   The figure is committed entries per second, summed over the writers.
2. Verification. `--verify-entries` entries are appended to the new database with
   `append_generated` and sealed as the worker would, then `verify_log` (what
   `manage.py verify_audit` runs) reads them all; the same number goes into the
   baseline's database for its `verify_chain`.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent

WRITER = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "tverrnett.settings"
import django
django.setup()
from tverrnett.audit import actions
from tverrnett.audit.services import record
actions.register("bench.touched", "Written by the benchmark")
seconds, writer = float(sys.argv[1]), int(sys.argv[2])
record("bench.touched", detail={"warm-up": writer})  # connection open before the start
print("ready", flush=True)
start_at = float(sys.stdin.readline())  # the same moment for every writer
while time.time() < start_at:
    time.sleep(0.001)
count, end_at = 0, start_at + seconds
while time.time() < end_at:
    record("bench.touched", detail={"writer": writer, "n": count})
    count += 1
print(json.dumps({"count": count, "elapsed": time.time() - start_at}))
"""

FILL = r"""
import datetime, json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "tverrnett.settings"
import django
django.setup()
from tverrnett.audit import actions
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import append_generated
actions.register("bench.touched", "Written by the benchmark")
total, batch = int(sys.argv[1]), 20000
at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
started = time.perf_counter()
for done in range(0, total, batch):
    append_generated([
        AuditEntry(created_at=at + datetime.timedelta(seconds=done + n), action="case.viewed",
                   actor_id=(done + n) % 500, actor_username=f"bench-user-{(done + n) % 500}",
                   agency_id=(done + n) % 300,
                   agency_name=f"Benchmark kommune {(done + n) % 300} - SLT",
                   target_type="cases.concerncase", target_id=str((done + n) % 100000),
                   detail={"parts": ["summary", "tasks"], "membership": (done + n) % 900,
                           "role": "slt_coordinator", "path": "team"},
                   request_id=f"{done + n:032x}", ip_address="10.0.0.1")
        for n in range(min(batch, total - done))
    ])
appended = time.perf_counter() - started
sealed = 0
try:
    from tverrnett.audit.sealing import seal_pending
except ImportError:  # the baseline has no seals
    seal_pending = None
started = time.perf_counter()
if seal_pending:
    sealed = seal_pending()
print(json.dumps({"appended_s": appended, "sealed": sealed,
                  "sealed_s": time.perf_counter() - started}))
"""

VERIFY = r"""
import json, os, sys, time
sys.path.insert(0, os.getcwd())
os.environ["DJANGO_SETTINGS_MODULE"] = "tverrnett.settings"
import django
django.setup()
started = time.perf_counter()
try:
    from tverrnett.audit.verification import verify_log
except ImportError:
    from tverrnett.audit.services import verify_chain
    count, broken = verify_chain()
    ok = broken is None
else:
    report = verify_log()
    count, ok = report.entries, report.intact
print(json.dumps({"count": count, "ok": ok, "seconds": time.perf_counter() - started}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="e35474f")
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--verify-entries", type=int, default=1_000_000)
    args = parser.parse_args()

    server = os.environ.get("DATABASE_URL", "")
    if not server.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL server (the database name is ignored).")
    workdir = Path(tempfile.mkdtemp(prefix="tverrnett-audit-bench-"))
    baseline = workdir / "baseline"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "-q", str(baseline), args.baseline],
        cwd=REPO,
        check=True,
    )
    trees = {"old": baseline, "new": REPO}
    try:
        envs = {name: _environment(server, f"tv_audit_bench_{name}", workdir) for name in trees}
        for name, tree in trees.items():
            _recreate(envs[name]["DATABASE_URL"])
            _run(tree, envs[name], [sys.executable, "manage.py", "migrate", "-v0"])
        results = _appends(trees, envs, args)
        verification = (
            _verification(trees, envs, args.verify_entries) if args.verify_entries else {}
        )
        print(json.dumps({"appends": results, "verify": verification}, indent=2))
        _summarise(results, verification)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(baseline)], cwd=REPO)
        shutil.rmtree(workdir, ignore_errors=True)


def _environment(server, database, workdir):
    parts = urlsplit(server)
    url = urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))
    return {
        **os.environ,
        "DATABASE_URL": url,
        # As in production: with DEBUG on, Django keeps every query in memory.
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-not-secret",
        "DATA_DIR": str(workdir / database),
        "AUDIT_KEY_FILE": str(workdir / "bench-audit.key"),
        "AUDIT_KEY_GENERATE": "true",
    }


def _recreate(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit((parts.scheme, parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def _run(tree, env, command):
    return subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True)


def _appends(trees, envs, args):
    results = {name: {str(n): [] for n in args.writers} for name in trees}
    for round_number in range(args.rounds):
        for writers in args.writers:
            order = ["old", "new"] if round_number % 2 == 0 else ["new", "old"]
            for name in order:
                rate = _append_round(trees[name], envs[name], writers, args.seconds)
                results[name][str(writers)].append(rate)
                print(f"round {round_number + 1} {name:>3} {writers:>2} writers: {rate:7.0f}/s")
    return results


def _append_round(tree, env, writers, seconds):
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(seconds), str(writer)],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for writer in range(writers)
    ]
    for process in processes:  # every writer has set up Django and connected
        if process.stdout.readline().strip() != "ready":
            raise RuntimeError(f"a writer failed to start in {tree}")
    start_at = time.time() + 0.5
    for process in processes:
        process.stdin.write(f"{start_at}\n")
        process.stdin.close()
    total = 0
    for process in processes:
        out = process.stdout.read()
        process.wait()
        if process.returncode != 0:
            raise RuntimeError(f"a writer failed in {tree}")
        total += json.loads(out.strip().splitlines()[-1])["count"]
    return total / seconds


def _verification(trees, envs, entries):
    results = {}
    for name in ("new", "old"):
        filled = json.loads(
            _run(trees[name], envs[name], [sys.executable, "-c", FILL, str(entries)])
            .stdout.strip()
            .splitlines()[-1]
        )
        runs = [
            json.loads(
                _run(trees[name], envs[name], [sys.executable, "-c", VERIFY])
                .stdout.strip()
                .splitlines()[-1]
            )
            for _ in range(2)
        ]
        best = min(runs, key=lambda run: run["seconds"])
        results[name] = {**filled, **best, "per_second": best["count"] / best["seconds"]}
        seconds, ok = best["seconds"], best["ok"]
        print(f"{name:>3} verify: {best['count']} entries in {seconds:.2f} s, ok={ok}")
    return results


def _summarise(results, verification):
    print("\n| Writers | Before (entries/s) | After (entries/s) | After / before |")
    print("|---|---|---|---|")
    for writers in results["new"]:
        old = statistics.median(results["old"][writers])
        new = statistics.median(results["new"][writers])
        print(f"| {writers} | {old:,.0f} | {new:,.0f} | {new / old:.1f}x |")
    for name in verification:
        run = verification[name]
        print(
            f"{name}: verify {run['count']:,} entries in {run['seconds']:.2f} s "
            f"({run['per_second']:,.0f}/s), intact={run['ok']}"
        )


if __name__ == "__main__":
    main()
