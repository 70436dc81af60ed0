"""Announcements in a real browser: the acceptance line of issue 3 (N6), posting, and axe
on every announcement page.

"An announcement in the national network is unread for a member of a municipal
network until opened; the read receipt then shows." Since issue 16 (no GET changes
state) the reader marks it read with a button; opening it changes nothing. The demo has one such
announcement, by pst.demo (PST is a member of the national network); skole.demo's
school is a member of the municipal network in Drammen, two levels below.

Each test logs in users no other test here uses (django-otp accepts a code once).
Set ANNOUNCEMENT_SCREENSHOTS to a folder to keep a screenshot of each page.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, submit
from tests.browser.pagecheck import check_page

pytestmark = pytest.mark.browser

DEMO_TITLE = "Ny veileder om bekymringssamtaler"


def unread_section(page):
    return page.locator("section[aria-labelledby=unread-announcements-heading]")


def test_a_national_announcement_is_unread_for_a_municipal_member_until_marked_read(
    page, server, shots
):
    log_in(page, server, "skole.demo")
    unread = unread_section(page)
    expect(unread.get_by_role("link", name=DEMO_TITLE)).to_be_visible()
    expect(unread.locator(".ds-tag", has_text="Ulest").first).to_be_visible()
    check_page(page, "start-page-unread", shots)

    page.goto("/kunngjoringer/")
    row = page.locator("tr", has=page.get_by_role("link", name=DEMO_TITLE))
    expect(row.locator(".ds-tag", has_text="Ulest")).to_be_visible()
    check_page(page, "list", shots)

    row.get_by_role("link", name=DEMO_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(DEMO_TITLE)
    # The reader is no author or administrator: no receipts for them.
    expect(page.get_by_role("link", name="Hvem har lest")).to_have_count(0)
    check_page(page, "detail", shots)
    detail_url = page.url

    # Opening it changed nothing (no GET changes state): still unread.
    page.goto("/")
    expect(unread_section(page).get_by_role("link", name=DEMO_TITLE)).to_be_visible()

    page.goto(detail_url)
    page.get_by_role("button", name="Merk som lest").click()
    expect(page.locator(".tn-messages")).to_contain_text("Merket som lest.")
    expect(page.get_by_role("button", name="Merk som lest")).to_have_count(0)
    expect(page.get_by_text("Du leste denne første gang")).to_be_visible()
    check_page(page, "detail-marked-read", shots)

    page.goto("/")
    expect(unread_section(page).get_by_role("link", name=DEMO_TITLE)).to_have_count(0)
    page.goto("/kunngjoringer/?vis=ulest")
    expect(page.get_by_role("link", name=DEMO_TITLE)).to_have_count(0)

    # The author sees the receipt.
    page.context.clear_cookies()
    log_in(page, server, "pst.demo")
    page.goto("/kunngjoringer/")
    page.get_by_role("link", name=DEMO_TITLE).click()
    page.get_by_role("link", name="Hvem har lest").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lesekvitteringer")
    expect(page.locator("tbody tr", has_text="Sara Demo (skole)")).to_be_visible()
    check_page(page, "receipts-read", shots)

    page.get_by_role("link", name="Ikke lest ennå").click()
    expect(page.locator("tbody tr", has_text="Siri Demo (SLT)")).to_be_visible()
    expect(page.locator("tbody tr", has_text="Sara Demo (skole)")).to_have_count(0)
    check_page(page, "receipts-not-read", shots)


def test_a_line_manager_posts_a_decision_that_reaches_the_municipal_network(page, server, shots):
    log_in(page, server, "leder.demo")
    page.goto("/kunngjoringer/")
    page.get_by_role("link", name="Ny kunngjøring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny kunngjøring")
    check_page(page, "form", shots)

    submit(page)
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_network_error")).to_be_visible()
    check_page(page, "form-errors", shots)

    page.locator("#id_network").select_option(label="Regionalt nettverk Sør-Øst")
    page.get_by_label("Beslutning").check()
    page.locator("#id_title").fill("Felles fagdag i regionen")
    page.locator("#id_body").fill("Fagdagen holdes i Drammen.\n\nMeld dere på innen fredag.")
    submit(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Felles fagdag i regionen")
    expect(page.locator(".tn-messages")).to_contain_text("Kunngjøringen er publisert.")
    check_page(page, "detail-after-publishing", shots)

    page.context.clear_cookies()
    log_in(page, server, "nav.demo")
    new = unread_section(page).get_by_role("link", name="Felles fagdag i regionen")
    expect(new).to_be_visible()
    # nav.demo may not post: no form offered, and 403 when asked for it directly.
    page.goto("/kunngjoringer/")
    expect(page.get_by_role("link", name="Ny kunngjøring")).to_have_count(0)
    assert page.goto("/kunngjoringer/ny/").status == 403
