"""An agency manager keeps the agency up to date: leder.demo (agency administrator of
Drammen kommune – barneverntjenesten) changes the directory entry (and puts it back),
then ends, on the one member list, the membership of someone who has left; the old
people address leads there. Every page is checked with axe, at desktop width and at
320 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, act_for_agency, enter_password, log_in, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

AGENCY = "Drammen kommune – barneverntjenesten"
FIELDS = ["mandate", "working_methods", "phone", "email", "website"]


def open_agency(page):
    page.goto("/etater/?q=barnevern")
    click_and_wait(page, page.get_by_role("link", name=AGENCY))
    expect(page.get_by_role("heading", level=1)).to_have_text(AGENCY)


def test_a_manager_changes_the_directory_entry_and_ends_a_membership(
    page,
    server,
    shots,  # noqa: F811
):
    server.create_user_without_authenticator("sluttet.nettleser", "Sigrid", AGENCY)
    log_in(page, server, "leder.demo")
    act_for_agency(page, AGENCY)
    open_agency(page)

    # The directory entry: a wrong phone number first, then a good one, then put back.
    click_and_wait(page, page.get_by_role("link", name="Endre"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Endre oppføringen i etatsoversikten")
    check_page(page, "agency-edit", shots)
    original = {field: page.locator(f"#id_{field}").input_value() for field in FIELDS}
    page.locator("#id_phone").fill("ring oss")
    submit(page)
    expect(page.locator("#id_phone")).to_have_attribute("aria-invalid", "true")
    # The field's own message (the error summary at the top repeats it as a link).
    expect(page.locator("#id_phone_error")).to_contain_text("Skriv et telefonnummer med åtte sifre")
    check_page(page, "agency-edit-error", shots)
    page.locator("#id_phone").fill("32 04 99 99")
    submit(page)
    expect(page.get_by_text("Oppføringen i etatsoversikten er lagret.")).to_be_visible()
    expect(page.get_by_role("link", name="32 04 99 99")).to_be_visible()
    click_and_wait(page, page.get_by_role("link", name="Endre"))
    for field, value in original.items():
        page.locator(f"#id_{field}").fill(value)
    submit(page)
    expect(page.get_by_text("Oppføringen i etatsoversikten er lagret.")).to_be_visible()

    # The people, and ending the membership of someone who has left.
    click_and_wait(page, page.get_by_role("link", name="Brukere og invitasjoner"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Brukere i {AGENCY}")
    members_url = page.url
    page.goto(members_url.replace("/brukere/", "/personer/"))  # the old address
    expect(page).to_have_url(members_url)
    check_page(page, "agency-people", shots)
    click_and_wait(
        page, page.get_by_role("link", name="Avslutt tilknytning – Sigrid, Saksbehandler")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Avslutt en tilknytning")
    submit(page)
    expect(page.get_by_text("Velg hvorfor tilknytningen avsluttes.").first).to_be_visible()
    check_page(page, "membership-end-error", shots)
    page.get_by_label("Har sluttet i etaten").check()
    submit(page)
    expect(page.get_by_text(f"Sigrid jobber ikke lenger for {AGENCY}.")).to_be_visible()
    expect(page.get_by_role("cell", name="Sigrid")).to_have_count(0)

    # Sigrid can no longer log in.
    page.context.clear_cookies()
    enter_password(page, "sluttet.nettleser", DEMO_PASSWORD)
    expect(page).to_have_url(server.url("/logg-inn/"))
