"""Load test (issue 22 item 4): the main roles' working day against a running server.

Four kinds of user, each Locust user logged in as an account of its own with the
password and its authenticator's code (computed here from the device's key, as
`manage.py demo_code` does), with 1–3 s of think time between requests:

- SLT coordinator (weight 4): start page, case list, a search, the case page of a
  case from the list, now and then a journal entry or a task's status;
- police radicalisation contact (weight 1): the police district's cases, searches,
  case pages, journal entries (with the police verification);
- school employee (weight 3): start page, the school's cases, the task inbox, a
  journal entry now and then;
- voluntary organisation (weight 2): start page, networks, events, announcements,
  guidance (no case work: a voluntary organisation reaches a case only through a
  consent, and the generated data has none).

The accounts are those of `manage.py generate_scale_data` (skala.<municipality>.slt,
.skole, .frivillig, skala.politi.<district> and bench-koordinator), read with their
authenticator keys from the database in LOAD_DATABASE_URL. Run through
bench/load/run.sh, which starts gunicorn on that database; by hand:

    LOAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/tverrnett_bench_100000 \\
        .venv/bin/locust -f bench/load/locustfile.py --host http://127.0.0.1:8750 \\
        --headless --users 100 --spawn-rate 10 --run-time 10m --csv var/bench/load

Requests are named by page kind ("case page", "search POST", ...) so the statistics
are per kind, not per URL. Django writes: journal entries say "Skaladata (last test)".
"""

import ast
import itertools
import os
import random
import re
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import psycopg
from locust import HttpUser, between, events

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import weblogin  # noqa: E402

BASE_DIR = Path(__file__).resolve().parents[2]
GENERATOR = BASE_DIR / "tverrnett/cases/management/commands/generate_scale_data.py"

ACCOUNTS = {}  # kind -> [(username, device key hex)], read at the start
LAST_NAMES = []  # the generator's made-up surnames, to search for
_next_account = {}
_account_lock = threading.Lock()
_last_step = {}  # username -> the newest time step this process logged in with


