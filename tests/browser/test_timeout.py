"""Never lose typed work (issue 21 item 8): slt.demo types a journal entry, the session
ends (deleted from the database: what the idle timeout does on the server), the submit
lands on the login page that says why, and after logging in the form is filled in again
and saves. The warning before the timeout keeps the session with "Forbli innlogget"; the
page's clock is Playwright's, so minutes pass at once. Logging out empties the drafts.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, enter_code, log_in, shell, submit
from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

CASE = """
import json
from tverrnett.cases.models import ConcernCase
print(json.dumps(ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)").pk))
"""
DIALOG = "dialog[data-session-dialog]"
TIMED_OUT = re.compile(r"/logg-inn/\?tidsavbrudd=1&next=")
DRAFTS = "Object.keys(sessionStorage).filter(key => key.startsWith('tn-draft:')).length"


@pytest.fixture(scope="module")
def case_pk(server):
    return shell(server, CASE)


def end_session(page, server):
    """The idle timeout, as the server sees it: the session is gone; the cookie stays."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.sessions.models import Session\n"
        f"Session.objects.filter(session_key={key!r}).delete()\n",
    )


def entries_with(server, text):
    return shell(
        server,
        "import json\n"
        "from tverrnett.cases.models import JournalEntry\n"
        f"print(json.dumps(JournalEntry.objects.filter(text={text!r}).count()))\n",
    )


def log_in_here(page, server, username):
    """Log in on the login page the browser is on, keeping its next=."""
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    submit(page)
    enter_code(page, server.demo_code(username))


def test_a_timeout_keeps_the_form_and_fills_it_in_after_login(page, server, case_pk, shots):
    text = "Samtale med skolen om fraværet, skrevet like før tidsavbruddet."
    form_path = f"/saker/{case_pk}/journal/ny/"
    log_in(page, server, "slt.demo")
    page.goto(form_path)
    page.locator("#id_text").fill(text)
    page.locator("#id_category").select_option("concern")

    end_session(page, server)
    submit(page)

    # The login page says why; what was typed stayed in the browser.
    expect(page).to_have_url(TIMED_OUT)
    alert = page.locator("[data-timed-out]")
    expect(alert).to_have_attribute("role", "status")
    expect(alert).to_contain_text("Du ble logget ut fordi du var inaktiv i 30 minutter.")
    expect(alert).to_contain_text("Det du skrev er tatt vare på i denne nettleseren.")
    check_page(page, "timeout-login", shots)
    assert entries_with(server, text) == 0
    assert text not in page.content()
    # Never the password or the code: the login forms keep no draft.
    stored = page.evaluate("JSON.stringify(Object.assign({}, sessionStorage))")
    assert text in stored
    assert "csrfmiddlewaretoken" not in stored

    log_in_here(page, server, "slt.demo")

    # Back on the same form, filled in again, and told so.
    expect(page).to_have_url(server.url(form_path))
    expect(page.locator("#id_text")).to_have_value(text)
    expect(page.locator("#id_category")).to_have_value("concern")
    restored = page.locator(".tn-draft-restored")
    expect(restored).to_have_attribute("role", "status")
    expect(restored).to_contain_text("fylt inn igjen")
    check_page(page, "timeout-restored", shots)

    submit(page)
    expect(page).not_to_have_url(re.compile(r"/journal/ny/$"))
    assert entries_with(server, text) == 1
    # Saved: the draft is gone, and the form is empty again.
    assert page.evaluate(DRAFTS) == 0
    page.goto(form_path)
    expect(page.locator("#id_text")).to_have_value("")
    expect(page.locator(".tn-draft-restored")).to_have_count(0)


def test_a_restored_draft_can_be_discarded(page, server, case_pk):
    form_path = f"/saker/{case_pk}/journal/ny/"
    log_in(page, server, "slt.demo")
    page.goto(form_path)
    page.locator("#id_text").fill("Et utkast som skal forkastes.")
    page.goto(f"/saker/{case_pk}/")
    page.goto(form_path)
    expect(page.locator("#id_text")).to_have_value("Et utkast som skal forkastes.")

    page.locator("[data-draft-discard]").click()

    expect(page.locator("#id_text")).to_have_value("")
    expect(page.locator(".tn-draft-restored")).to_have_count(0)
    assert page.evaluate(DRAFTS) == 0


