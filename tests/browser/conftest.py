"""Browser tests: the real app in a subprocess, driven by a real Chromium.

The server runs production-like (DEBUG off, gunicorn, WhiteNoise, the strict
CSP) on a database of its own, created fresh for the run and seeded with the
demo users. pytest-django's live_server cannot be used: it empties the
database by flushing, and the audit table refuses DELETE and TRUNCATE.

Each test gets a new browser context. A test fails if the page logs a
Content Security Policy violation, throws an uncaught error, or sends a
request anywhere but the test server.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect, sync_playwright

from tverrnett.accounts.tests import oidc_op

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DEMO_PASSWORD = "Demo-passord-2026"
STARTUP_TIMEOUT_SECONDS = 30


@dataclass
class Server:
    """The running app: where it answers and how to run manage.py against its database."""

    base_url: str
    env: dict
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    # The local OpenID Provider the server logs in through (as Ansattporten), or None
    # without Node (tverrnett.accounts.tests.oidc_op).
    oidc_provider: object = None

    def url(self, path):
        return self.base_url + path

    def manage(self, *args, debug=False, timeout=120):
        env = {**self.env, "DEBUG": "true" if debug else "false"}
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if result.returncode != 0:
            pytest.fail(
                f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}"
            )
        return result.stdout

    def demo_code(self, username):
        """A TOTP code the user's authenticator accepts now.

        django-otp throttles after a wrong code, so a test that enters a wrong one
        should use a demo user no other test logs in with.
        """
        code = self.manage("demo_code", username, debug=True).strip()
        assert len(code) == 6 and code.isdigit(), f"demo_code printed {code!r}"
        return code

    def create_user_without_authenticator(self, username, first_name, agency_name):
        """A user who has never logged in, as an administrator would create one.

        The demo has one such user (ny.demo), and the first login uses it up;
        tests that need the enrolment page independently make their own.
        """
        self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from django.contrib.auth import get_user_model\n"
            "from tverrnett.accounts.models import Membership, MembershipRole\n"
            "from tverrnett.agencies.models import Agency\n"
            "user = get_user_model().objects.create_user(\n"
            f"    username={username!r}, password={DEMO_PASSWORD!r}, first_name={first_name!r}\n"
            ")\n"
            f"agency = Agency.objects.get(name={agency_name!r})\n"
            "Membership.objects.create(\n"
            "    user=user, agency=agency, role=MembershipRole.CASE_WORKER\n"
            ")\n",
        )

    def end_memberships(self, username):
        """End all the user's memberships, as an administrator does when someone leaves."""
        self.manage(
            "shell",
            "--no-imports",
            "-c",
            "from tverrnett.accounts.models import Membership\n"
            f"Membership.objects.filter(user__username={username!r}).update(is_active=False)\n",
        )

    def log_tail(self, lines=60):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_url(database_url):
    """The same PostgreSQL server, but the maintenance database `postgres`."""
    return urlsplit(database_url)._replace(path="/postgres").geturl()


def _create_postgres_database(database_url, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin_url(database_url), autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return urlsplit(database_url)._replace(path=f"/{name}").geturl()


def _drop_postgres_database(database_url, name):
    import psycopg
    from psycopg import sql

    with psycopg.connect(_admin_url(database_url), autocommit=True) as connection:
        # FORCE: a worker that did not exit cleanly must not keep the database alive.
        connection.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _subprocess_env(database_url, media_root):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        DJANGO_SETTINGS_MODULE="tverrnett.settings",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(media_root),
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="false",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        PYTHONUNBUFFERED="1",
        # Notices e-mail their recipients: written to files, never sent (and never mixed
        # into the output `shell` parses).
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(media_root.parent / "mail"),
        AUDIT_ANCHOR_DIR=str(media_root.parent / "audit-anchors"),
    )
    return env