@events.init.add_listener
def _read_accounts(environment, **_kwargs):
    url = os.environ.get("LOAD_DATABASE_URL")
    if not url:
        raise SystemExit("Set LOAD_DATABASE_URL to the database the server uses.")
    kinds = {
        "coordinator": ["bench-koordinator", "skala.%.slt"],
        "police": ["skala.politi.%"],
        "school": ["skala.%.skole"],
        "volunteer": ["skala.%.frivillig"],
    }
    with psycopg.connect(url) as connection:
        for kind, patterns in kinds.items():
            rows = connection.execute(
                "SELECT u.username, d.key FROM accounts_user u "
                "JOIN otp_totp_totpdevice d ON d.user_id = u.id AND d.confirmed "
                "WHERE u.is_active AND u.username LIKE ANY(%s) "
                "ORDER BY u.username = 'bench-koordinator' DESC, u.username",
                [patterns],
            ).fetchall()
            if not rows:
                raise SystemExit(
                    f"No {kind} accounts with an authenticator: run "
                    "`DEBUG=true manage.py generate_scale_data --cases 0` on the database."
                )
            ACCOUNTS[kind] = rows
            _next_account[kind] = itertools.count()
    tree = ast.parse(GENERATOR.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "LAST_NAMES":
            LAST_NAMES.extend(ast.literal_eval(node.value))


def _take_account(kind):
    """The next account of the kind: each Locust user its own while there are enough."""
    with _account_lock:
        rows = ACCOUNTS[kind]
        return rows[next(_next_account[kind]) % len(rows)]


def _codes(username, key, attempts=3):
    """Codes the device accepts now, each computed only when the code form is about to
    be sent (a busy server may take longer than a time step between the password and
    the code), as `manage.py demo_code` chooses them: the device verifies around
    now + its drift (which moves whenever a neighbouring step's code is accepted), one
    step either side, each step once (after last_t). So the device's state is read
    from the database at each attempt, and the step nearest the real time is taken.
    An account shared by two Locust users waits for a step neither has used."""
    for _attempt in range(attempts):
        code = None
        while code is None:
            with psycopg.connect(os.environ["LOAD_DATABASE_URL"]) as connection:
                step, t0, drift, tolerance, last_t = connection.execute(
                    "SELECT step, t0, drift, tolerance, last_t FROM otp_totp_totpdevice "
                    "WHERE key = %s AND confirmed",
                    [key],
                ).fetchone()
            with _account_lock:
                now = time.time()
                real = int((now - t0) // step)
                # Near the end of a step, the code would arrive in the next: skip it.
                late = step - (now - t0) % step <= 3
                current = real + drift
                used = max(last_t, _last_step.get(username, -1))
                steps = [
                    s
                    for s in range(current - tolerance + late, current + tolerance + 1)
                    if s > used
                ]
                if steps:
                    chosen = min(steps, key=lambda s: (abs(s - real), s))
                    _last_step[username] = chosen
                    code = weblogin.totp(key, at=t0 + chosen * step + 1, step=step, t0=t0)
            if code is None:
                time.sleep(2)
        yield code


class _Form(HTMLParser):
    """The fields of the POST forms on a page: {action: {name: value}}, as a browser
    would send them unchanged (checked radios, selected options, no checkboxes)."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select, self.radios = [], None, None, set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self.current)
        elif self.current is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                if a["name"] not in self.current["fields"] or "checked" in a:
                    self.current["fields"][a["name"]] = a.get("value", "")
            elif kind not in ("checkbox", "submit", "button"):
                self.current["fields"][a["name"]] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self.current["fields"][a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            fields = self.current["fields"]
            value = a.get("value", "")
            if "selected" in a or (value and not fields.get(self.select)):
                fields[self.select] = value

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None


def _forms(html):
    parser = _Form()
    parser.feed(html)
    return parser.forms


_CASE_LINK = re.compile(r'href="/saker/(\d+)/"')


class _Member(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    kind = ""

    def on_start(self):
        self.username, key = _take_account(self.kind)
        self.client.headers["User-Agent"] = f"tverrnett-load {self.kind}"
        for attempt in range(3):
            try:
                weblogin.login(
                    self.client,
                    "",
                    self.username,
                    weblogin.DEMO_PASSWORD,
                    _codes(self.username, key),
                )
                break
            except weblogin.LoginFailed as error:
                # The forms answer 200 with an error: count it, as Locust counts a
                # failed request, and try again (a Locust user whose on_start fails
                # stops, and the run would go on with fewer users than it says).
                self.environment.events.request.fire(
                    request_type="LOGIN",
                    name="login failed",
                    response_time=0,
                    response_length=0,
                    exception=error,
                    context={},
                )
                if attempt == 2:
                    raise
        self.case_ids = []
        self.csrf = ""

    # Pages ---------------------------------------------------------------------

    def page(self, url, name):
        with self.client.get(url, name=name, catch_response=True) as response:
            if response.status_code != 200:
                # 0: no answer at all (connection reset, timeout): say what happened.
                response.failure(f"{response.status_code} {response.error or ''}".strip())
            elif "/logg-inn/" in response.url:
                response.failure("logged out")
        return response

    def start_page(self):
        self.page("/", "start page")

    def case_list(self):
        response = self.page("/saker/", "case list")
        if response.status_code == 200:
            self.case_ids = _CASE_LINK.findall(response.text) or self.case_ids
            self.csrf = weblogin.csrf_token(response.text)

    def search(self):
        if not self.csrf:
            return self.case_list()
        with self.client.post(
            "/saker/",
            data={"csrfmiddlewaretoken": self.csrf, "q": random.choice(LAST_NAMES)},  # noqa: S311
            name="search POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} {response.error or ''}".strip())
                return None
        found = self.page(response.headers["Location"], "search")
        if found.status_code == 200:
            self.case_ids = _CASE_LINK.findall(found.text) or self.case_ids

    def case_page(self):
        """A case from the last list or search: (its id, the page), or (None, None)."""
        if not self.case_ids:
            self.case_list()
            return None, None
        pk = random.choice(self.case_ids)  # noqa: S311
        response = self.page(f"/saker/{pk}/", "case page")
        return (pk, response) if response.status_code == 200 else (None, None)

    def write_journal(self):
        pk, case = self.case_page()
        form_url = f"/saker/{pk}/journal/ny/"
        if case is None or form_url not in case.text:
            return
        form = self.page(form_url, "journal form")
        forms = [f for f in _forms(form.text) if "text" in f["fields"]]
        if not forms:
            return
        fields = forms[0]["fields"]
        fields["text"] = "Skaladata (last test): samtale gjennomført, ingen nye opplysninger."
        with self.client.post(
            form_url, data=fields, name="journal POST", allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code} {response.error or ''}".strip())

    def change_task(self):
        _pk, case = self.case_page()
        if case is None:
            return
        forms = [f for f in _forms(case.text) if f["action"].endswith("/status/")]
        if not forms:
            return
        form = random.choice(forms)  # noqa: S311
        fields = dict(form["fields"])
        fields["status"] = random.choice(["open", "in_progress", "done"])  # noqa: S311
        with self.client.post(
            form["action"],
            data=fields,
            name="task status POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            # 302 back to the case; a task changed meanwhile by another user is a stale
            # edit, also a 302 with a message: both are what a browser gets.
            if response.status_code != 302:
                response.failure(f"{response.status_code} {response.error or ''}".strip())


class Coordinator(_Member):
    """The SLT coordinator's day."""

    weight = 4
    kind = "coordinator"
    # {what the user does: how often}; Locust calls each with the user.
    tasks = {
        _Member.start_page: 3,
        _Member.case_list: 3,
        _Member.search: 2,
        _Member.case_page: 4,
        _Member.write_journal: 1,
        _Member.change_task: 1,
    }


class PoliceContact(_Member):
    """The police district's radicalisation contact."""

    weight = 1
    kind = "police"
    tasks = {
        _Member.start_page: 2,
        _Member.case_list: 2,
        _Member.search: 3,
        _Member.case_page: 4,
        _Member.write_journal: 1,
    }


class SchoolEmployee(_Member):
    """A school's contact person: the school's cases and tasks."""

    weight = 3
    kind = "school"
    tasks = {
        _Member.start_page: 3,
        _Member.case_list: 2,
        _Member.case_page: 3,
        lambda user: user.page("/oppgaver/", "task inbox"): 2,
        _Member.write_journal: 1,
    }


class Volunteer(_Member):
    """A voluntary organisation's bridge builder: the network, events and guidance."""

    weight = 2
    kind = "volunteer"
    tasks = {
        _Member.start_page: 3,
        lambda user: user.page("/nettverk/", "networks"): 2,
        lambda user: user.page("/arrangementer/", "events"): 2,
        lambda user: user.page("/kunngjoringer/", "announcements"): 1,
        lambda user: user.page("/veiledning/", "guidance"): 1,
    }
