"""Phones (issue 21 item 13), at 375 px: the main menu folds behind a "Meny" button that
opens it by mouse and keyboard (and shows every link without JS); the main list tables
become stacked cards, each cell with its column's name, with no sideways scrolling.
Long pages (item 12): "På denne siden" on the case page and the exit work page, and a
signed assessment in the journal as a summary with a link.
"""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, act_for_agency, log_in, shell
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
IDS = """
import json
from tverrnett.agencies.models import Agency
from tverrnett.cases.models import ConcernCase
print(json.dumps({
    "case": ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)").pk,
    "child_welfare": Agency.objects.get(name="Drammen kommune – barneverntjenesten").pk,
    "exit": ConcernCase.objects.get(subject__name="Eksempel Exitsen (fiktiv)").pk,
}))
"""


@pytest.fixture(scope="module")
def ids(server):
    return shell(server, IDS)


def test_the_menu_button_opens_the_menu_on_a_phone(page, server, shots):
    log_in(page, server, "slt.demo")
    page.set_viewport_size(PHONE)
    button = page.locator("[data-nav-toggle]")
    links = page.locator("#tn-nav-list")
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "tn-nav-list")
    expect(links).to_be_hidden()
    check_page(page, "phone-menu-closed", shots)

    # The keyboard: Enter opens, Tab reaches the first link, Escape closes.
    page.set_viewport_size(PHONE)
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(links).to_be_visible()
    page.keyboard.press("Tab")
    expect(links.locator("a").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(links).to_be_hidden()
    expect(button).to_be_focused()

    # The mouse: open, and follow a link.
    button.click()
    expect(links).to_be_visible()
    page.screenshot(path=str(shots / "phone-menu-open.png"), full_page=True)
    click_and_wait(page, links.locator('a[href="/oppgaver/"]'))
    expect(page).to_have_url(server.url("/oppgaver/"))

    # On a wide screen the links show and the button does not.
    page.set_viewport_size(DESKTOP)
    expect(button).to_be_hidden()
    expect(links).to_be_visible()


def test_without_javascript_every_link_shows(browser, server, session_of):
    context = browser.new_context(base_url=server.base_url, java_script_enabled=False)
    try:
        context.add_cookies(session_of("slt.demo"))
        page = context.new_page()
        page.set_viewport_size(PHONE)
        page.goto("/")
        expect(page.locator("[data-nav-toggle]")).to_be_hidden()
        expect(page.locator("#tn-nav-list")).to_be_visible()
        expect(page.locator('#tn-nav-list a[href="/saker/"]')).to_be_visible()
    finally:
        context.close()


def assert_stacked(page, name, shots):
    """Each cell of the first stacked table is a block with its column's name before it,
    and the table fits the phone's width."""
    page.set_viewport_size(PHONE)
    table = page.locator("table.tn-stack").first
    expect(table).to_be_visible()
    cells = table.locator("tbody tr").first.locator("[data-label]")
    assert cells.count() >= 2, f"{name}: no labelled cells"
    for index in range(cells.count()):
        cell = cells.nth(index)
        label = cell.get_attribute("data-label")
        assert label, f"{name}: a cell with an empty label"
        shown = cell.evaluate("cell => getComputedStyle(cell, '::before').content")
        expected = json.dumps(label, ensure_ascii=False)
        assert shown == expected, f"{name}: {shown} is shown for {label}"
        assert cell.evaluate("cell => getComputedStyle(cell).display") == "block"
    fits = table.evaluate(
        "table => table.getBoundingClientRect().right <= document.documentElement.clientWidth"
        " && table.scrollWidth <= table.parentElement.clientWidth"
    )
    assert fits, f"{name}: the stacked table is wider than the phone"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name} scrolls sideways by {overflow} px"
    page.screenshot(path=str(shots / f"{name}-stacked.png"), full_page=True)
    check_page(page, name, shots)
    # On a wide screen it is a table again.
    page.set_viewport_size(DESKTOP)
    assert cells.first.evaluate("cell => getComputedStyle(cell).display") == "table-cell"


def test_the_main_lists_are_stacked_cards_on_a_phone(context, session_of, ids, shots):
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    for path, name in (
        ("/saker/", "phone-case-list"),
        ("/oppgaver/", "phone-task-inbox"),
        ("/varsler/", "phone-notices"),
    ):
        page.goto(path)
        assert_stacked(page, name, shots)


def test_the_member_list_is_stacked_cards_on_a_phone(page, server, ids, shots):
    log_in(page, server, "leder.demo")
    act_for_agency(page, "Drammen kommune – barneverntjenesten")
    page.goto(f"/etater/{ids['child_welfare']}/brukere/")
    assert_stacked(page, "phone-members", shots)


def test_the_case_page_has_a_section_menu(context, session_of, ids, shots):
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    page.goto(f"/saker/{ids['case']}/")
    menu = page.get_by_role("navigation", name="På denne siden")
    expect(menu).to_be_visible()
    links = menu.locator("a")
    assert links.count() >= 5
    expect(menu.locator('a[href="#journal-heading"]')).to_be_visible()
    # Wide: open beside the sections, and it stays in view while the page scrolls.
    assert menu.evaluate("nav => getComputedStyle(nav).position") == "sticky"
    menu.locator('a[href="#journal-heading"]').click()
    expect(page.locator("#journal-heading")).to_be_in_viewport()
    expect(menu).to_be_in_viewport()
    check_page(page, "case-section-menu", shots)

    # A phone: folded at the top; it opens, and a link takes the reader there.
    page.set_viewport_size(PHONE)
    page.goto(f"/saker/{ids['case']}/")
    details = menu.locator("details")
    expect(details).not_to_have_attribute("open", "")
    expect(menu.locator('a[href="#tasks-heading"]')).to_be_hidden()
    menu.locator("summary").click()
    expect(menu.locator('a[href="#tasks-heading"]')).to_be_visible()
    page.screenshot(path=str(shots / "case-section-menu-phone-open.png"), full_page=False)
    menu.locator('a[href="#tasks-heading"]').click()
    expect(page.locator("#tasks-heading")).to_be_in_viewport()


def test_the_exit_page_has_a_section_menu_and_the_journal_summarises_assessments(
    context, session_of, ids, shots
):
    act_as(context, session_of, "slt.demo")
    page = context.new_page()
    page.goto(f"/saker/{ids['exit']}/exit/")
    menu = page.get_by_role("navigation", name="På denne siden")
    expect(menu).to_be_visible()
    expect(menu.locator('a[href="#checklist-heading"]')).to_be_visible()
    check_page(page, "exit-section-menu", shots)

    page.goto(f"/saker/{ids['exit']}/")
    journal = page.locator("section[aria-labelledby=journal-heading]")
    summary = journal.locator(".tn-journal-entry", has_text="Risiko- og behovskartlegging").first
    expect(summary).to_contain_text("vurdert")
    # The whole assessment is on its own page, not in the journal.
    expect(journal).not_to_contain_text("Samlet faglig vurdering:")
    link = summary.get_by_role("link", name=re.compile("^Se vurderingen"))
    click_and_wait(page, link)
    expect(page).to_have_url(re.compile(rf"/saker/{ids['exit']}/vurderinger/\d+/$"))
