"""Undo a removal (issue 21 item 10): slt.demo removes a team agency from the demo young
person's case, sees "Fjernet … Angre" at the top of the case page (checked with axe at
desktop width and at 320 px), undoes it, and the agency is back on the team exactly as
it was (same row, contact and lead flag).

The demo is left as it was: the undo puts back the very row that was removed. The case's
timeline keeps the two events (removed, put back), as it would for any user.
"""

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

PERSON = "Demo Demosen (fiktiv)"
TEAM = "section[aria-labelledby=team-heading]"
UNDO = "main .tn-undo"

TEAM_ROW = f"""
import json
from tverrnett.cases.models import ConcernCase
case = ConcernCase.objects.get(subject__name={PERSON!r})
member = (
    case.team.filter(has_lead=False)
    .exclude(agency_id=case.coordinator_role.agency_id)
    .select_related("agency")
    .order_by("agency__name")
    .first()
)
print(json.dumps({{
    "case": case.pk,
    "row": None if member is None else [
        member.pk, member.agency.name, member.contact_name, member.contact_phone,
        member.contact_email, member.asked_for, member.has_lead, member.added_at.isoformat(),
    ],
}}))
"""


def _team(server):
    return shell(server, TEAM_ROW)


def test_slt_removes_a_team_member_and_undoes_it(page, server, shots):
    before = _team(server)
    assert before["row"] is not None, "the demo case needs a team agency that can be removed"
    agency = before["row"][1]
    log_in(page, server, "slt.demo")
    page.goto(f"/saker/{before['case']}/")
    row = page.locator(f"{TEAM} tbody tr", has_text=agency)
    click_and_wait(page, row.get_by_role("button", name=f"Fjern {agency}"))

    expect(page.locator(f"{TEAM} tbody tr", has_text=agency)).to_have_count(0)
    message = page.locator(UNDO)
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"Fjernet {agency}")
    check_page(page, "case page with an undo", shots)

    page.set_viewport_size({"width": 1280, "height": 900})
    click_and_wait(page, message.get_by_role("button", name="Angre"))
    expect(page.locator(UNDO)).to_have_count(0)
    expect(page.locator(".tn-messages .ds-alert[data-color=success]")).to_contain_text(agency)
    expect(page.locator(f"{TEAM} tbody tr", has_text=agency)).to_have_count(1)
    assert json.dumps(_team(server)) == json.dumps(before)
