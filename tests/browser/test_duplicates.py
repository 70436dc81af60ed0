"""Duplicates without leaks: nav.demo registers a concern about a person in a case Nav
Drammen cannot see; nothing on its pages says so. The case's coordinator (slt.demo) finds
the notice on the start page and merges the new case into hers; the merged case's address
leads to the survivor. Every new page is checked with axe, at desktop width and at 320 px.

The case the intake matches is made for this module (a fictitious person of its own), so
the demo cases other modules use stay as they were.
"""

import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

PERSON = "Duplikat Dobbeltsen (fiktiv)"
CASE_URL = re.compile(r"/saker/\d+/$")
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
EXISTING_CASE = f"""
import json
from django.contrib.auth import get_user_model
from tverrnett.agencies.models import Agency
from tverrnett.cases import services
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import ForumAudience, Network, Role
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True  # acting for the demo user, as seed_demo does
drammen = Municipality.objects.get(number="3301")
role = Role.objects.get(kind="slt_coordinator", municipality=drammen)
network = Network.objects.filter(level="municipal", municipalities=drammen).first()
case = services.register_concern(
    slt, Agency.objects.get(name="Drammen kommune – SLT"), network=network,
    audience=ForumAudience.ADULTS, municipality=drammen, coordinator_role=role,
    observation="Bekymring meldt av fastlege.", source="other_agency", urgency="routine",
    person={{"name": {PERSON!r}, "birth_year": {datetime.date.today().year - 30}}},
)
print(json.dumps({{"case": case.pk, "reference": case.reference, "network": network.pk,
    "municipality": drammen.pk, "slt_role": role.pk}}))
"""


@pytest.fixture(scope="module")
def existing(server):
    return shell(server, EXISTING_CASE)


def _register(page, existing, name):
    page.goto("/saker/ny/identifisert/")
    page.locator("#id_network").select_option(str(existing["network"]))
    page.locator("#id_municipality").select_option(str(existing["municipality"]))
    page.locator("#id_coordinator_role").select_option(str(existing["slt_role"]))
    page.locator("input[name=audience][value=adults]").check()
    page.locator("#id_observation").fill("Har uttrykt støtte til vold overfor veileder.")
    page.locator("#id_source").select_option("own_observation")
    page.locator("input[name=urgency][value=routine]").check()
    page.locator("#id_name").fill(name)
    page.locator("#id_birth_year").fill(str(datetime.date.today().year - 30))
    submit(page)
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(SUCCESS)).to_be_visible()
    return int(page.url.rstrip("/").split("/")[-1])


def test_a_matching_intake_tells_the_coordinator_who_merges(
    context, page, server, session_of, existing, shots
):
    act_as(context, session_of, "nav.demo")
    new_pk = _register(page, existing, PERSON)
    # Nothing on Nav's pages tells of the other case.
    expect(page.locator("main")).not_to_contain_text(existing["reference"])
    page.goto("/")
    expect(page.locator("#duplicates-heading")).to_have_count(0)

    act_as(context, session_of, "slt.demo")
    page.goto("/")
    expect(page.locator("#duplicates-heading")).to_be_visible()
    check_page(page, "duplicates-start-page", shots)
    click_and_wait(page, page.locator("section[aria-labelledby=duplicates-heading] a").first)
    expect(page.locator("main")).to_contain_text(existing["reference"])
    # No person data on the notice.
    expect(page.locator("main")).not_to_contain_text(PERSON)
    check_page(page, "duplicates-notice", shots)
    notice_path = page.url.removeprefix(server.base_url)

    click_and_wait(page, page.locator(f'form[action="{notice_path}sla-sammen/"] button'))
    expect(page).to_have_url(server.url(f"/saker/{existing['case']}/"))
    expect(page.locator(SUCCESS)).to_be_visible()
    check_page(page, "duplicates-survivor", shots)

    # The merged case's address leads to the survivor, for Nav Drammen too (it joined).
    page.goto(f"/saker/{new_pk}/")
    expect(page).to_have_url(server.url(f"/saker/{existing['case']}/"))
    act_as(context, session_of, "nav.demo")
    page.goto(f"/saker/{new_pk}/")
    expect(page).to_have_url(server.url(f"/saker/{existing['case']}/"))
    # The notice is dealt with: its page is gone.
    response = page.goto(notice_path)
    assert response.status == 404
