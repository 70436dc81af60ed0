"""The production configuration boots and serves (issue 22, item 5).

gunicorn with deploy/gunicorn.conf.py and tverrnett.settings as production runs them:
DEBUG off, HTTPS on behind a TLS-terminating proxy, key files made for the run (never
generated), JSON logs, the metrics endpoint. The requests are sent as nginx
(deploy/nginx/tverrnett.conf) sends them: X-Forwarded-Proto https, X-Real-IP, X-Request-ID.

The database is the browser tests' (tests/conftest.py, `demo_database`: PostgreSQL when
DATABASE_URL names it, SQLite otherwise), made fresh for the run, migrated and seeded
with the demo users; its audit chain must verify at the end, this server's entries
included. Nothing here may skip: it needs only Python and the project's dependencies.
"""

import http.client
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.browser.conftest import DEMO_PASSWORD, REPO_ROOT, Server, _free_port, _stop
from tverrnett.core import keyfiles

PROXY_CLIENT_IP = "198.51.100.23"
METRICS_TOKEN = secrets.token_urlsafe(32)
STARTUP_TIMEOUT_SECONDS = 30


class Client:
    """HTTP to gunicorn as nginx would forward it, with the cookies kept by hand (the
    session cookie is Secure, and this side of the proxy is plain HTTP)."""

    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, *, body=None, proxied=True, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": f"localhost:{self.port}", **(headers or {})}
        if proxied:
            sent.update(
                {
                    "X-Forwarded-Proto": "https",
                    "X-Real-IP": PROXY_CLIENT_IP,
                    "X-Forwarded-For": PROXY_CLIENT_IP,
                }
            )
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if body is not None:
            body = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            sent["Origin"] = f"https://localhost:{self.port}"
            sent["Referer"] = f"https://localhost:{self.port}{path}"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", errors="replace")
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields):
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        return self.request("POST", path, body={"csrfmiddlewaretoken": token, **fields})


@pytest.fixture(scope="module")
def production(demo_database, tmp_path_factory):
    """gunicorn on deploy/gunicorn.conf.py with production settings; yields (server, port).

    It runs on the browser tests' seeded database (tests/conftest.py), made once per run:
    a second migrate and seed would take most of a minute. Its key files are copied
    into this test's own directory and read from there, never generated (a missing one
    must stop the start, as in production).
    """
    tmp = tmp_path_factory.mktemp("smoke-production")
    for name in ("AUDIT_KEY_FILE", "IDENTITY_KEY_FILE"):
        # The database's key; made now if no test has needed it yet (as the browser
        # tests' server, which may generate it, would: atomically, so either wins).
        if not Path(demo_database.env[name]).exists():
            keyfiles.write_new_file(demo_database.env[name])
        shutil.copyfile(demo_database.env[name], tmp / name.lower())
        (tmp / name.lower()).chmod(0o400)
    (tmp / "metrics.token").write_text(METRICS_TOKEN + "\n")
    port = _free_port()
    env = {
        **demo_database.env,
        "DEBUG": "false",
        "HTTPS": "true",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "localhost",
        "AUDIT_KEY_FILE": str(tmp / "audit_key_file"),
        "IDENTITY_KEY_FILE": str(tmp / "identity_key_file"),
        "AUDIT_KEY_GENERATE": "false",
        "IDENTITY_KEY_GENERATE": "false",
        "STATIC_ROOT": str(tmp / "static"),
        "WHITENOISE_USE_FINDERS": "false",
        "TRUSTED_PROXY_IPS": "127.0.0.1",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN_FILE": str(tmp / "metrics.token"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "prometheus"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
        "GUNICORN_GRACEFUL_TIMEOUT": "5",
    }
    env.pop("AUDIT_ID_BLOCK", None)  # production's default, not the unit tests' 1
    server = Server(
        base_url=f"http://127.0.0.1:{port}", env=env, log_path=tmp / "gunicorn.log", process=None
    )
    server.manage("collectstatic", "--no-input")
    try:
        with server.log_path.open("wb") as log:
            server.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        _wait_until_healthy(server, port)
        yield server, port
    finally:
        if server.process is not None:
            _stop(server.process)


def _wait_until_healthy(server, port):
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    problem = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            problem = f"gunicorn exited with {server.process.returncode}"
            break
        try:
            response = Client(port).get("/healthz")
            if response.status == 200:
                return
            problem = f"/healthz answered {response.status}"
        except OSError as error:
            problem = str(error)
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not start ({problem}). Its output:\n{server.log_tail()}")


def _log_entries(server, until):
    """Every line gunicorn and Django wrote, each parsed as JSON, once the access line of
    the request `until` (its id) is there: gunicorn writes it after the response."""
    deadline = time.monotonic() + 10
    while True:
        entries = []
        for line in server.log_path.read_text(errors="replace").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                pytest.fail(f"A log line is not JSON: {line!r}")
        if any(
            entry["logger"] == "gunicorn.access" and entry["request_id"] == until
            for entry in entries
        ):
            return entries
        if time.monotonic() > deadline:
            pytest.fail(f"No access line for request {until}:\n{server.log_tail()}")
        time.sleep(0.1)