def _wait_until_healthy(server):
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    problem = "no answer"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            problem = f"the server exited with {server.process.returncode}"
            break
        try:
            # S310 warns of file: URLs; this one is our own http://localhost.
            with urllib.request.urlopen(server.url("/healthz"), timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
                problem = f"/healthz answered {response.status}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            problem = str(error)
        time.sleep(0.2)
    pytest.fail(f"The test server did not start ({problem}). Its output:\n{server.log_tail()}")


def _stop(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# `demo_database` (the seeded database the server runs on) is in tests/conftest.py: the
# smoke test of the production configuration (tests/smoke) boots its server on it too.


@pytest.fixture(scope="session")
def server(demo_database):
    env, log_path = demo_database.env, demo_database.log_path
    process = None
    provider = None
    try:
        port = _free_port()
        provider = _start_oidc_provider(log_path.parent, port)
        server_env = {**env, "DEBUG": "false"}
        if provider is not None:
            server_env.update(oidc_op.server_env(provider))
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "tverrnett.wsgi",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    "2",
                    "--graceful-timeout",
                    "5",
                    "--access-logfile",
                    "-",
                    # Gunicorn otherwise opens a control socket in $HOME, shared by every run.
                    "--no-control-socket",
                ],
                cwd=REPO_ROOT,
                env=server_env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        # localhost, not 127.0.0.1: the host a user types, and the only one the
        # foreign-request check allows.
        server = Server(
            base_url=f"http://localhost:{port}",
            env=env,
            log_path=log_path,
            process=process,
            oidc_provider=provider,
        )
        _wait_until_healthy(server)
        yield server
        # Every browser test wrote to this one audit log, through two workers at once;
        # the server stops before `demo_database` verifies the chain.
        _stop(process)
        process = None
    finally:
        if process is not None:
            _stop(process)
        if provider is not None:
            oidc_op.stop(provider)


def _start_oidc_provider(tmp, port):
    """The local OpenID Provider for the OIDC browser test, when Node is installed (about
    half a second at start-up); None otherwise, and that test skips (fails under CI)."""
    if not oidc_op.node_available():
        return None
    base = f"http://localhost:{port}"
    return oidc_op.start(
        tmp,
        [f"{base}/logg-inn/oidc/ansattporten/tilbake/", f"{base}/logg-inn/oidc/idporten/tilbake/"],
        [f"{base}/logg-inn/", f"{base}/min-plan/logg-inn/"],
        f"{base}/logg-inn/oidc/utlogget/",
        host="localhost",
    )


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests; package scope, so it is gone before other tests run."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}; browser tests may not be skipped in CI.")
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageProblems:
    csp_violations: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    foreign_requests: list = field(default_factory=list)

    def report(self):
        lines = []
        for title, items in (
            ("Content Security Policy violations", self.csp_violations),
            ("Uncaught errors in the page", self.page_errors),
            ("Requests to hosts other than localhost", self.foreign_requests),
        ):
            if items:
                lines.append(f"{title}:")
                lines.extend(f"  {item}" for item in items)
        return "\n".join(lines)


def _is_foreign(url):
    parts = urlsplit(url)
    # data: and blob: never leave the browser (the favicon is `data:,`).
    return parts.scheme not in ("data", "blob", "about") and parts.hostname != "localhost"


@pytest.fixture
def page_problems():
    """What went wrong in the test's pages; a test that provokes a problem on purpose clears it."""
    return PageProblems()


@pytest.fixture
def context(browser, server, page_problems):
    """A fresh context, no cookies; fails the test on a CSP violation or a request off localhost."""
    problems = page_problems
    # An English-language browser: the interface must still be Norwegian until the user switches.
    context = browser.new_context(base_url=server.base_url, locale="en-US")
    context.set_default_timeout(10_000)

    def on_console(message):
        if message.type == "error" and "Content Security Policy" in message.text:
            where = message.page.url if message.page else "?"
            problems.csp_violations.append(f"{where}: {message.text}")

    def on_request(request):
        if _is_foreign(request.url):
            problems.foreign_requests.append(request.url)

    def on_route(route):
        # Stop foreign requests instead of waiting on a network that is not there.
        if _is_foreign(route.request.url):
            route.abort()
        else:
            route.continue_()

    def on_page(page):
        page.on("pageerror", lambda error: problems.page_errors.append(f"{page.url}: {error}"))

    context.on("console", on_console)
    context.on("request", on_request)
    context.on("page", on_page)
    context.route("**/*", on_route)
    yield context
    context.close()
    if problems.report():
        pytest.fail(problems.report())