def test_the_warning_before_the_timeout_keeps_the_session(page, server, shots):
    page.clock.install()
    log_in(page, server, "slt.demo")
    page.goto("/oppgaver/")
    dialog = page.locator(DIALOG)
    expect(dialog).to_be_hidden()

    page.clock.fast_forward("26:00")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("01:10")

    # Two minutes before the earliest end (the session is saved at most once a minute,
    # so it may end up to a minute before 30:00): a modal dialog, focus on its one button.
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Du blir logget ut om 2 minutter på grunn av inaktivitet.")
    stay = dialog.get_by_role("button", name="Forbli innlogget")
    expect(stay).to_be_focused()
    check_page(page, "timeout-warning", shots)

    with page.expect_response(lambda response: "/hold-innlogget/" in response.url) as answer:
        stay.click()
    assert answer.value.status == 204
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(server.url("/oppgaver/"))

    # The clock started again.
    page.clock.fast_forward("26:00")
    expect(dialog).to_be_hidden()
    page.clock.fast_forward("01:10")
    expect(dialog).to_be_visible()


def test_when_the_time_is_up_the_page_goes_to_the_login_page(page, server, case_pk):
    form_path = f"/saker/{case_pk}/journal/ny/"
    page.clock.install()
    log_in(page, server, "slt.demo")
    page.goto(form_path)
    page.locator("#id_text").fill("Skrevet, så gikk tiden ut.")
    end_session(page, server)

    page.clock.fast_forward("30:10")

    expect(page).to_have_url(TIMED_OUT)
    assert json.dumps(form_path)[1:-1] in page.url.replace("%2F", "/")
    expect(page.locator("[data-draft-note]")).to_be_visible()


def test_logging_out_empties_the_drafts(page, server, case_pk):
    log_in(page, server, "slt.demo")
    page.goto(f"/saker/{case_pk}/journal/ny/")
    page.locator("#id_text").fill("Skal ikke bli liggende etter utlogging.")
    assert page.evaluate(DRAFTS) == 1

    with page.expect_navigation():
        page.locator("form[data-logout] button").click()

    expect(page).to_have_url(server.url("/logg-inn/"))
    assert page.evaluate(DRAFTS) == 0


def test_a_draft_typed_on_an_older_version_is_refused_as_a_stale_edit(page, server, case_pk):
    """The draft carries the version it was typed on (C5): restored after someone else
    saved, it is refused, not saved over their text."""
    path = f"/saker/{case_pk}/"
    mine = "Sammendrag fra et utkast som ble liggende."
    theirs = "Sammendrag lagret av en annen i mellomtiden."
    log_in(page, server, "slt.demo")
    page.goto(f"{path}sammendrag/")
    page.locator("#id_summary").fill(mine)
    page.goto(path)
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.db.models import F\n"
        "from tverrnett.cases.models import ConcernCase\n"
        f"ConcernCase.objects.filter(pk={case_pk})"
        f".update(summary={theirs!r}, version=F('version') + 1)\n",
    )

    page.goto(f"{path}sammendrag/")
    expect(page.locator("#id_summary")).to_have_value(mine)
    submit(page)

    expect(page).to_have_url(server.url(path))
    expect(page.locator(".tn-messages .ds-alert[data-color=danger]")).to_be_visible()
    concern = page.locator("section[aria-labelledby=concern-heading]")
    expect(concern).to_contain_text(theirs)
    expect(concern).not_to_contain_text(mine)


def test_the_session_page_says_who_for_whom_and_until_when(page, server, shots):
    """/okt/ (issue 22 item 3): the trivial member page, reached from "Min konto"."""
    log_in(page, server, "slt.demo")
    page.goto("/min-konto/")
    page.get_by_role("link", name="Økten din").click()
    expect(page).to_have_url(server.url("/okt/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Økten din")
    ends = page.locator("time[data-session-ends]")
    expect(ends).to_have_text(re.compile(r"^\d{1,2}\. \w+\.? \d{4} kl\. \d{2}\.\d{2}$"))
    check_page(page, "session-status", shots)
