"""Benchmark: throughput and latency of the main pages under gunicorn, interleaved.

Starts one gunicorn per (server configuration, database) with production settings
(DEBUG off, HTTPS off so the cookies travel over plain HTTP on 127.0.0.1, the
audit and identity keys of the databases), logs in the benchmark user
`bench-koordinator` through the two login forms on each database, and measures
in rounds. A round measures every (server, database, page) once, in a shuffled
order, so load from anything else on the machine falls on all of them alike.
One measurement runs `--clients` concurrent clients for `--seconds`, each
request after the one before (no think time): throughput is completed requests
per second, latency the client's time per request (p50, p95 over all rounds).

Pages: the trivial member view (`--trivial`, default `/okt/`, else
`/tilgjengelighet/` logged in, while /okt/ does not exist), the start page, the
case list, a search by a person's full name (the list's search is a POST that
keeps the text in the session and redirects to a token URL: "search" is the GET
of that URL after one POST, "search POST" the POST itself), and the case page of
a typical case and of the heavy case, picked as bench/case_pages.py picks them.

The databases are those bench/case_pages.py builds (`--database postgresql`):

    .venv/bin/python bench/throughput.py [--rounds 3] [--seconds 5] [--clients 8] \\
        [--server sync:4 --server gthread:2x4] [--keys-dir var] \\
        [--databases postgres://postgres@127.0.0.1:5432/tverrnett_bench_1000,...]

`--server KIND:WORKERS[xTHREADS]` may be given more than once to compare gunicorn
worker classes in the same interleaved run. Prints Markdown tables: per server
configuration, each page's throughput and p50/p95 per database, its throughput
over the trivial view's (same database) and its p95 at the largest database over
the p95 at the smallest.
"""

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR / "bench"))

import weblogin  # noqa: E402
from case_pages import pick_cases  # noqa: E402