@pytest.fixture
def page(context):
    return context.new_page()


def log_in(page, server, username, password=DEMO_PASSWORD):
    """Password, then the TOTP code from demo_code; ends on the start page.

    django-otp accepts each time step once; demo_code gives the code of a step the
    device still accepts, so logging the same user in again soon needs no waiting.
    """
    enter_password(page, username, password)
    expect(page).to_have_url(server.url("/logg-inn/kode/"))
    enter_code(page, server.demo_code(username))
    expect(page).to_have_url(server.url("/"))


def enter_password(page, username, password):
    page.goto("/logg-inn/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    return submit(page)


def enter_code(page, code):
    page.locator("#id_code").fill(code)
    return submit(page)


def submit(page):
    """Send the page's form, wait for the answer and return it (the last one, after redirects).

    A click returns before the POST is answered; the next page.goto would
    cancel it, and a login attempt that never reached the server counts for nothing.
    """
    with page.expect_navigation() as navigation:
        page.locator("form.tn-form button[type=submit]").click()
    return navigation.value


@pytest.fixture(scope="package")
def logged_in_state(browser, server):
    """Cookies of a session that passed both factors (rvts.demo), for tests that only look."""
    context = browser.new_context(base_url=server.base_url)
    page = context.new_page()
    log_in(page, server, "rvts.demo")
    state = context.storage_state()
    context.close()
    return state


@pytest.fixture
def logged_in_page(context, logged_in_state):
    context.add_cookies(logged_in_state["cookies"])
    return context.new_page()


@pytest.fixture
def shots(tmp_path):
    """Where a test's screenshots go: SCREENSHOT_DIR to keep them, else a temporary folder."""
    directory = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


# Shared by the test modules ------------------------------------------------------------


@pytest.fixture(scope="module")
def session_of(browser, server):
    """The cookies of a logged-in session per demo user, each user logging in once per
    test module."""
    cookies = {}

    def session(username):
        if username not in cookies:
            context = browser.new_context(base_url=server.base_url)
            log_in(context.new_page(), server, username)
            cookies[username] = context.cookies()
            context.close()
        return cookies[username]

    return session


def act_as(context, session_of, username):
    """Make `context` the demo user's logged-in session."""
    context.clear_cookies()
    context.add_cookies(session_of(username))


def shell(server, code):
    """Run Python against the test server's database; returns what it printed, as JSON."""
    return json.loads(server.manage("shell", "--no-imports", "-c", code))


def act_for_agency(page, agency_name):
    """On the start page, act for the user's membership in `agency_name` unless they
    already do (the session remembers it, so later pages are decided for that agency)."""
    from tests.browser.pagecheck import click_and_wait

    page.goto("/")
    row = page.locator("main tr", has_text=agency_name)
    button = row.locator("button[type=submit]")
    if button.count():
        click_and_wait(page, button)
        expect(page.locator(".tn-messages .ds-alert[data-color=success]")).to_be_visible()
    expect(row.locator("form")).to_have_count(0)


@pytest.fixture
def provider(server):
    """The local OpenID Provider the server was started with (in Ansattporten's and
    ID-porten's place); skips without Node, and fails under CI."""
    if server.oidc_provider is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js is needed for the OIDC browser tests; they may not skip in CI.")
        pytest.skip("Node.js is not installed: no local OpenID Provider")
    return server.oidc_provider
