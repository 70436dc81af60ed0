"""The error summary and the character counter in a browser (issue 21, item 9), on the
form for an anonymous discussion as slt.demo. Every submit is refused, so the demo is
left as it was."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

SUMMARY = "main [data-error-summary]"


def test_the_error_summary_gets_focus_and_its_links_lead_to_the_fields(page, server, shots):
    log_in(page, server, "slt.demo")
    page.goto(server.url("/saker/ny/anonym/"))
    observation = page.locator("#id_observation")
    counter = page.locator("#id_observation_counter")
    limit = int(counter.get_attribute("data-limit"))
    expect(page.locator(SUMMARY)).to_have_count(0)
    expect(counter).to_have_text(f"{limit} tegn igjen")

    # The counter follows the typing.
    observation.press_sequentially("Hei")
    expect(counter).to_have_text(f"{limit - 3} tegn igjen")
    observation.fill("")
    expect(counter).to_have_text(f"{limit} tegn igjen")

    # An empty observation, a date before 1900 and no source: refused, all at once.
    page.locator("#id_observed_on").fill("1850-05-01")
    page.locator("#id_source").select_option("")
    click_and_wait(page, page.locator("main form button[type=submit]"))

    summary = page.locator(SUMMARY)
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("For å gå videre må du rette opp dette:")
    expect(summary.locator('a[href="#id_observation"]')).to_be_visible()
    expect(summary.locator('a[href="#id_source"]')).to_be_visible()
    expect(summary.locator('a[href="#id_observed_on"]')).to_contain_text("før 1900")
    check_page(page, "error-summary", shots)

    summary.locator('a[href="#id_observed_on"]').click()
    expect(page.locator("#id_observed_on")).to_be_focused()
    summary.locator('a[href="#id_observation"]').click()
    expect(observation).to_be_focused()
    observation.press_sequentially("Ok")
    expect(counter).to_have_text(f"{limit - 2} tegn igjen")