DEFAULT_DATABASES = ",".join(
    f"postgres://postgres@127.0.0.1:5432/tverrnett_bench_{size}" for size in (1000, 100000)
)
BENCH_USERNAME = "bench-koordinator"
LOG_DIR = BASE_DIR / "var" / "bench"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default=DEFAULT_DATABASES, help="comma-separated URLs")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients")
    parser.add_argument(
        "--server",
        action="append",
        help="gunicorn worker class and size: sync:4 or gthread:2x4 (default: both)",
    )
    parser.add_argument(
        "--trivial",
        default="auto",
        help="URL of the trivial member view (default: /okt/ if it exists, else /tilgjengelighet/)",
    )
    parser.add_argument(
        "--keys-dir",
        default=str(BASE_DIR / "var"),
        help="directory with audit.key and identity.key of the databases (the ones "
        "generate_scale_data used, with DEBUG on: the checkout's var/)",
    )
    parser.add_argument("--port", type=int, default=8710, help="first port")
    parser.add_argument("--seed", type=int, default=None, help="seed of the shuffling")
    parser.add_argument("--pick", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pick:
        return _pick()

    databases = [url.strip() for url in args.databases.split(",") if url.strip()]
    servers = [_parse_server(spec) for spec in (args.server or ["sync:4", "gthread:2x4"])]
    keys = Path(args.keys_dir).resolve()
    env = _production_env(keys)
    LOG_DIR.mkdir(parents=True, exist_ok=True)

    print(f"Commit: {_commit()}", flush=True)
    print(f"Load: {_uptime()}", flush=True)
    picks = {db: _pick_in_subprocess(db, keys) for db in databases}
    processes, bases = [], {}
    try:
        port = args.port
        for server in servers:
            for db in databases:
                processes.append(_start_gunicorn(server, db, port, env))
                bases[(server["label"], db)] = f"http://127.0.0.1:{port}"
                port += 1
        for base in bases.values():
            _wait_until_up(base)
        sessions = {}
        for db in databases:
            # One login per database; every server on it shares the session (same key).
            first = bases[(servers[0]["label"], db)]
            sessions[db] = _log_in(first, db, keys)
        trivial = _trivial_url(args.trivial, bases[(servers[0]["label"], databases[0])], sessions)
        pages = _pages(trivial)
        print(f"Trivial view: {trivial}", flush=True)
        for db in databases:
            pick = picks[db]
            print(
                f"{_label(db)}: typical case {pick['typical']}, heavy case {pick['heavy']} "
                f"({pick['heavy_entries']} own journal entries), search for a full name",
                flush=True,
            )
        results = _run_rounds(args, servers, databases, pages, bases, sessions, picks)
        print(f"Load: {_uptime()}", flush=True)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    _report(args, servers, databases, pages, results)


# Pages -----------------------------------------------------------------------------


def _pages(trivial):
    """(name, how to make the request): `request(session, base, pick, token)`."""
    return [
        ("Trivial view", lambda s, b, p, t: _get(s, f"{b}{trivial}")),
        ("Start page", lambda s, b, p, t: _get(s, f"{b}/")),
        ("Case list", lambda s, b, p, t: _get(s, f"{b}/saker/", b"cases-caption")),
        (
            "Search (GET after POST)",
            lambda s, b, p, t: _get(s, f"{b}{t['url']}", p["name"].encode()),
        ),
        ("Search POST", lambda s, b, p, t: _post_search(s, b, p, t)),
        (
            "Case page, typical",
            lambda s, b, p, t: _get(s, f"{b}/saker/{p['typical']}/", b"journal-heading"),
        ),
        (
            "Case page, heavy",
            lambda s, b, p, t: _get(s, f"{b}/saker/{p['heavy']}/", b"journal-heading"),
        ),
    ]


def _get(session, url, expected=b""):
    response = session.get(url, allow_redirects=False, timeout=120)
    return response.status_code == 200 and expected in response.content


def _post_search(session, base, pick, token):
    response = session.post(
        f"{base}/saker/",
        data={"csrfmiddlewaretoken": token["csrf"], "q": pick["name"]},
        allow_redirects=False,
        timeout=120,
    )
    return response.status_code == 302 and "sok=" in response.headers.get("Location", "")


def _search_token(session, base, pick):
    """One search POST: the redirected URL (with its token) and a CSRF token for more."""
    page = session.get(f"{base}/saker/", timeout=120)
    csrf = weblogin.csrf_token(page.text)
    response = session.post(
        f"{base}/saker/",
        data={"csrfmiddlewaretoken": csrf, "q": pick["name"]},
        allow_redirects=False,
        timeout=120,
    )
    location = response.headers.get("Location", "")
    if response.status_code != 302 or "sok=" not in location:
        raise SystemExit(f"The search POST answered {response.status_code} {location!r}")
    return {"url": location, "csrf": csrf}


def _trivial_url(choice, base, sessions):
    if choice != "auto":
        return choice
    session = next(iter(sessions.values()))
    status = session.get(f"{base}/okt/", allow_redirects=False, timeout=60).status_code
    return "/okt/" if status == 200 else "/tilgjengelighet/"


# Measuring -------------------------------------------------------------------------


def _run_rounds(args, servers, databases, pages, bases, sessions, picks):
    rng = random.Random(args.seed)  # noqa: S311  (an order, not a secret)
    results = {}  # (server, db, page) -> {"ok": n, "errors": n, "seconds": s, "latencies": []}
    pairs = [(s["label"], db, name) for s in servers for db in databases for name, _r in pages]
    requesters = dict(pages)
    for number in range(1, args.rounds + 1):
        order = pairs[:]
        rng.shuffle(order)
        print(f"Round {number}/{args.rounds}", flush=True)
        for server, db, name in order:
            base = bases[(server, db)]
            token = _search_token(sessions[db], base, picks[db])
            done = _measure(
                args, sessions[db], base, picks[db], token, requesters[name], name.endswith("POST")
            )
            total = results.setdefault(
                (server, db, name), {"ok": 0, "errors": 0, "seconds": 0.0, "latencies": []}
            )
            for key in ("ok", "errors", "seconds"):
                total[key] += done[key]
            total["latencies"] += done["latencies"]
            rate = done["ok"] / done["seconds"]
            p50, p95 = _percentiles(done["latencies"])
            print(
                f"  {server:<12} {_label(db):>8} {name:<24} {rate:7.1f}/s  "
                f"p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  errors {done['errors']}",
                flush=True,
            )
    return results


def _measure(args, logged_in, base, pick, token, request, is_post):
    """`args.clients` threads request the page back to back for `args.seconds`."""
    clients = []
    for _ in range(args.clients):
        session = requests.Session()
        session.cookies.update(logged_in.cookies)
        clients.append(session)
    for session in clients:  # warm-up: a connection and a request each, not timed
        request(session, base, pick, token)
    latencies, counts = [], {"ok": 0, "errors": 0}
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)
    ends = []

    def client(session):
        start.wait()
        deadline = started[0] + args.seconds
        mine, ok, errors = [], 0, 0
        while time.perf_counter() < deadline:
            before = time.perf_counter()
            good = request(session, base, pick, token)
            mine.append(time.perf_counter() - before)
            ok, errors = ok + good, errors + (not good)
        with lock:
            latencies.extend(mine)
            counts["ok"] += ok
            counts["errors"] += errors
            ends.append(time.perf_counter())

    started = [0.0]
    threads = [threading.Thread(target=client, args=(s,)) for s in clients]
    for thread in threads:
        thread.start()
    started[0] = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    for session in clients:
        session.close()
    # The last request started before the deadline and ended after it: count its time.
    return {**counts, "seconds": max(ends) - started[0], "latencies": latencies}


