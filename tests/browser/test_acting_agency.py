"""Access follows the agency the user acts for (issue 16, item 3): leder.demo manages
Drammen kommune – SLT and administers the child welfare service. Acting for SLT they
see the demo case; after switching to child welfare (an administrator's membership,
which does no case work) the case is gone, the same 404 as a missing case; switching
back brings it back, and the read entry names the SLT membership. A school user is not
offered break-glass (item 5). Every page is checked with axe.

Elements are found by id, name, URL or role; agency names are demo data, not
interface texts.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, act_for_agency, shell
from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

SLT = "Drammen kommune – SLT"
CHILD_WELFARE = "Drammen kommune – barneverntjenesten"
IDS = """
import json
from tverrnett.accounts.models import Membership
from tverrnett.cases.models import ConcernCase
print(json.dumps({
    "case": ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)").pk,
    "slt_membership": Membership.objects.get(
        user__username="leder.demo", agency__name="Drammen kommune – SLT"
    ).pk,
}))
"""
LAST_READ = """
import json
from tverrnett.audit.models import AuditEntry
entry = AuditEntry.objects.filter(action="case.viewed", actor_username="leder.demo").latest("id")
print(json.dumps({"target": entry.target_id, "agency": entry.agency_name, **entry.detail}))
"""


@pytest.fixture(scope="module")
def ids(server):
    return shell(server, IDS)


def test_switching_agency_makes_a_case_vanish_and_appear(
    context, page, server, session_of, ids, shots
):
    path = f"/saker/{ids['case']}/"
    act_as(context, session_of, "leder.demo")

    act_for_agency(page, SLT)
    assert page.goto(path).status == 200
    page.goto("/saker/")
    expect(page.locator(f'main a[href="{path}"]')).to_have_count(1)
    check_page(page, "acting-for-slt-case-list", shots)

    act_for_agency(page, CHILD_WELFARE)
    check_page(page, "acting-for-child-welfare-start", shots)
    response = page.goto(path)
    assert response.status == 404
    check_page(page, "acting-for-child-welfare-case-404", shots)
    missing = page.goto("/saker/999999/")
    assert missing.status == 404

    act_for_agency(page, SLT)
    assert page.goto(path).status == 200
    expect(page.locator("main h1")).to_be_visible()
    check_page(page, "acting-for-slt-again-case", shots)
    read = shell(server, LAST_READ)
    assert read["target"] == str(ids["case"])
    assert read["agency"] == SLT
    assert read["membership"] == ids["slt_membership"]
    assert read["path"] == "team"


def test_a_school_is_not_offered_break_glass(context, page, session_of, shots):
    act_as(context, session_of, "skole.demo")
    page.goto("/saker/")
    expect(page.locator('main a[href="/saker/nodtilgang/"]')).to_have_count(0)
    response = page.goto("/saker/nodtilgang/")
    assert response.status == 403
    expect(page.locator("main form")).to_have_count(0)
    check_page(page, "break-glass-refused-for-a-school", shots)
