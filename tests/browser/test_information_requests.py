"""A request for information answered by a disclosure (issue 21, item 3; exit step 11):
slt.demo asks the police district about a person on the ground of the person's consent;
politi.demo, whose agency is not on the case's team, finds the request from the start
page, sees the question but not the case, and answers by writing and disclosing an
item; slt.demo then reads the answer. Every new page is checked with axe at desktop
width and at 320 px.

The test registers its own case and consent (the demo's cases are left as they were).
Elements are found by id, name or URL; texts the test writes are fine to look for.
"""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

SLT = "Drammen kommune – SLT"
POLICE = "Sør-Øst politidistrikt"
QUESTION = "Har politiet tidligere registrert kontakt med miljøet (test)?"
ANSWER = "Ja, to samtaler i 2025 om samme miljø (test)."
SUCCESS = ".tn-messages .ds-alert[data-color=success]"

SETUP = f"""
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from tverrnett.agencies.models import Agency
from tverrnett.cases import services as case_services
from tverrnett.cases.models import ConcernCase
from tverrnett.consent import services
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import Role
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
today = timezone.localdate()
drammen = Municipality.objects.get(number="3301")
demo_case = ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)")
slt_agency, police = Agency.objects.get(name={SLT!r}), Agency.objects.get(name={POLICE!r})
case = case_services.register_concern(
    slt, slt_agency, network=demo_case.network, audience="adults", municipality=drammen,
    coordinator_role=Role.objects.get(kind="slt_coordinator", municipality=drammen),
    observation="Bekymring meldt av Nav-veileder (test).", observed_by="Nav-veileder",
    source="other_agency", urgency="soon",
    person={{"name": "Frida Forespørsel (fiktiv)", "birth_year": today.year - 29}},
)
consent = services.prepare_consent(
    slt, case, consenter_name="Frida Forespørsel (fiktiv)", capacity="the_person",
    purpose="Kartlegging før exitsamtalen (test)", categories=["concern", "offences"],
    recipients=[slt_agency, police], starts_on=today,
    ends_on=today + datetime.timedelta(days=90), language="norsk", interpreter_used=False,
)
services.record_consent_answer(
    slt, consent, decision="given", form="oral", oral_recorded_by="SLT (test)",
    oral_record_reference="Samtale (test)",
)
print(json.dumps({{"case": case.pk, "consent": consent.pk, "police": police.pk}}))
"""


@pytest.fixture(scope="module")
def demo(server):
    return shell(server, SETUP)


def test_a_request_for_information_answered_by_a_disclosure(context, session_of, shots, demo):
    case_url = f"/saker/{demo['case']}/"
    deadline = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()

    # slt.demo asks the police from the case's consent page.
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    page.goto(f"{case_url}samtykke/")
    click_and_wait(page, page.locator(f"main a[href='{case_url}foresporsler/ny/']"))
    check_page(page, "ask for information", shots)
    # A deadline in the past is refused with the error summary, and nothing is sent.
    page.locator("#id_recipient").select_option(str(demo["police"]))
    page.locator(f"input[name=ground][value=consent-{demo['consent']}]").check()
    page.locator("#id_question").fill(QUESTION)
    page.locator("#id_deadline").fill("2020-01-01")
    click_and_wait(page, page.locator("main form.tn-form button[type=submit]"))
    expect(page.locator("main [data-error-summary]")).to_be_visible()
    check_page(page, "ask for information with errors", shots)
    page.locator("#id_deadline").fill(deadline)
    click_and_wait(page, page.locator("main form.tn-form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main")).to_contain_text(QUESTION)
    request_url = page.url.split("://", 1)[1].split("/", 1)[1]
    request_url = "/" + request_url
    check_page(page, "request for information, asker", shots)

    # politi.demo: the start page points to the requests; the request, not the case.
    act_as(context, session_of, "politi.demo")
    page = context.new_page()
    page.goto("/")
    click_and_wait(
        page,
        page.locator(
            "section[aria-labelledby=information-requests-heading] a[href='/foresporsler/']"
        ),
    )
    check_page(page, "requests for information, received", shots)
    click_and_wait(page, page.locator(f"main table a[href='{request_url}']"))
    expect(page.locator("main")).to_contain_text(QUESTION)
    expect(page.locator(f"main a[href='{case_url}']")).to_have_count(0)
    check_page(page, "request for information, police", shots)
    click_and_wait(page, page.locator(f"main a[href='{request_url}svar/']"))
    check_page(page, "answer a request for information", shots)
    page.locator("#id_text").fill(ANSWER)
    page.locator("#id_category").select_option("offences")
    page.locator("#id_police_verification").select_option("verified")
    click_and_wait(page, page.locator("main form.tn-form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main article")).to_contain_text(ANSWER)
    # The case page still does not exist for the police.
    assert page.goto(case_url).status == 404

    # slt.demo reads the answer on the request and in the case's journal.
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    page.goto(request_url)
    expect(page.locator("main article")).to_contain_text(ANSWER)
    check_page(page, "request for information, answered", shots)
    # The case's consent overview lists it for the asker.
    page.goto(f"{case_url}samtykke/")
    expect(page.locator(f"main a[href='{request_url}']")).to_have_count(1)
    check_page(page, "consent overview with a request", shots)
    page.goto("/foresporsler/?vis=sent&status=all")
    expect(page.locator(f"main table a[href='{request_url}']")).to_have_count(1)
    check_page(page, "requests for information, sent", shots)
