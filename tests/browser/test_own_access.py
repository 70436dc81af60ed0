"""The person logs in with ID-porten (the local OpenID Provider in its place, at level
high) and works with their own individual plan in a real browser: the plan in plain
language, a goal of their own, a comment, a request to withdraw a consent, logout
through the provider; then another person's login sees nothing. Pages checked with
axe. (The coordinator's side: tverrnett/ownaccess/tests/test_own_access.py.)"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

PID = "05059012345"  # invented, like the demo person it is given to
OTHER_PID = "06069012345"
PERSON = "Eksempel Exitsen (fiktiv)"


def give_the_demo_person_an_identity_number(server):
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "import datetime\n"
        "from tverrnett.cases.models import Person\n"
        f"person = Person.objects.get(name={PERSON!r})\n"
        f"person.identity_number = {PID!r}\n"
        "person.birth_date = datetime.date(1995, 5, 5)\n"
        "person.save()\n",
    )


def log_in_with_id_porten(page, provider, pid):
    page.goto("/min-plan/logg-inn/")
    page.get_by_role("link", name="Logg inn med ID-porten").click()
    expect(page).to_have_url(re.compile(re.escape(provider.issuer) + "/interaction/"))
    page.locator("#pid").fill(pid)
    page.locator("#acr").select_option("idporten-loa-high")
    page.locator("#login").click()


def test_the_person_reads_and_adds_to_their_own_plan(page, server, provider, shots, browser):
    give_the_demo_person_an_identity_number(server)
    page.goto("/logg-inn/")
    page.get_by_role("link", name="Har du en individuell plan? Se den her.").click()
    check_page(page, "own-access-start", shots)

    log_in_with_id_porten(page, provider, PID)
    expect(page).to_have_url(server.url("/min-plan/"))
    expect(page.get_by_role("heading", level=1, name="Din individuelle plan")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nav Drammen")
    check_page(page, "own-access-plan", shots)

    page.get_by_label("Målet ditt, med dine egne ord").fill("Jeg vil ta fagbrev som elektriker.")
    page.get_by_role("button", name="Legg til målet").click()
    expect(page.locator(".ds-alert[data-color='success']")).to_contain_text(
        "Målet ditt er lagt til"
    )
    expect(page.locator("main")).to_contain_text("Du skrev dette selv i Tverrnett")

    page.get_by_label("Kommentaren din til planen").fill("Arbeidstreningen passer bra.")
    page.get_by_role("button", name="Lagre kommentaren").click()
    expect(page.locator("#own-comments")).to_contain_text("Arbeidstreningen passer bra.")

    page.get_by_role("link", name="Be om å trekke tilbake dette samtykket").first.click()
    check_page(page, "own-access-withdraw", shots)
    page.get_by_role("button", name="Be om å trekke tilbake").click()
    expect(page.locator("#own-consents")).to_contain_text("Koordinatoren din tar kontakt")

    page.locator(".tn-header form[action='/min-plan/logg-ut/'] button").click()
    page.locator("#confirm-logout").click()
    expect(page).to_have_url(re.compile(re.escape(server.url("/min-plan/logg-inn/"))))
    page.goto("/min-plan/")
    expect(page).to_have_url(server.url("/min-plan/logg-inn/"))

    # Another person's login sees nothing of it.
    other_context = browser.new_context(base_url=server.base_url)
    other = other_context.new_page()
    try:
        log_in_with_id_porten(other, provider, OTHER_PID)
        expect(other).to_have_url(server.url("/min-plan/"))
        expect(other.locator("#own-nothing")).to_be_visible()
        expect(other.locator("main")).not_to_contain_text("elektriker")
        check_page(other, "own-access-nothing", shots)
    finally:
        other_context.close()
