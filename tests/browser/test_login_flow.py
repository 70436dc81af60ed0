"""Logging in, switching language and agency, and logging out, in a real browser.

Each test that completes a login uses its own demo user: django-otp accepts a
TOTP code only once, so two tests logging in as one user in the same 30
seconds would refuse each other.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, enter_code, enter_password, log_in

pytestmark = pytest.mark.browser

HEADER_USER = ".tn-header .tn-user__name"
HEADER_AGENCY = ".tn-header .tn-user__agency"
LOGOUT_BUTTON = ".tn-header form[action='/logg-ut/'] button"


def test_it_logs_in_with_password_and_code_and_shows_the_start_page(page, server):
    log_in(page, server, "slt.demo")

    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator(HEADER_USER)).to_have_text("Siri Demo (SLT)")
    expect(page.locator(HEADER_AGENCY)).to_have_text("Drammen kommune – SLT")
    expect(page.locator(".tn-classification")).to_be_visible()
    expect(page.locator(".tn-classification")).to_have_text("Kun ugradert informasjon")
    expect(page.locator(LOGOUT_BUTTON)).to_have_text("Logg ut")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_it_sends_the_code_step_back_to_the_password_step_when_no_password_was_given(page, server):
    # The second step is not reachable without the first: it sends the user back.
    page.goto("/logg-inn/kode/")

    expect(page).to_have_url(server.url("/logg-inn/"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator(".tn-messages [role=status]")).to_be_visible()


def test_a_wrong_password_gets_the_same_answer_as_an_unknown_user(page, server):
    # The same error either way, so the login page does not reveal who has a user.
    enter_password(page, "skole.demo", "Feil-passord-123")

    expect(page).to_have_url(server.url("/logg-inn/"))
    alert = page.locator(".tn-form-errors[data-error-summary]")
    expect(alert).to_be_visible()
    wrong_password = alert.inner_text()
    # The username stays filled in; the password does not.
    expect(page.locator("#id_username")).to_have_value("skole.demo")
    expect(page.locator("#id_password")).to_have_value("")

    enter_password(page, "finnes.ikke", "Feil-passord-123")

    expect(alert).to_have_text(wrong_password)


def test_it_switches_to_english_and_back_with_the_header_form(page, server):
    log_in(page, server, "politi.demo")
    language_form = page.locator("form.tn-language")

    language_form.locator("#tn-language-select").select_option("en")
    language_form.locator("button[type=submit]").click()

    # set_language sends the user back to the page they were on.
    expect(page).to_have_url(server.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".tn-classification")).to_have_text("Unclassified information only")
    expect(page.locator(LOGOUT_BUTTON)).to_have_text("Log out")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Per")

    language_form.locator("#tn-language-select").select_option("nb")
    language_form.locator("button[type=submit]").click()

    expect(page).to_have_url(server.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator(".tn-classification")).to_have_text("Kun ugradert informasjon")
    expect(page.locator(LOGOUT_BUTTON)).to_have_text("Logg ut")


def test_it_logs_out_to_the_login_page_and_the_start_page_then_needs_a_login(page, server):
    log_in(page, server, "nav.demo")

    page.locator(LOGOUT_BUTTON).click()

    expect(page).to_have_url(server.url("/logg-inn/"))
    expect(page.locator(".tn-messages [role=status]")).to_be_visible()
    expect(page.locator(".tn-user")).to_have_count(0)

    page.goto("/")

    expect(page).to_have_url(server.url("/logg-inn/?next=/"))
    expect(page.locator("#id_username")).to_be_visible()


def test_a_first_login_enrols_an_authenticator_from_a_qr_code(page, server):
    enter_password(page, "ny.demo", DEMO_PASSWORD)

    expect(page).to_have_url(server.url("/logg-inn/kode/"))
    qr_code = page.locator("figure.tn-qr svg")
    expect(qr_code).to_be_visible()
    # Named for screen readers (segno's <title>), and the key is there to type in.
    expect(qr_code.locator("title")).to_have_count(1)
    expect(page.locator("figure.tn-qr .tn-secret")).to_have_text(re.compile(r"^[A-Z2-7 ]{16,}$"))

    # The unconfirmed device exists now that the page was shown, so demo_code works.
    enter_code(page, server.demo_code("ny.demo"))

    expect(page).to_have_url(server.url("/"))
    expect(page.locator(HEADER_USER)).to_have_text("Nora Demo (ny bruker)")
    expect(page.locator(HEADER_AGENCY)).to_have_text("Nav Drammen")


def test_a_wrong_code_is_refused_and_the_field_marked_invalid(page, server):
    enter_password(page, "frivillig.demo", DEMO_PASSWORD)
    expect(page).to_have_url(server.url("/logg-inn/kode/"))

    enter_code(page, "000000" if server.demo_code("frivillig.demo") != "000000" else "111111")

    expect(page).to_have_url(server.url("/logg-inn/kode/"))
    code = page.locator("#id_code")
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(code).to_have_attribute("aria-describedby", re.compile(r"\bid_code_error\b"))
    expect(page.locator("#id_code_error")).to_be_visible()


@pytest.fixture
def locked_out_after(server):
    """The user this test locks out is unlocked again afterwards (as an administrator
    would), so later modules can log in as pst.demo."""
    yield "pst.demo"
    server.manage("axes_reset_username", "pst.demo")


def test_five_wrong_passwords_lock_the_user_even_against_the_right_one(
    page, server, locked_out_after
):
    statuses = [enter_password(page, "pst.demo", "Feil-passord-123").status for _ in range(5)]

    right_password = enter_password(page, "pst.demo", DEMO_PASSWORD)

    # The fifth failure locks at once (429); then the right password meets the same wall.
    assert statuses == [200, 200, 200, 200, 429]
    assert right_password.status == 429
    expect(page).to_have_url(server.url("/logg-inn/"))
    expect(page.locator("main [role=alert]")).to_be_visible()
    # The locked page offers no form to keep guessing in, and nobody is logged in.
    expect(page.locator("#id_password")).to_have_count(0)
    expect(page.locator(".tn-user")).to_have_count(0)


def test_the_skip_link_is_the_first_thing_tab_reaches_and_moves_focus_to_main(page):
    page.goto("/logg-inn/")

    page.keyboard.press("Tab")

    focused_href = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused_href is not None and focused_href.endswith("#main")
    expect(page.locator(":focus")).to_be_visible()

    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_the_skip_link_comes_first_on_the_start_page_too(logged_in_page):
    page = logged_in_page
    page.goto("/")

    page.keyboard.press("Tab")

    assert page.evaluate("document.activeElement.getAttribute('href')").endswith("#main")


def test_a_user_in_two_agencies_can_switch_agency_on_the_start_page(page, server):
    log_in(page, server, "leder.demo")
    acting_for = page.locator(HEADER_AGENCY).inner_text()
    switch_form = page.locator("form[action='/bytt-etat/']")
    # Two memberships: the active one is marked, the other has the switch button.
    expect(page.locator("main table .ds-tag")).to_have_count(1)
    expect(switch_form).to_have_count(1)
    other_agency = switch_form.locator("xpath=ancestor::tr/td[1]").inner_text()
    assert other_agency != acting_for

    switch_form.locator("button[type=submit]").click()

    expect(page).to_have_url(server.url("/"))
    expect(page.locator(HEADER_AGENCY)).to_have_text(other_agency)
    expect(page.locator(".tn-messages [role=status]")).to_contain_text(other_agency)
    active_row = page.locator("main tbody tr", has=page.locator(".ds-tag"))
    expect(active_row.locator("td").first).to_have_text(other_agency)
    expect(
        page.locator("form[action='/bytt-etat/']").locator("xpath=ancestor::tr/td[1]")
    ).to_have_text(acting_for)
