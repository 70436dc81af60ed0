"""An employee logs in through the local OpenID Provider (in Ansattporten's place) and
out again, in a real browser: Tverrnett's login page, the provider's login, back to the
start page; then logout here, the provider's logout page and its front-channel frame,
back to the login page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

PID = "03038012345"
LOGOUT_BUTTON = ".tn-header form[action='/logg-ut/'] button"


def bind_pid(server, username, first_name, agency_name, pid):
    server.create_user_without_authenticator(username, first_name, agency_name)
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from tverrnett.cases.identity_encryption import keyed_hash\n"
        f"get_user_model().objects.filter(username={username!r})"
        f".update(pid_hash=keyed_hash({pid!r}))\n",
    )


def test_employee_logs_in_and_out_through_the_provider(page, server, provider, shots):
    bind_pid(server, "oidc.ansatt", "Olav", "Drammen kommune – SLT", PID)

    page.goto("/logg-inn/")
    check_page(page, "login-with-oidc", shots)
    page.get_by_role("link", name="Logg inn med Ansattporten").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.locator("#pid").fill(PID)
    page.locator("#acr").select_option("idporten-loa-substantial")
    with page.expect_navigation(url=server.url("/")):
        page.locator("#login").click()
    expect(page.locator(".tn-header .tn-user__name")).to_contain_text("Olav")

    page.locator(LOGOUT_BUTTON).click()
    # The provider asks; its answer frames our front-channel logout, then comes back.
    page.locator("#confirm-logout").click()
    expect(page).to_have_url(re.compile(re.escape(server.url("/logg-inn/")) + r"\?state="))
    expect(page.get_by_role("heading", name="Logg inn i Tverrnett")).to_be_visible()
    # The provider's page loaded our front-channel logout in its frame.
    assert "GET /logg-inn/oidc/utlogget/?iss=" in server.log_path.read_text(errors="replace")
    page.goto("/")
    expect(page).to_have_url(server.url("/logg-inn/?next=/"))


def test_an_unknown_person_gets_a_clear_refusal(page, server, provider, shots):
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Logg inn med Ansattporten").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.locator("#pid").fill("24068012345")
    page.locator("#acr").select_option("idporten-loa-substantial")
    page.locator("#login").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text("administrator")
    check_page(page, "oidc-refused", shots)
    page.goto("/")
    expect(page).to_have_url(server.url("/logg-inn/?next=/"))
