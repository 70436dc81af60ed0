"""The records officer's pages (issue 20): arkiv.demo, the records officer of Drammen
kommune – SLT, opens Arkiv from the menu, finds a case due for deletion (one of the
demo's cases, closed ten years ago for this test and put back afterwards), places a
legal hold on it (a Norwegian error without a reason, then with one), and looks at the
retention schedule and the archival packages. Every page is checked with axe, at
desktop width and at 320 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

SLT = "Drammen kommune – SLT"
REASON = "Tilsyn fra Statsforvalteren varslet."


@pytest.fixture(scope="module")
def due_case(server):
    """One of the SLT's demo cases, closed ten years ago and on the list of cases due."""
    found = shell(
        server,
        "import datetime, json\n"
        "from django.utils import timezone\n"
        "from tverrnett.cases.models import CaseState, ConcernCase\n"
        "from tverrnett.records import services\n"
        "case = ConcernCase.objects.filter(is_anonymous=False,"
        f" coordinator_role__agency__name={SLT!r}).exclude(state=CaseState.CLOSED)"
        ".order_by('-pk').last()\n"
        "before = {'state': case.state, 'closed_at': case.closed_at and"
        " case.closed_at.isoformat(), 'review_on': case.review_on and"
        " case.review_on.isoformat()}\n"
        "long_ago = timezone.now() - datetime.timedelta(days=3660)\n"
        "ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED,"
        " closed_at=long_ago, review_on=None)\n"
        "services.preview_due()\n"
        "print(json.dumps({'pk': case.pk, 'reference': case.reference, 'before': before,"
        " 'entry': case.retention.pk}))\n",
    )
    yield found
    # Put the case back as the other tests expect it.
    shell(
        server,
        "import json\n"
        "from django.utils.dateparse import parse_date, parse_datetime\n"
        "from tverrnett.cases.models import ConcernCase\n"
        "from tverrnett.records.models import CaseRetention, LegalHold\n"
        f"before = {found['before']!r}\n"
        f"LegalHold.objects.filter(case_id={found['pk']}).delete()\n"
        f"CaseRetention.objects.filter(case_id={found['pk']}).delete()\n"
        f"ConcernCase.objects.filter(pk={found['pk']}).update(state=before['state'],"
        " closed_at=before['closed_at'] and parse_datetime(before['closed_at']),"
        " review_on=before['review_on'] and parse_date(before['review_on']))\n"
        "print(json.dumps(True))\n",
    )


def test_the_records_officer_places_a_legal_hold(page, server, due_case, shots):
    log_in(page, server, "arkiv.demo")
    click_and_wait(page, page.locator(".tn-nav").get_by_role("link", name="Arkiv"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Saker som skal slettes, {SLT}")
    row = page.locator(f"main tr[data-entry='{due_case['entry']}']")
    expect(row).to_contain_text(due_case["reference"])
    expect(row).to_contain_text("Venter på arkivering: eksport og kvittering")
    expect(page.get_by_role("button", name="Eksporter som arkivpakke")).to_be_visible()
    expect(page.locator(".ds-alert[data-awaiting-rules]")).to_contain_text(
        "venter på bekreftelse fra behandlingsansvarlig"
    )
    check_page(page, "records-due", shots)

    click_and_wait(page, row.get_by_role("link", name="Legg rettslig tilbakeholdelse"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Legg rettslig tilbakeholdelse på {due_case['reference']}"
    )
    submit(page)
    expect(page.locator("#id_reason")).to_have_attribute("aria-invalid", "true")
    # The field's own message (the error summary at the top repeats it as a link).
    field_message = page.locator(
        '[data-field="validation"]', has_text="Skriv hvorfor saken holdes tilbake."
    )
    expect(field_message).to_be_visible()
    check_page(page, "records-hold-error", shots)

    page.locator("#id_reason").fill(REASON)
    submit(page)
    expect(page.locator(".tn-messages [role=status]")).to_contain_text(
        "Den rettslige tilbakeholdelsen er lagt."
    )
    row = page.locator(f"main tr[data-entry='{due_case['entry']}']")
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text("Rettslig tilbakeholdelse")
    expect(row.get_by_role("link", name="Opphev tilbakeholdelsen")).to_be_visible()
    check_page(page, "records-due-held", shots)


def test_the_records_officer_reads_the_schedule_and_the_packages(page, server, shots):
    log_in(page, server, "arkiv.demo")
    page.goto("/arkiv/bevaringsplan/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevaringsplan")
    exit_rule = page.locator("main tr[data-rule='exit_case']")
    expect(exit_rule).to_contain_text("5 år")
    expect(exit_rule).to_contain_text("Venter på bekreftelse fra behandlingsansvarlig")
    check_page(page, "records-schedule", shots)

    click_and_wait(page, page.locator(".tn-records-nav").get_by_role("link", name="Arkivpakker"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Arkivpakker, {SLT}")
    check_page(page, "records-packages", shots)

    click_and_wait(page, page.locator(".tn-records-nav").get_by_role("link", name="Slettede saker"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Slettede saker, {SLT}")
    check_page(page, "records-deleted", shots)
