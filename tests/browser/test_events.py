"""Events (competence building): the organiser creates an event and uploads material, a
school employee registers and downloads it, the organiser marks attendance. Every page
is checked with axe."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.pagecheck import check_page, click_and_wait
from tverrnett.core.tests import samples

pytestmark = pytest.mark.browser

DEMO_EVENT = "Fagdag: Forebygging av radikalisering i skolen"
# A complete one-page PDF: the upload check reads its text, so it must be readable.
TINY_PDF = samples.pdf_bytes("Program for fagdagen")


def test_an_event_from_creation_to_attendance(
    context, page, server, logged_in_state, shots, tmp_path
):
    title = f"Kurs i samtalemetodikk {os.getpid()}"

    # rvts.demo (RVTS Sør, a member of the regional network) sees the demo event and creates one.
    context.add_cookies(logged_in_state["cookies"])
    page.goto("/arrangementer/")
    expect(page.get_by_role("link", name=DEMO_EVENT)).to_be_visible()
    check_page(page, "list", shots)

    page.get_by_role("link", name="Nytt arrangement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt arrangement")
    click_and_wait(page, page.get_by_role("button", name="Opprett arrangementet"))
    expect(page.locator("#id_title")).to_have_attribute("aria-invalid", "true")
    check_page(page, "create-with-errors", shots)

    starts = timezone.localtime() + timedelta(days=14)
    page.locator("#id_network").select_option(label="Regionalt nettverk Sør-Øst")
    page.locator("#id_title").fill(title)
    page.locator("#id_description").fill("Praktisk trening i samtaler om bekymring.")
    page.locator("#id_starts_at").fill(starts.strftime("%Y-%m-%dT09:00"))
    page.locator("#id_ends_at").fill(starts.strftime("%Y-%m-%dT12:00"))
    page.locator("#id_online_url").fill("https://møte.example/samtalemetodikk")
    page.locator("#id_capacity").fill("2")
    click_and_wait(page, page.get_by_role("button", name="Opprett arrangementet"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    event_url = page.url
    check_page(page, "detail-organiser", shots)

    page.get_by_role("link", name="Last opp materiell").click()
    check_page(page, "upload", shots)
    bad = tmp_path / "program.pdf"
    bad.write_bytes(b"<html>ikke en pdf</html>")
    page.locator("#id_file").set_input_files(str(bad))
    click_and_wait(page, page.get_by_role("button", name="Last opp", exact=True))
    expect(page.locator("#id_file_error")).to_contain_text("stemmer ikke med navnet")
    check_page(page, "upload-refused", shots)
    good = tmp_path / "Program samtalemetodikk.pdf"
    good.write_bytes(TINY_PDF)
    page.locator("#id_file").set_input_files(str(good))
    click_and_wait(page, page.get_by_role("button", name="Last opp", exact=True))
    expect(page).to_have_url(event_url)
    expect(page.get_by_role("link", name="Program samtalemetodikk.pdf")).to_be_visible()

    # skole.demo (a school in the municipal network below) registers and downloads.
    context.clear_cookies()
    log_in(page, server, "skole.demo")
    page.goto("/arrangementer/")
    page.get_by_role("searchbox", name="Søk").fill("samtalemetodikk")
    click_and_wait(page, page.get_by_role("button", name="Søk", exact=True))
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("link", name="Last opp materiell")).to_have_count(0)
    click_and_wait(page, page.get_by_role("button", name="Meld meg på"))
    expect(page.locator(".tn-messages")).to_contain_text("Du er påmeldt arrangementet.")
    expect(page.get_by_role("link", name="Meld meg av")).to_be_visible()
    check_page(page, "detail-registered", shots)
    with page.expect_download() as download:
        page.get_by_role("link", name="Program samtalemetodikk.pdf").click()
    assert download.value.suggested_filename == "Program samtalemetodikk.pdf"
    assert Path(download.value.path()).read_bytes() == TINY_PDF
    # The participants page is the organiser's only.
    assert page.goto(event_url + "deltakere/").status == 404

    # rvts.demo marks attendance.
    context.clear_cookies()
    context.add_cookies(logged_in_state["cookies"])
    page.goto(event_url + "deltakere/")
    select = page.get_by_label("Oppmøte for Sara Demo (skole)")
    check_page(page, "participants", shots)
    select.select_option(label="Deltok")
    click_and_wait(page, page.get_by_role("button", name="Lagre oppmøte"))
    expect(page.locator(".tn-messages")).to_contain_text("Oppmøtet er lagret.")
    expect(page.get_by_label("Oppmøte for Sara Demo (skole)")).to_have_value("yes")
    expect(page.get_by_text("Deltok: 1.")).to_be_visible()
    check_page(page, "participants-saved", shots)
