"""Account administration (issue 19): leder.demo, agency administrator of Drammen
kommune – barneverntjenesten, invites a new user; the link in the e-mail lets the person
choose a password and set up the authenticator app, and they land in the agency with the
role they were given. The administrator then lifts the lockout the new user ran into and
resets their authenticator, and the user sets up the app again at the next login. Every
page is checked with axe, at desktop width and at 320 px."""

import re
import secrets
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    act_for_agency,
    enter_code,
    enter_password,
    log_in,
    shell,
    submit,
)
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

AGENCY = "Drammen kommune – barneverntjenesten"
NEW_PASSWORD = "Et-nytt-langt-passord-77"  # noqa: S105
SUCCESS = ".tn-messages .ds-alert[data-color=success]"


def open_account_admin(page):
    page.goto("/etater/?q=barnevern")
    click_and_wait(page, page.get_by_role("link", name=AGENCY))
    click_and_wait(page, page.get_by_role("link", name="Brukere og invitasjoner"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Brukere i {AGENCY}")


def invitation_path(mail_dir, mails_before, email):
    for mail in sorted(set(mail_dir.glob("*.log")) - mails_before):
        text = mail.read_text(errors="replace")
        if email in text:
            return re.search(r"/invitasjon/[A-Za-z0-9_-]+/", text).group(0)
    pytest.fail(f"No invitation e-mail to {email}")


def test_an_administrator_invites_a_user_lifts_a_lockout_and_resets_the_app(
    browser, page, server, shots
):
    token = secrets.token_hex(3)
    email = f"nina.{token}@barnevern.example"
    mail_dir = Path(server.env["EMAIL_FILE_PATH"])
    mail_dir.mkdir(parents=True, exist_ok=True)
    mails_before = set(mail_dir.glob("*.log"))

    log_in(page, server, "leder.demo")
    act_for_agency(page, AGENCY)
    open_account_admin(page)
    check_page(page, "account-admin", shots)

    # The invitation: the form's errors first, then a good one.
    click_and_wait(page, page.get_by_role("link", name="Inviter en bruker"))
    submit(page)
    # The field's own message (the error summary at the top repeats it as a link).
    expect(page.get_by_text("Skriv inn fornavnet.", exact=True)).to_be_visible()
    check_page(page, "account-invite-error", shots)
    page.locator("#id_first_name").fill("Nina")
    page.locator("#id_last_name").fill(f"Ny {token}")
    page.locator("#id_email").fill(email)
    page.locator("#id_role").select_option("advisor")
    submit(page)
    expect(page.locator(SUCCESS)).to_contain_text(email)
    expect(page.get_by_role("cell", name=email)).to_be_visible()

    # The person follows the link: a password, then the authenticator app.
    newcomer = browser.new_context(base_url=server.base_url).new_page()
    newcomer.goto(invitation_path(mail_dir, mails_before, email))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Velkommen til Tverrnett")
    check_page(newcomer, "invitation-accept", shots)
    newcomer.locator("#id_new_password1").fill(NEW_PASSWORD)
    newcomer.locator("#id_new_password2").fill(NEW_PASSWORD)
    submit(newcomer)
    expect(newcomer).to_have_url(server.url("/logg-inn/kode/"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Sett opp autentiseringsappen")
    enter_code(newcomer, server.demo_code(email))
    expect(newcomer).to_have_url(server.url("/"))
    expect(newcomer.locator(".tn-user__agency")).to_have_text(AGENCY)

    # The administrator sees the new user with the role they were given.
    page.reload()
    row = page.locator("main tr", has_text=f"Ny {token}")
    expect(row).to_contain_text("Veileder")

    # The new user forgets the password and is locked out.
    newcomer.context.clear_cookies()
    for _attempt in range(10):
        response = enter_password(newcomer, email, "feil-passord")
        if response.status == 429:
            break
    expect(newcomer.get_by_text("midlertidig sperret")).to_be_visible()

    # The administrator lifts the lockout and resets the authenticator.
    page.reload()
    expect(row).to_contain_text("Ja")
    click_and_wait(page, row.get_by_role("link", name=re.compile("Administrer")))
    check_page(page, "account-member", shots)
    click_and_wait(page, page.get_by_role("button", name="Opphev sperringen"))
    expect(page.locator(SUCCESS)).to_contain_text("er opphevet")
    click_and_wait(page, page.get_by_role("button", name="Nullstill autentiseringsappen"))
    expect(page.locator(SUCCESS)).to_contain_text("er nullstilt")

    # The user logs in with the password and sets up the app anew.
    enter_password(newcomer, email, NEW_PASSWORD)
    expect(newcomer).to_have_url(server.url("/logg-inn/kode/"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Sett opp autentiseringsappen")
    enter_code(newcomer, server.demo_code(email))
    expect(newcomer).to_have_url(server.url("/"))
    newcomer.context.close()

    actions = shell(
        server,
        "import json\n"
        "from tverrnett.audit.models import AuditEntry\n"
        "print(json.dumps(sorted(set(AuditEntry.objects.filter(action__in=["
        "'accounts.invitation_sent', 'accounts.invitation_accepted', "
        "'accounts.lockout_lifted', 'accounts.authenticator_reset']"
        ").values_list('action', flat=True)))))\n",
    )
    assert actions == [
        "accounts.authenticator_reset",
        "accounts.invitation_accepted",
        "accounts.invitation_sent",
        "accounts.lockout_lifted",
    ]
