"""A forum meeting from agenda to minutes and tasks (issue 21, item 2): slt.demo, holder
of Drammen's SLT coordinator role, plans a meeting of the youth forum from the network
page, puts the demo case on the agenda, writes the minutes and records a decision. The
minutes show in the case's journal, the decision in the task inbox, and the printed
agenda names no person. Every meeting page passes axe at 1280 and 375 px and does not
scroll sideways at 320 px.

Elements are found by id, name or URL; the demo's own texts are fine to look for.
"""

import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

SUCCESS = ".tn-messages .ds-alert[data-color=success]"
MINUTES = "Forumet ble enige om å tilby samtale med helsesykepleier (demo)."
DECISION = "Tilby samtale med helsesykepleier (forummøte)"
PERSON = "Demo Demosen"

SCENE = """
import json
from tverrnett.cases.models import ConcernCase
from tverrnett.networks.models import Forum
forum = Forum.objects.get(network__name="SLT-nettverket i Drammen", name="Samarbeidsforum for unge")
case = ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)")
print(json.dumps({"network": forum.network_id, "forum": forum.pk, "case": case.pk,
                  "reference": case.reference}))
"""


def test_a_forum_meeting_from_agenda_to_minutes_and_tasks(context, session_of, server, shots):
    scene = shell(server, SCENE)
    act_as(context, session_of, "slt.demo")
    page = context.new_page()

    # The network page lists the forum's meetings (the demo meeting) and "Nytt møte".
    page.goto(f"/nettverk/{scene['network']}/")
    expect(page.locator("#forum a[href^='/moter/']").first).to_be_visible()
    check_page(page, "network page with meetings", shots)
    click_and_wait(page, page.locator(f"a[href='/moter/forum/{scene['forum']}/nytt/']"))
    check_page(page, "new meeting", shots)
    day = datetime.date.today() + datetime.timedelta(days=30)
    page.fill("input[name=starts_at]", f"{day.isoformat()}T09:30")
    page.fill("input[name=place]", "Drammen rådhus, møterom 4 (fiktivt)")
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    meeting_url = page.url
    check_page(page, "meeting without agenda", shots)

    # The agenda: the demo case by its reference.
    click_and_wait(page, page.locator("main a[href$='/saksliste/ny/']"))
    check_page(page, "put a case on the agenda", shots)
    page.fill("input[name=reference]", scene["reference"])
    page.fill("input[name=note]", "Status og videre tiltak")
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("ol.tn-agenda > li")).to_have_count(1)
    expect(page.locator("ol.tn-agenda")).to_contain_text(scene["reference"])
    expect(page.locator("main")).not_to_contain_text(PERSON)
    check_page(page, "meeting with agenda", shots)

    # The minutes: a journal entry on the case.
    click_and_wait(page, page.locator("ol.tn-agenda a[href$='/referat/']"))
    check_page(page, "write the minutes", shots)
    page.fill("textarea[name=text]", MINUTES)
    page.select_option("select[name=category]", "concern")
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("ol.tn-agenda")).to_contain_text("Drammen kommune – SLT")

    # The decision: a task on the case for the SLT's coordinator role.
    click_and_wait(page, page.locator("ol.tn-agenda a[href$='/vedtak/']"))
    check_page(page, "record a decision", shots)
    page.fill("input[name=title]", DECISION)
    page.select_option("select[name=owner_agency]", label="Drammen kommune – SLT")
    page.fill("input[name=owner_name]", "SLT-koordinator (demo)")
    page.fill("input[name=deadline]", (day + datetime.timedelta(days=14)).isoformat())
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("ol.tn-agenda")).to_contain_text(DECISION)
    check_page(page, "meeting with minutes and decision", shots)

    # Attendance and status.
    click_and_wait(page, page.locator("main a[href$='/endre/']"))
    check_page(page, "edit the meeting", shots)
    page.locator("input[name=attended]").first.check()
    page.locator("input[name=status][value=held]").check()
    click_and_wait(page, page.locator("main form button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()

    # The printed agenda: references and labels, no person.
    click_and_wait(page, page.locator("main a[href$='/saksliste/utskrift/']"))
    expect(page.locator("main")).to_contain_text("offl. § 13")
    expect(page.locator("main")).to_contain_text(scene["reference"])
    expect(page.locator("main")).not_to_contain_text(PERSON)
    check_page(page, "printed agenda", shots)

    # The minutes in the case's journal, the decision in the task inbox.
    page.goto(f"/saker/{scene['case']}/")
    expect(page.locator("main")).to_contain_text(MINUTES)
    page.goto("/oppgaver/")
    expect(page.locator("main")).to_contain_text(DECISION)
    page.goto(meeting_url)
    expect(page.locator("ol.tn-agenda")).to_contain_text(scene["reference"])
