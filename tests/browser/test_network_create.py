"""Creating a case forum and a child network: slt.demo, administrator of the Drammen
network, creates a forum with a unique name and edits it, and (given the administrator
role of the regional network for this test) creates a network below the regional one.
Both new forms are checked with axe.

Everything created is removed at the end (in `finally`), so the demo's deliberate
gaps stay as tests/browser/test_networks.py expects them.
"""

import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait
from tests.browser.test_networks import MUNICIPAL
from tverrnett.networks.demo import REGIONAL

pytestmark = pytest.mark.browser

SUFFIX = uuid.uuid4().hex[:6]
FORUM = f"Testforum {SUFFIX}"
CHILD = f"Testnettverk {SUFFIX}"

SETUP = f"""
from django.contrib.auth import get_user_model
from tverrnett.agencies.models import Agency
from tverrnett.networks.models import Network, Role
Role.objects.create(
    kind="network_administrator",
    agency=Agency.objects.get(name="Drammen kommune – SLT"),
    network=Network.objects.get(name={REGIONAL!r}),
    holder=get_user_model().objects.get(username="slt.demo"),
    phone="00 00 00 {SUFFIX[:2]}",
)
"""

RESTORE = f"""
from tverrnett.networks.models import Forum, Network, NetworkMember, Role
Forum.objects.filter(name__startswith={FORUM!r}).delete()
for network in Network.objects.filter(name={CHILD!r}):
    Role.objects.filter(network=network).delete()
    NetworkMember.objects.filter(network=network).delete()
    network.delete()
Role.objects.filter(
    kind="network_administrator", network__name={REGIONAL!r}, phone="00 00 00 {SUFFIX[:2]}"
).delete()
"""


def test_the_administrator_creates_a_forum_and_a_child_network(page, server, shots):
    server.manage("shell", "--no-imports", "-c", SETUP)
    log_in(page, server, "slt.demo")
    try:
        _create(page, shots)
    finally:
        server.manage("shell", "--no-imports", "-c", RESTORE)


def _create(page, directory):
    page.goto("/nettverk/")
    click_and_wait(page, page.get_by_role("link", name=MUNICIPAL))
    network_url = page.url

    # A new case forum; a missing audience is refused first.
    click_and_wait(page, page.get_by_role("link", name="Nytt samarbeidsforum"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nytt samarbeidsforum i {MUNICIPAL}")
    check_page(page, "forum-create", directory)
    page.get_by_label("Navn", exact=True).fill(FORUM)
    click_and_wait(page, page.get_by_role("button", name="Lagre"))
    expect(page.locator("#id_audience_error")).to_contain_text("Velg hvem forumet er for")
    check_page(page, "forum-create-error", directory)
    page.get_by_label("For", exact=True).select_option(label="Voksne")
    page.get_by_label("Drammen kommune – SLT").check()
    click_and_wait(page, page.get_by_role("button", name="Lagre"))
    expect(page.locator(".tn-messages")).to_contain_text("Samarbeidsforumet er lagret")
    expect(page.locator("#forum")).to_contain_text(FORUM)

    # Edit it.
    click_and_wait(page, page.get_by_role("link", name=f"Endre {FORUM}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Endre {FORUM}")
    check_page(page, "forum-edit", directory)
    page.get_by_label("Møterytme").fill("Hver torsdag")
    click_and_wait(page, page.get_by_role("button", name="Lagre"))
    expect(page.locator("#forum")).to_contain_text("Hver torsdag")

    # A network below the regional one.
    page.goto("/nettverk/")
    click_and_wait(page, page.get_by_role("link", name=REGIONAL))
    click_and_wait(page, page.get_by_role("link", name="Nytt undernettverk"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nytt nettverk under {REGIONAL}")
    check_page(page, "network-create", directory)
    page.get_by_label("Navn", exact=True).fill(CHILD)
    page.get_by_label("Nivå").select_option(label="Kommunalt")
    page.get_by_label("Kommuner").select_option(label="3301 Drammen")
    click_and_wait(page, page.get_by_role("button", name="Opprett nettverk"))
    expect(page.locator(".tn-messages")).to_contain_text("Du er nettverksadministrator")
    expect(page.get_by_role("heading", level=1)).to_have_text(CHILD)
    expect(page.get_by_role("link", name="Nettverkshelse")).to_be_visible()
    assert page.url != network_url
