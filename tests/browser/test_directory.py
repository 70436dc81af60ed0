"""The agency directory: pst.demo asks who to contact in "Dramen" (a typo for Drammen),
is asked "did you mean Drammen?", follows it and sees the SLT coordinator, the police
contact and RVTS with phone and e-mail, opens an agency's page and searches the agency
list. Every page is checked with axe, at desktop
width and at 320 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser


def test_who_to_contact_in_a_misspelt_municipality_then_the_agency_and_the_list(
    page, server, shots
):
    log_in(page, server, "pst.demo")

    page.goto("/etater/hvem-kontakter-jeg/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hvem kontakter jeg?")
    check_page(page, "lookup", shots)

    # A name that fits two municipalities: a field error and a link to each.
    page.get_by_label("Kommune").fill("Herøy")
    click_and_wait(page, page.get_by_role("button", name="Finn kontakter"))
    expect(page.locator("#id_municipality")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".ds-validation-message")).to_contain_text("1515 Herøy (Møre og Romsdal)")
    expect(page.get_by_role("link", name="Herøy (Nordland) (1818)")).to_be_visible()
    check_page(page, "lookup-ambiguous", shots)

    # A misspelt name: "did you mean", never another municipality picked silently.
    page.get_by_label("Kommune").fill("Dramen")
    page.get_by_label("Hva gjelder det? (valgfritt)").select_option("security")
    click_and_wait(page, page.get_by_role("button", name="Finn kontakter"))
    expect(page.get_by_role("heading", name="Mente du?")).to_be_visible()
    check_page(page, "lookup-did-you-mean", shots)
    click_and_wait(page, page.get_by_role("link", name="Drammen (3301)"))
    expect(page).to_have_url(
        server.url("/etater/hvem-kontakter-jeg/?municipality=3301&need=security#results")
    )
    answer = page.get_by_role("heading", level=2, name="Kontakter for Drammen (3301)")
    expect(answer).to_be_visible()
    expect(page.locator("#results")).to_be_focused()  # the answer, not the top of the page
    expect(page.locator("main")).to_contain_text("112")

    police = page.get_by_role("article", name="Radikaliseringskontakt i politidistriktet")
    expect(police).to_contain_text("Per Demo (politi)")
    expect(police).to_contain_text("Passer til behovet ditt")
    expect(police.get_by_role("link", name="02800")).to_have_attribute("href", "tel:02800")
    police_email = "radikalisering.sor-ost@politiet.example"
    expect(police.get_by_role("link", name=police_email)).to_be_visible()

    slt = page.get_by_role("article", name="SLT-koordinator")
    expect(slt).to_contain_text("Siri Demo (SLT)")
    expect(slt.get_by_role("link", name="32 04 00 00")).to_have_attribute("href", "tel:32040000")
    expect(slt.get_by_role("link", name="slt@drammen.example")).to_be_visible()

    rvts = page.get_by_role("article", name="RVTS (regionalt ressurssenter)")
    expect(rvts).to_contain_text("RVTS Øst")
    expect(rvts).to_contain_text("Rita Demo (RVTS)")
    expect(rvts.get_by_role("link", name="post@rvtssor.example")).to_be_visible()

    # Nobody holds the correctional service's role: shown, not hidden.
    correctional = page.get_by_role("article", name="Radikaliseringskontakt i kriminalomsorgen")
    expect(correctional).to_contain_text("Ingen innehaver registrert")
    check_page(page, "lookup-answer", shots)

    click_and_wait(page, slt.get_by_role("link", name="Drammen kommune – SLT"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Drammen kommune – SLT")
    expect(page.get_by_text("Samordner det kriminalitetsforebyggende arbeidet")).to_be_visible()
    roles = page.get_by_role("table", name="Roller og kontaktpunkter")
    expect(roles.get_by_role("row", name="SLT-koordinator")).to_contain_text("Siri Demo (SLT)")
    check_page(page, "agency", shots)

    click_and_wait(page, page.get_by_role("link", name="Alle etater"))
    page.get_by_label("Søk", exact=True).fill("rvts")
    click_and_wait(page, page.get_by_role("button", name="Søk", exact=True))
    table = page.get_by_role("table", name="Etater")
    expect(table.get_by_role("row")).to_have_count(3)  # the header and two centres
    expect(table).to_contain_text("RVTS Sør")
    expect(table).to_contain_text("RVTS Øst")
    check_page(page, "list", shots)
