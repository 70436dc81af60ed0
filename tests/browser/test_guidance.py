"""Guidance: slt.demo finds the resource cards from the header, sends a guidance request
to RVTS without identifying anyone, rvts.demo (RVTS Sør) answers it from the inbox, and
slt.demo reads the answer. Every page is checked with axe, at desktop width and at 320 px."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

# The flow is Drammen → RVTS Sør, but rvts_regions.json (unverified for
# Buskerud) routes Drammen to RVTS Øst. Færder (Vestfold) is RVTS Sør in any reading.
MUNICIPALITY = "Færder"
# A valid fødselsnummer (1 January 1990), written with a space as people do.
IDENTITY_NUMBER = "010190 10046"


def test_a_guidance_request_from_sending_to_answer(context, page, server, logged_in_state, shots):
    question = f"Hvordan kommer vi i gang med en bekymringssamtale? ({os.getpid()})"

    # slt.demo: the header link leads to the resource cards.
    log_in(page, server, "slt.demo")
    click_and_wait(page, page.locator("header").get_by_role("link", name="Veiledning"))
    expect(page).to_have_url(server.url("/veiledning/"))
    expect(page.locator('a[href="tel:+4722586000"]').first).to_be_visible()
    expect(page.locator('a[href="mailto:post@rvtsost.no"]').first).to_be_visible()
    expect(page.locator(".ds-tag", has_text="Din region")).to_have_count(1)
    check_page(page, "resources", shots)

    # The form warns, and refuses a question with an identity number in it.
    click_and_wait(page, page.get_by_role("link", name="Send en veiledningsforespørsel"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Send en veiledningsforespørsel")
    expect(page.locator("#id_municipality")).to_have_value("3301")
    check_page(page, "form", shots)
    page.locator("#id_municipality").fill(MUNICIPALITY)
    page.get_by_label("RVTS (det regionale ressurssenteret for kommunen)").check()
    page.locator("#id_topic").select_option("getting_started")
    page.locator("#id_question").fill(f"Gjelder {IDENTITY_NUMBER}. {question}")
    click_and_wait(page, page.get_by_role("button", name="Send forespørselen"))
    expect(page.locator("#id_question_error")).to_contain_text("fødselsnummer eller D-nummer")
    expect(page.locator("#id_question")).to_have_attribute("aria-invalid", "true")
    check_page(page, "form-error", shots)

    page.locator("#id_question").fill(question)
    click_and_wait(page, page.get_by_role("button", name="Send forespørselen"))
    expect(page.locator(".tn-messages")).to_contain_text("RVTS Sør")
    expect(page.get_by_text(question)).to_be_visible()
    check_page(page, "detail-sent", shots)
    detail_path = page.url.removeprefix(server.base_url)

    page.goto("/veiledning/mine/")
    expect(page.get_by_role("row").filter(has_text="Åpen").first).to_be_visible()
    check_page(page, "mine", shots)
    slt_cookies = context.cookies()

    # rvts.demo (RVTS Sør) finds it in the inbox and answers.
    context.clear_cookies()
    context.add_cookies(logged_in_state["cookies"])
    page.goto("/veiledning/innboks/")
    link = page.get_by_role("link", name="Komme i gang med en bekymring").first
    expect(link).to_be_visible()
    check_page(page, "inbox", shots)
    page.goto(detail_path)
    expect(page.get_by_text(question)).to_be_visible()
    check_page(page, "detail-answer-form", shots)
    page.locator("#id_answer").fill("Ring oss gjerne, så går vi gjennom samtalen sammen.")
    click_and_wait(page, page.get_by_role("button", name="Send svaret"))
    expect(page.locator(".tn-messages")).to_contain_text("Svaret er sendt")

    # slt.demo reads the answer.
    context.clear_cookies()
    context.add_cookies(slt_cookies)
    page.goto(detail_path)
    expect(page.get_by_text("Ring oss gjerne, så går vi gjennom samtalen sammen.")).to_be_visible()
    expect(page.locator(".ds-tag", has_text="Besvart")).to_be_visible()
    check_page(page, "detail-answered", shots)
