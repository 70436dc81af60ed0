"""Keeping a network up to date (N4): slt.demo, administrator of the Drammen network,
edits its meeting rhythm, adds PST with a named person and removes it again,
confirms the voluntary organisation's membership (the health page's finding goes
away) and creates a role for the school. Every new page is checked with axe.

Everything changed is put back at the end (in `finally`), so the demo's deliberate
gaps stay as tests/browser/test_networks.py expects them.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait
from tests.browser.test_networks import MUNICIPAL

pytestmark = pytest.mark.browser

RESTORE = f"""
from datetime import timedelta
from django.utils import timezone
from tverrnett.networks.models import Network, NetworkMember, Role, RoleHandover
network = Network.objects.get(name={MUNICIPAL!r})
network.meeting_rhythm = "Første tirsdag i måneden"
network.save(update_fields=["meeting_rhythm"])
NetworkMember.objects.filter(network=network, agency__name="Fiktiv idrettsklubb (demo)").update(
    confirmed_at=timezone.localdate() - timedelta(days=400)
)
NetworkMember.objects.filter(network=network, agency__name="PST").delete()
roles = Role.objects.filter(kind="school_contact", phone="31 00 00 99")
RoleHandover.objects.filter(role__in=roles).delete()
roles.delete()
"""


def test_the_administrator_maintains_the_network(page, server, shots):  # noqa: F811
    log_in(page, server, "slt.demo")
    try:
        _maintain(page, shots)
    finally:
        server.manage("shell", "--no-imports", "-c", RESTORE)


def _maintain(page, directory):
    page.goto("/nettverk/")
    click_and_wait(page, page.get_by_role("link", name=MUNICIPAL))
    network_url = page.url

    # Edit the meeting rhythm.
    click_and_wait(page, page.get_by_role("link", name="Endre mandat og møterytme"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Endre {MUNICIPAL}")
    expect(page.get_by_label("Mandat")).to_contain_text("Forebygger radikalisering")
    check_page(page, "edit", directory)
    page.get_by_label("Møterytme").fill("Annenhver tirsdag")
    click_and_wait(page, page.get_by_role("button", name="Lagre"))
    expect(page.locator(".tn-messages")).to_contain_text("Nettverket er oppdatert")
    expect(page.locator("section[aria-labelledby=about-heading]")).to_contain_text(
        "Annenhver tirsdag"
    )

    # Add PST with Pia as named member; a missing agency is refused first.
    click_and_wait(page, page.get_by_role("link", name="Legg til eller fjern medlemmer"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Medlemmer i {MUNICIPAL}")
    check_page(page, "members", directory)
    form = page.locator("form[aria-labelledby=add-heading]")
    click_and_wait(page, form.get_by_role("button", name="Legg til i nettverket"))
    expect(page.locator("#id_agency_error")).to_contain_text("Velg etaten")
    check_page(page, "members-error", directory)
    form.get_by_label("Etat", exact=True).select_option(label="PST")
    form.get_by_label("Navngitt medlem (valgfritt)").select_option(label="Pia Demo (PST)")
    click_and_wait(page, form.get_by_role("button", name="Legg til i nettverket"))
    expect(page.locator(".tn-messages")).to_contain_text("PST er lagt til i nettverket")
    pst_row = page.get_by_role("row").filter(has_text="Pia Demo (PST)")
    expect(pst_row).to_have_count(1)

    # And remove it again, after a confirmation (issue 21 item 10).
    click_and_wait(page, pst_row.get_by_role("link", name="Fjern PST"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fjerne PST")
    check_page(page, "member-remove-confirm", directory)
    click_and_wait(page, page.get_by_role("button", name="Fjern fra nettverket"))
    expect(page.locator(".tn-messages")).to_contain_text("PST er fjernet fra nettverket")
    expect(page.get_by_role("row").filter(has_text="Pia Demo (PST)")).to_have_count(0)

    # Confirm the voluntary organisation's membership: the health finding goes away.
    page.goto(network_url)
    members = page.locator("#medlemmer")
    click_and_wait(page, members.get_by_role("button", name="Bekreft Fiktiv idrettsklubb (demo)"))
    expect(page.locator(".tn-messages")).to_contain_text("bekreftet som fortsatt riktig")
    check_page(page, "network-confirmed", directory)
    click_and_wait(page, page.get_by_role("link", name="Nettverkshelse"))
    # The demo's other gaps stay: roles without a deputy (SLT, police, RVTS, child welfare,
    # PST's district contact) and the correctional contact without a holder.
    expect(page.locator(".ds-alert[data-health-summary]")).to_contain_text("6 funn")
    expect(page.locator("[data-finding=unconfirmed_members] li")).to_have_count(0)

    # Create a school contact role, then name its holder through the handover form.
    page.goto(network_url)
    click_and_wait(page, page.get_by_role("link", name="Opprett en rolle"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ny rolle i {MUNICIPAL}")
    check_page(page, "role-create", directory)
    page.get_by_label("Rolle", exact=True).select_option(label="Kontaktperson i skolen")
    page.get_by_label("Etat", exact=True).select_option(label="Drammen videregående skole")
    page.get_by_label("Dekker").select_option(label="Kommune: Drammen")
    page.get_by_label("Telefon").fill("31 00 00 99")
    page.get_by_label("E-post").fill("ikke-en-adresse")
    click_and_wait(page, page.get_by_role("button", name="Opprett rolle"))
    expect(page.locator("#id_email_error")).to_contain_text("gyldig e-postadresse")
    check_page(page, "role-create-error", directory)
    page.get_by_label("E-post").fill("skole@drammen.example")
    click_and_wait(page, page.get_by_role("button", name="Opprett rolle"))
    expect(page.locator(".tn-messages")).to_contain_text("Rollen er opprettet")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontaktperson i skolen")
    expect(page.locator("section[aria-labelledby=role-heading]")).to_contain_text(
        "skole@drammen.example"
    )
