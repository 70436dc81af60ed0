"""Every page, checked with axe-core in a real browser (WCAG 2.1 A and AA, and best practice).

A serious or critical violation fails the test. The page's strict CSP stays
in force while axe runs: axe is injected through the DevTools protocol, which
the CSP does not govern, never by relaxing the policy.

Each scenario brings the page into one state (an error shown, a message, the
English interface) and says how to recognise that it got there, so a changed
redirect cannot make a test check the wrong page.
"""

import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, enter_code, enter_password, log_in, submit
from tests.browser.pagecheck import (
    FAILING_IMPACTS,
    PACKAGE_DIR,
    REFLOW_VIEWPORT,
    SIDEWAYS_OVERFLOW,
    VIEWPORTS,
    axe_source,
    describe,
    run_axe,
)

pytestmark = pytest.mark.browser

# Scenarios: name -> (needs a logged-in session, function that opens the page).
SCENARIOS = {}


def scenario(name, *, logged_in=False):
    def register(visit):
        SCENARIOS[name] = (logged_in, visit)
        return visit

    return register


def switch_language(page, language):
    page.locator("#tn-language-select").select_option(language)
    page.locator("form.tn-language button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)


@scenario("login")
def _login(page, server):
    page.goto("/logg-inn/")
    expect(page.locator("#id_username")).to_be_visible()


@scenario("login in English")
def _login_english(page, server):
    page.goto("/logg-inn/")
    switch_language(page, "en")
    expect(page.locator("#id_username")).to_be_visible()


@scenario("login with field errors")
def _login_field_errors(page, server):
    page.goto("/logg-inn/")
    submit(page)
    expect(page.locator("#id_username")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_password_error")).to_be_visible()


@scenario("login with a form error")
def _login_form_error(page, server):
    enter_password(page, f"ukjent.{secrets.token_hex(4)}", "Feil-passord-123")
    expect(page.locator(".tn-form-errors")).to_be_visible()


@scenario("login with a message")
def _login_message(page, server):
    # The code step without a password first sends the user back with a message.
    page.goto("/logg-inn/kode/")
    expect(page).to_have_url(server.url("/logg-inn/"))
    expect(page.locator(".tn-messages .ds-alert")).to_be_visible()


@scenario("login locked")
def _login_locked(page, server):
    # The lockout counts per username, known or not, so no demo user is used up.
    username = f"laast.{secrets.token_hex(4)}"
    for _attempt in range(4):
        assert enter_password(page, username, "Feil-passord-123").status == 200
    assert enter_password(page, username, "Feil-passord-123").status == 429
    expect(page.locator("#id_password")).to_have_count(0)


@scenario("form expired (CSRF failure)")
def _csrf_failure(page, server):
    page.goto("/logg-inn/")
    page.context.clear_cookies()
    with page.expect_response(lambda response: response.request.method == "POST") as refused:
        page.locator("#id_username").fill("barnevern.demo")
        page.locator("#id_password").fill(DEMO_PASSWORD)
        page.locator("form.tn-form button[type=submit]").click()
    assert refused.value.status == 403


@scenario("code")
def _code(page, server):
    enter_password(page, "barnevern.demo", DEMO_PASSWORD)
    expect(page).to_have_url(server.url("/logg-inn/kode/"))
    expect(page.locator("#id_code")).to_be_visible()
    expect(page.locator("figure.tn-qr")).to_have_count(0)


@scenario("code with field error")
def _code_error(page, server):
    # An empty code is refused by the form before any code is tried: no lockout counted.
    enter_password(page, "barnevern.demo", DEMO_PASSWORD)
    enter_code(page, "")
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")


@scenario("authenticator enrolment")
def _enrolment(page, server):
    username = f"ny.{secrets.token_hex(4)}"
    server.create_user_without_authenticator(username, "Nina", "Nav Drammen")
    enter_password(page, username, DEMO_PASSWORD)
    expect(page.locator("figure.tn-qr svg")).to_be_visible()


@scenario("authenticator enrolment with field error")
def _enrolment_error(page, server):
    username = f"ny.{secrets.token_hex(4)}"
    server.create_user_without_authenticator(username, "Nils", "Nav Drammen")
    enter_password(page, username, DEMO_PASSWORD)
    enter_code(page, "12")
    expect(page.locator("#id_code")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("figure.tn-qr svg")).to_be_visible()


@scenario("no access")
def _no_access(page, server):
    # A user whose last membership ends while logged in acts for no agency: 403.
    username = f"slutter.{secrets.token_hex(4)}"
    server.create_user_without_authenticator(username, "Sam", "Nav Drammen")
    enter_password(page, username, DEMO_PASSWORD)
    enter_code(page, server.demo_code(username))
    expect(page).to_have_url(server.url("/"))
    server.end_memberships(username)

    response = page.goto("/")

    assert response.status == 403


@scenario("server error")
def _server_error(page, server):
    # Nothing in the app fails on purpose, so serve the 500 template the way
    # Django does (plain HTML, no context) from the app's own origin.
    html = (PACKAGE_DIR / "templates/500.html").read_text(encoding="utf-8")
    page.route(
        "**/feil-500/",
        lambda route: route.fulfill(status=500, body=html, content_type="text/html; charset=utf-8"),
    )
    response = page.goto("/feil-500/")
    assert response.status == 500


@scenario("start page", logged_in=True)
def _home(page, server):
    page.goto("/")
    expect(page.locator(".tn-user")).to_be_visible()


@scenario("start page in English", logged_in=True)
def _home_english(page, server):
    page.goto("/")
    switch_language(page, "en")
    expect(page).to_have_url(server.url("/"))


@scenario("start page in nynorsk", logged_in=True)
def _home_nynorsk(page, server):
    page.goto("/")
    switch_language(page, "nn")
    expect(page).to_have_url(server.url("/"))
    expect(page.get_by_role("navigation", name="Hovudmeny")).to_be_visible()


@scenario("login in nynorsk")
def _login_nynorsk(page, server):
    page.goto("/logg-inn/")
    switch_language(page, "nn")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn i Tverrnett")
    expect(page.locator("main")).to_contain_text("Logg inn med brukarnamn og passord.")


@scenario("log review")
def _log_review(page, server):
    # Only a privacy officer has the page (everyone else gets 404): personvern.demo.
    log_in(page, server, "personvern.demo")
    response = page.goto("/logg/gjennomgang/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Loggkontroll")


@scenario("accessibility statement")
def _statement(page, server):
    response = page.goto("/tilgjengelighet/")
    assert response.status == 200


@scenario("accessibility statement, logged in", logged_in=True)
def _statement_logged_in(page, server):
    response = page.goto("/tilgjengelighet/")
    assert response.status == 200
    expect(page.locator(".tn-user")).to_be_visible()


@scenario("page not found", logged_in=True)
def _not_found(page, server):
    response = page.goto("/finnes-ikke/")
    assert response.status == 404
    expect(page.locator(".tn-user")).to_be_visible()


@scenario("page not found, logged out")
def _not_found_logged_out(page, server):
    response = page.goto("/finnes-ikke/")
    assert response.status == 404


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_page_has_no_accessibility_violations(name, viewport, context, server, request):
    logged_in, visit = SCENARIOS[name]
    if logged_in:
        context.add_cookies(request.getfixturevalue("logged_in_state")["cookies"])
    page = context.new_page()
    page.set_viewport_size(VIEWPORTS[viewport])
    try:
        visit(page, server)

        results = run_axe(page)

        failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
        assert not failing, f"axe-core on {name}, {viewport} ({page.url}):\n{describe(failing)}"
        if viewport == "phone":
            # Reflow (WCAG 1.4.10) is measured at 320 px, narrower than the phone.
            page.set_viewport_size(REFLOW_VIEWPORT)
            sideways = page.evaluate(SIDEWAYS_OVERFLOW)
            assert sideways["overflow"] <= 0, (
                f"{name} scrolls sideways by {sideways['overflow']} px at 320 px wide "
                f"(WCAG 1.4.10 Reflow); too wide: {', '.join(sideways['culprits'])}"
            )
    finally:
        # A logged-in user's language is stored on the user and follows them: switch the
        # shared demo user back, or every later test would see English pages.
        if logged_in and page.locator("html").get_attribute("lang") != "nb":
            switch_language(page, "nb")


def test_axe_loads_while_the_strict_csp_is_in_force(page, page_problems):
    response = page.goto("/logg-inn/")
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy

    # The DevTools route, not the same-origin <script> fallback, is what must work.
    page.evaluate(axe_source() + "\n;undefined")
    assert page.evaluate("typeof window.axe.run") == "function"

    # The page itself still cannot run inline script: the CSP was not bypassed,
    # and the violation reaches the console, where the context fixture looks for it.
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.inlineScriptRan = true'; document.body.append(s); }"
    )
    assert page.evaluate("window.inlineScriptRan") is None
    # Console messages arrive asynchronously; give this one a moment.
    for _wait in range(40):
        if page_problems.csp_violations:
            break
        page.wait_for_timeout(50)
    assert page_problems.csp_violations, "the CSP violation did not reach the console"
    page_problems.csp_violations.clear()
