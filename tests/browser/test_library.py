"""The resource library (issue 21, item 6): rvts.demo (RVTS Sør) adds a resource and
edits it; slt.demo finds it from step 10 of the demo exit case's checklist. The list and
the form pages are checked with axe at desktop and phone width, and at 320 px."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

EXIT_CASE = """
import json
from tverrnett.cases.models import ConcernCase
print(json.dumps(ConcernCase.objects.filter(subject__name="Eksempel Exitsen (fiktiv)")
    .order_by("pk").first().pk))
"""


def test_rvts_adds_and_edits_a_resource_that_slt_finds_from_step_10(
    context, page, server, logged_in_state, shots
):
    title = f"Litteratur om løsrivelse ({os.getpid()})"

    # rvts.demo: the library from the guidance page, then the add form.
    context.add_cookies(logged_in_state["cookies"])
    page.goto("/veiledning/")
    click_and_wait(page, page.get_by_role("link", name="Ressursbibliotek"))
    expect(page).to_have_url(server.url("/veiledning/bibliotek/"))
    expect(page.get_by_role("heading", name="Veileder for exit-arbeid")).to_be_visible()
    check_page(page, "library-rvts", shots)

    click_and_wait(page, page.get_by_role("link", name="Legg til en ressurs"))
    check_page(page, "library-add", shots)
    page.locator("#id_title").fill(title)
    page.locator("#id_kind").select_option("literature")
    page.locator("#id_description").fill("Om å forlate et ekstremistisk miljø.")
    page.locator("#id_link").fill("http://www.example.org/bok")
    click_and_wait(page, page.get_by_role("button", name="Legg til i biblioteket"))
    expect(page.locator("#id_link_error")).to_contain_text("https://")
    check_page(page, "library-add-error", shots)
    page.locator("#id_link").fill("https://www.example.org/bok")
    click_and_wait(page, page.get_by_role("button", name="Legg til i biblioteket"))
    expect(page.locator(".tn-messages")).to_contain_text("lagt til i biblioteket")

    # Edit it.
    page.locator("#id_q").fill(title)
    click_and_wait(page, page.get_by_role("button", name="Søk"))
    card = page.locator(".tn-library-list > li", has_text=title)
    expect(card).to_have_count(1)
    click_and_wait(page, card.get_by_role("link", name="Endre"))
    expect(page.locator("#id_title")).to_have_value(title)
    check_page(page, "library-edit", shots)
    page.locator("#id_description").fill("Om løsrivelse og desistance.")
    click_and_wait(page, page.get_by_role("button", name="Lagre"))
    expect(page.locator(".tn-messages")).to_contain_text("Ressursen er lagret")

    # The confirmation page for unpublishing (not confirmed here).
    card = page.locator(".tn-library-list > li", has_text="Utveier.no")
    click_and_wait(page, card.get_by_role("link", name="Avpubliser"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Avpubliser en ressurs")
    check_page(page, "library-unpublish", shots)

    # slt.demo: step 10 of the demo exit case's checklist links the library.
    context.clear_cookies()
    log_in(page, server, "slt.demo")
    case_pk = shell(server, EXIT_CASE)
    page.goto(f"/saker/{case_pk}/exit/sjekkliste/")
    click_and_wait(page, page.locator("#step-10").get_by_role("link", name="Ressursbibliotek"))
    expect(page).to_have_url(server.url("/veiledning/bibliotek/"))
    card = page.locator(".tn-library-list > li", has_text=title)
    expect(card).to_contain_text("Om løsrivelse og desistance.")
    expect(card.get_by_role("link", name=title)).to_have_attribute(
        "href", "https://www.example.org/bok"
    )
    expect(page.get_by_role("link", name="Legg til en ressurs")).to_have_count(0)
    check_page(page, "library-slt", shots)
