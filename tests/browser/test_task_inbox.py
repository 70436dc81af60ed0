"""The agency task inbox (issue 21, item 4): slt.demo opens "Oppgaver" from the main menu,
sees the SLT's demo task (overdue, on the SLT coordinator role), gives it to a colleague
in Drammen kommune – SLT (leder.demo), sees the colleague named on the inbox and on the
case page, and gives it back to nobody in particular, so the demo stays as it was. The
inbox passes axe at desktop width and at 320 px.

Elements are found by id, name or URL; the demo's own texts (task title, names) are fine
to look for.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

TASK = "Avklare med politiets radikaliseringskontakt"
COLLEAGUE = "Lars Demo (leder)"
SUCCESS = ".tn-messages .ds-alert[data-color=success]"


def _row(page):
    return page.locator("main table tbody tr", has_text=TASK)


def _give(page, label):
    row = _row(page)
    row.locator("select[name=assignee]").select_option(label=label)
    click_and_wait(page, row.locator("button[type=submit]"))
    expect(page.locator(SUCCESS)).to_be_visible()


def test_the_task_inbox_and_giving_a_task_to_a_colleague(context, session_of, shots):
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    page.goto("/")
    click_and_wait(page, page.locator("nav.tn-nav a[href='/oppgaver/']"))
    expect(page.locator("nav.tn-nav a[href='/oppgaver/']")).to_have_attribute(
        "aria-current", "page"
    )
    expect(_row(page)).to_have_count(1)
    check_page(page, "task inbox", shots)

    _give(page, COLLEAGUE)
    expect(_row(page).locator("select[name=assignee] option:checked")).to_have_text(COLLEAGUE)
    check_page(page, "task inbox after giving a task", shots)

    # The case page's task list names the colleague too.
    click_and_wait(page, _row(page).locator("a[href^='/saker/']"))
    expect(
        page.locator("section[aria-labelledby=tasks-heading] tr", has_text=TASK)
    ).to_contain_text("Lars Demo")

    # "Given to me" is the colleague's view; for slt.demo it is empty.
    page.goto("/oppgaver/?whose=mine")
    expect(_row(page)).to_have_count(0)

    # Back as it was: nobody in particular.
    page.goto("/oppgaver/")
    _give(page, "Ingen bestemt")
    expect(_row(page).locator("select[name=assignee]")).to_have_value("")