def _percentiles(latencies):
    ms = sorted(latency * 1000 for latency in latencies)
    if len(ms) < 2:
        return (ms[0], ms[0]) if ms else (0.0, 0.0)
    return statistics.median(ms), statistics.quantiles(ms, n=100)[94]


# Report ----------------------------------------------------------------------------


def _report(args, servers, databases, pages, results):
    names = [name for name, _r in pages]
    small, large = databases[0], databases[-1]
    print()
    print(
        f"{args.rounds} interleaved rounds, {args.clients} concurrent clients, "
        f"{args.seconds:g} s per measurement; latency is the client's, over all rounds."
    )
    for server in servers:
        label = server["label"]

        def rate(db, name, label=label):
            r = results[(label, db, name)]
            return r["ok"] / r["seconds"]

        print()
        print(f"**gunicorn {server['description']}**")
        print()
        header = "| Page |"
        rule = "|---|"
        for db in databases:
            header += f" {_label(db)}: req/s | p50 / p95 ms | × trivial |"
            rule += "---:|---:|---:|"
        if len(databases) > 1:
            header += f" p95 {_label(large)} / {_label(small)} |"
            rule += "---:|"
        header += " Errors |"
        rule += "---:|"
        print(header)
        print(rule)
        for name in names:
            row = f"| {name} |"
            for db in databases:
                p50, p95 = _percentiles(results[(label, db, name)]["latencies"])
                ratio = rate(db, name) / rate(db, names[0])
                row += f" {rate(db, name):.1f} | {p50:.0f} / {p95:.0f} | {ratio:.2f} |"
            if len(databases) > 1:
                p95_small = _percentiles(results[(label, small, name)]["latencies"])[1]
                p95_large = _percentiles(results[(label, large, name)]["latencies"])[1]
                row += f" {p95_large / p95_small:.2f} |"
            errors = sum(results[(label, db, name)]["errors"] for db in databases)
            print(f"{row} {errors} |")
    if len(servers) > 1:
        print()
        print("Throughput of each server configuration over the first one's (same page, database):")
        print()
        first = servers[0]["label"]
        print(
            "| Page | "
            + " | ".join(f"{s['label']} {_label(db)}" for s in servers[1:] for db in databases)
            + " |"
        )
        print("|---|" + "---:|" * (len(servers[1:]) * len(databases)))
        for name in names:
            cells = []
            for server in servers[1:]:
                for db in databases:
                    other = results[(server["label"], db, name)]
                    base = results[(first, db, name)]
                    cells.append(
                        f"{(other['ok'] / other['seconds']) / (base['ok'] / base['seconds']):.2f}"
                    )
            print(f"| {name} | " + " | ".join(cells) + " |")