def test_the_production_configuration_serves_and_logs_in(production):
    server, port = production
    client = Client(port)

    # The health check, through the proxy.
    health = client.get("/healthz")
    assert health.status == 200
    assert health.text == "ok\n"

    # Plain HTTP (no proxy header, as a request past nginx would be) is sent to HTTPS.
    plain = client.get("/logg-inn/", proxied=False)
    assert plain.status == 301
    assert plain.headers["Location"] == f"https://localhost:{port}/logg-inn/"

    # Security headers on a page.
    login_page = client.get("/logg-inn/")
    assert login_page.status == 200
    assert "max-age=31536000" in login_page.headers["Strict-Transport-Security"]
    assert "default-src 'none'" in login_page.headers["Content-Security-Policy"]
    assert login_page.headers["X-Frame-Options"] == "DENY"
    assert login_page.headers["X-Content-Type-Options"] == "nosniff"
    assert "Secure" in " ".join(login_page.headers.get_all("Set-Cookie") or [])

    # A collected static file is served (by nginx in production; WhiteNoise here), and
    # nginx, another user, can read it (uploads are 0600; static files must not be).
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login_page.text).group(1)
    assert client.get(stylesheet).status == 200
    collected = Path(server.env["STATIC_ROOT"]) / stylesheet.removeprefix("/static/")
    assert collected.stat().st_mode & 0o777 == 0o644
    assert collected.parent.stat().st_mode & 0o777 == 0o755

    # Password, then the second factor, then the start page.
    password = client.post_form("/logg-inn/", {"username": "slt.demo", "password": DEMO_PASSWORD})
    assert password.status == 302, password.text[:2000]
    assert password.headers["Location"] == "/logg-inn/kode/"
    code = client.post_form("/logg-inn/kode/", {"code": server.demo_code("slt.demo")})
    assert code.status == 302, code.text[:2000]
    assert code.headers["Location"] == "/"
    start = client.get("/")
    assert start.status == 200
    # The header of a user who passed both factors: their account link and the logout.
    assert 'action="/logg-ut/"' in start.text
    assert "tn-user__name" in start.text
    assert 'name="password"' not in start.text
    start_request_id = start.headers["X-Request-ID"]

    # The metrics: a 404 without the token, the counters of both workers with it.
    assert client.get("/metrics").status == 404
    metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert metrics.status == 200
    assert "tverrnett_database_up 1.0" in metrics.text
    assert 'view="core:home"' in metrics.text
    assert "slt.demo" not in metrics.text

    # The audit log recorded the client's address from the proxy's X-Real-IP.
    login_ip = server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from tverrnett.audit.models import AuditEntry\n"
        "print(AuditEntry.objects.filter(action='auth.login').latest('id').ip_address)",
    ).strip()
    assert login_ip == PROXY_CLIENT_IP

    # With LOG_FORMAT=json every line is JSON; the access lines carry the request id and
    # no query string.
    last = client.get("/saker/?sok=secret-search-token")
    entries = _log_entries(server, until=last.headers["X-Request-ID"])
    access = [entry for entry in entries if entry["logger"] == "gunicorn.access"]
    assert any(entry["path"] == "/" and entry["request_id"] == start_request_id for entry in access)
    assert all(re.fullmatch(r"[0-9a-f]{32}", entry["request_id"]) for entry in access)
    assert "secret-search-token" not in server.log_path.read_text()
    assert {"time", "level", "logger", "message", "request_id"} <= set(entries[0])


def test_every_gunicorn_and_django_line_is_json(production):
    server, port = production
    missing = Client(port).get("/no-such-page/")  # Django logs a 404 at WARNING

    entries = _log_entries(server, until=missing.headers["X-Request-ID"])
    loggers = {entry["logger"] for entry in entries}
    assert {"gunicorn.error", "gunicorn.access", "django.request"} <= loggers
    not_found = [entry for entry in entries if entry["logger"] == "django.request"]
    assert re.fullmatch(r"[0-9a-f]{32}", not_found[-1]["request_id"])


def test_deploy_files_agree_with_the_settings():
    """nginx's body limit is REQUEST_MAX_BODY_BYTES's default; gunicorn's bind is nginx's
    upstream."""
    nginx = (REPO_ROOT / "deploy" / "nginx" / "tverrnett.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", nginx).group(1)
    from django.conf import settings

    assert int(limit) * 1024 * 1024 == settings.REQUEST_MAX_BODY_BYTES
    assert "server 127.0.0.1:8000;" in nginx
    gunicorn = (REPO_ROOT / "deploy" / "gunicorn.conf.py").read_text()
    assert '"GUNICORN_BIND", "127.0.0.1:8000"' in gunicorn
    assert "/invitasjon/" in nginx and "$request_uri" not in nginx.split("log_format")[1][:300]
