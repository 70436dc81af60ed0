"""Requests per second of the trivial logged-in view (`GET /okt/`) under gunicorn on
PostgreSQL, before and after a change (issue 22 item 3).

Starts one gunicorn per code base (a checkout each, the same database), writes one
session past both factors for the user into the session table (no login, so no audit
entry) and uses it for both: the session table's format is Django's in both. Then
rounds alternate which code base goes first; in each, N client threads GET the page
for S seconds with keep-alive connections. Prints requests/s and p50/p95 per round and
the medians. DEBUG off, as in production.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tverrnett_bench_1000 \\
        .venv/bin/python bench/session_status.py --before /tmp/wt-before --after . \\
        [--user bench-koordinator] [--rounds 3] [--seconds 10] [--clients 4] [--workers 2]

`--before` and `--after` are directories holding the code (each needs GET /okt/).
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent.parent
# Throwaway keys: /okt/ reads no encrypted field and writes no audit entry.
KEYS = Path(tempfile.mkdtemp(prefix="session-status-bench-"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True)
    parser.add_argument("--after", default=str(HERE))
    parser.add_argument("--user", default="bench-koordinator")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to the PostgreSQL benchmark database.")

    servers = {
        "before": _start(Path(args.before).resolve(), 8791, args.workers),
        "after": _start(Path(args.after).resolve(), 8792, args.workers),
    }
    try:
        for port in (8791, 8792):
            _wait(port)
        cookies = _log_in(8792, args.user, Path(args.after).resolve())
        for port in (8791, 8792):  # warm up: imports, templates, connections
            _load(port, cookies, args.clients, 2)
        results = {"before": [], "after": []}
        for round_ in range(args.rounds):
            order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
            for name in order:
                port = 8791 if name == "before" else 8792
                rate, p50, p95 = _load(port, cookies, args.clients, args.seconds)
                results[name].append(rate)
                print(
                    f"round {round_ + 1} {name:6} {rate:7.1f} req/s",
                    f"p50 {p50:5.1f} ms  p95 {p95:5.1f} ms",
                    flush=True,
                )
        before = statistics.median(results["before"])
        after = statistics.median(results["after"])
        ratios = [a / b for a, b in zip(results["after"], results["before"], strict=True)]
        print(f"median before {before:.1f} req/s, after {after:.1f} req/s,", end=" ")
        print(f"after/before {after / before:.2f} (rounds {min(ratios):.2f}–{max(ratios):.2f})")
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(timeout=20)


def _env(code):
    env = dict(os.environ)
    keys = KEYS
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-" + "x" * 50,
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "false",
            "AUDIT_KEY_GENERATE": "true",
            "AUDIT_KEY_FILE": str(keys / "audit.key"),
            "IDENTITY_KEY_GENERATE": "true",
            "IDENTITY_KEY_FILE": str(keys / "identity.key"),
            "DATA_DIR": str(keys),
            "PYTHONPATH": str(code),
        }
    )
    return env


def _start(code, port, workers):
    return subprocess.Popen(
        [
            str(HERE / ".venv/bin/gunicorn"),
            "tverrnett.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--chdir",
            str(code),
            "--log-level",
            "warning",
        ],
        env=_env(code),
    )


def _wait(port):
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/logg-inn/", timeout=30)
            return
        except requests.RequestException:
            time.sleep(0.5)
    sys.exit(f"gunicorn on port {port} did not start")


SESSION = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
user = get_user_model().objects.get(username=USERNAME)
session = SessionStore()
session[SESSION_KEY] = str(user.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = user.get_session_auth_hash()
device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
session[DEVICE_ID_SESSION_KEY] = device.persistent_id
session["membership_id"] = user.active_memberships().first().pk
session.create()
print(session.session_key)
"""


def _log_in(port, username, code):
    """A session past both factors, written straight into the session table as
    `login_as` in conftest.py does: a login over HTTP would append audit entries under
    this run's throwaway audit key to the shared benchmark database."""
    script = SESSION.replace("USERNAME", repr(username))
    key = subprocess.run(
        [str(HERE / ".venv/bin/python"), "manage.py", "shell", "--no-imports", "-c", script],
        cwd=code,
        env=_env(code),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    cookies = requests.cookies.RequestsCookieJar()
    cookies.set("sessionid", key)
    response = requests.get(
        f"http://127.0.0.1:{port}/okt/", cookies=cookies, allow_redirects=False, timeout=30
    )
    if response.status_code != 200:
        sys.exit(f"no session: GET /okt/ answered {response.status_code}")
    return cookies


def _load(port, cookies, clients, seconds):
    url = f"http://127.0.0.1:{port}/okt/"
    timings = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        session = requests.Session()
        session.cookies.update(cookies)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = session.get(url, allow_redirects=False, timeout=30)
            mine.append(time.perf_counter() - started)
            if response.status_code != 200:
                sys.exit(f"GET /okt/ answered {response.status_code}")
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    timings.sort()
    p50 = timings[len(timings) // 2] * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    return len(timings) / elapsed, p50, p95


if __name__ == "__main__":
    main()