def _label(db):
    """'1,000' for .../tverrnett_bench_1000; else the database name."""
    name = db.rsplit("/", 1)[-1]
    tail = name.rsplit("_", 1)[-1]
    return f"{int(tail):,}" if tail.isdigit() else name


# Servers ---------------------------------------------------------------------------


def _parse_server(spec):
    kind, _, size = spec.partition(":")
    if kind not in ("sync", "gthread") or not size:
        raise SystemExit(f"--server {spec!r}: expected sync:WORKERS or gthread:WORKERSxTHREADS")
    workers, _, threads = size.partition("x")
    workers, threads = int(workers), int(threads or 1)
    options = ["--worker-class", kind, "--workers", str(workers)]
    if kind == "gthread":
        options += ["--threads", str(threads)]
        description = f"gthread, {_plural(workers, 'worker')} × {_plural(threads, 'thread')}"
    else:
        description = f"sync, {_plural(workers, 'worker')}"
    return {"label": spec, "options": options, "description": description}


def _plural(count, noun):
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _production_env(keys):
    env = dict(os.environ)
    for name in ("DEBUG", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(40),
            # Plain HTTP on 127.0.0.1: a Secure cookie would never be sent back.
            "HTTPS": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "AUDIT_KEY_FILE": str(keys / "audit.key"),
            "IDENTITY_KEY_FILE": str(keys / "identity.key"),
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def _start_gunicorn(server, db, port, env):
    log = open(LOG_DIR / f"gunicorn-{port}.log", "w")  # noqa: SIM115  (closed with the process)
    return subprocess.Popen(
        [
            str(BASE_DIR / ".venv" / "bin" / "gunicorn"),
            "tverrnett.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            *server["options"],
            "--timeout",
            "120",
        ],
        cwd=BASE_DIR,
        env={**env, "DATABASE_URL": db},
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_until_up(base):
    for _ in range(120):
        try:
            requests.get(f"{base}/logg-inn/", timeout=30)
            return
        except (requests.ConnectionError, requests.Timeout):  # booting, on a busy machine
            time.sleep(0.5)
    raise SystemExit(f"gunicorn at {base} did not start; see {LOG_DIR}/gunicorn-*.log")


def _log_in(base, db, keys):
    session = requests.Session()
    code = subprocess.run(
        [sys.executable, "manage.py", "demo_code", BENCH_USERNAME],
        cwd=BASE_DIR,
        env={**_dev_env(keys), "DATABASE_URL": db},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    weblogin.login(session, base, BENCH_USERNAME, weblogin.DEMO_PASSWORD, [code], timeout=60)
    return session


def _commit():
    def git(*args):
        return subprocess.run(["git", *args], cwd=BASE_DIR, capture_output=True, text=True)

    changed = git("diff", "--quiet", "HEAD", "--", "tverrnett").returncode != 0
    return git("rev-parse", "--short", "HEAD").stdout.strip() + (
        " (with uncommitted changes in tverrnett/)" if changed else ""
    )


def _uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# Picking the cases (in a subprocess with Django, one per database) ------------------


def _dev_env(keys):
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "true",  # the demo commands are for development only
            "DJANGO_SETTINGS_MODULE": "tverrnett.settings",
            "AUDIT_KEY_FILE": str(keys / "audit.key"),
            "IDENTITY_KEY_FILE": str(keys / "identity.key"),
        }
    )
    return env


def _pick_in_subprocess(db, keys):
    output = subprocess.run(
        [sys.executable, __file__, "--pick"],
        env={**_dev_env(keys), "DATABASE_URL": db},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def _pick():
    """The typical and the heavy case of the benchmark user, as bench/case_pages.py
    picks them, and the typical case's person's full name to search for."""
    import django

    sys.path.insert(0, str(BASE_DIR))
    django.setup()

    from tverrnett.accounts.models import User

    user = User.objects.get(username=BENCH_USERNAME)
    agency = user.active_memberships().get().agency
    heavy, typical = pick_cases(agency)
    print(
        json.dumps(
            {
                "typical": typical.pk,
                "heavy": heavy.pk,
                "heavy_entries": heavy.entries,
                "name": typical.subject.name,
            }
        )
    )


if __name__ == "__main__":
    main()
