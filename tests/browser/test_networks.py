"""Networks: slt.demo opens the network list, the Drammen network and its health page
(which shows the demo's deliberate gaps), hands the SLT coordinator role over to
leder.demo with a reason and sees the history. Every page is checked with axe, at
desktop width and at 320 px.

The role is handed back at the end (slt.demo is made deputy in the first handover,
so may do it), leaving the demo as other browser tests expect it.
"""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

MUNICIPAL = "SLT-nettverket i Drammen"


def hand_over(page, holder, deputy, reason):
    form = page.locator("form[aria-labelledby=handover-heading]")
    form.get_by_label("Ny innehaver").select_option(label=holder)
    form.get_by_label("Stedfortreder").select_option(label=deputy)
    form.get_by_label("Begrunnelse").fill(reason)
    click_and_wait(page, form.get_by_role("button", name="Overlever"))


def test_the_slt_coordinator_reviews_the_network_and_hands_over_a_role(page, server, shots):
    reason = f"Siri går over i ny stilling ({os.getpid()})"
    log_in(page, server, "slt.demo")

    # The list: the municipal network and the two above it.
    page.goto("/nettverk/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nettverk")
    results = page.locator("tbody tr")
    expect(results).to_have_count(3)
    expect(page.get_by_role("row", name=MUNICIPAL)).to_contain_text("Kommunalt")
    check_page(page, "list", shots)

    page.get_by_label("Nivå").select_option(label="Regionalt")
    click_and_wait(page, page.get_by_role("button", name="Vis nettverk"))
    expect(results).to_have_count(1)
    expect(results).to_contain_text("Regionalt nettverk Sør-Øst")
    check_page(page, "list-filtered", shots)

    # The Drammen network: members, forums, roles with their contact points.
    page.goto("/nettverk/")
    click_and_wait(page, page.get_by_role("link", name=MUNICIPAL))
    expect(page.get_by_role("heading", level=1)).to_have_text(MUNICIPAL)
    expect(page.locator("#medlemmer")).to_contain_text("Fiktiv idrettsklubb (demo)")
    expect(page.get_by_role("heading", name="Samarbeidsforum for unge")).to_be_visible()
    expect(page.locator("#roller")).to_contain_text("slt@drammen.example")
    check_page(page, "network", shots)

    # The health page lists the deliberate gaps, and nothing else.
    click_and_wait(page, page.get_by_role("link", name="Nettverkshelse"))
    expect(page.locator(".ds-alert[data-health-summary]")).to_contain_text("7 funn")
    no_deputy = page.locator("[data-finding=roles_without_deputy] li")
    expect(no_deputy).to_have_count(5)
    expect(page.locator("[data-finding=roles_without_holder] li")).to_contain_text(
        "kriminalomsorgen"
    )
    expect(page.locator("[data-finding=unconfirmed_members] li")).to_contain_text(
        "Fiktiv idrettsklubb (demo)"
    )
    check_page(page, "health", shots)

    # The fix for the SLT coordinator's missing deputy is on the role page.
    slt_finding = no_deputy.filter(has_text="SLT-koordinator")
    click_and_wait(page, slt_finding.get_by_role("link"))
    expect(page.get_by_role("heading", level=1)).to_have_text("SLT-koordinator")
    check_page(page, "role", shots)

    # A handover without a reason is refused with a message on the field.
    form = page.locator("form[aria-labelledby=handover-heading]")
    form.get_by_label("Ny innehaver").select_option(label="Lars Demo (leder)")
    click_and_wait(page, form.get_by_role("button", name="Overlever"))
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_reason_error")).to_contain_text("Skriv hvorfor")
    check_page(page, "role-error", shots)

    # Hand it over to the line manager, with Siri as deputy.
    hand_over(page, "Lars Demo (leder)", "Siri Demo (SLT)", reason)
    expect(page.locator(".tn-messages")).to_contain_text("overlevert til Lars Demo (leder)")
    history = page.locator("section[aria-labelledby=history-heading] tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text(reason)
    expect(history.first).to_contain_text("Siri Demo (SLT) → Lars Demo (leder)")
    check_page(page, "role-handed-over", shots)

    # As deputy, Siri hands it back, leaving the demo as it was (no deputy).
    hand_over(page, "Siri Demo (SLT)", "Ingen stedfortreder", "Tilbake etter testen")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("Lars Demo (leder) → Siri Demo (SLT)")
