"""Log review (L45): personvern.demo, the privacy officer of Drammen kommune – SLT, opens
the review page, finds slt.demo's identity-number reveal and plan PDF flagged and an
ordinary read in the month's sample, tries to mark one reviewed without a note (a
Norwegian error), then with one; the list shows it reviewed with the note. Every page
is checked with axe, at desktop width and at 320 px."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

SLT = "Drammen kommune – SLT"
NOTE = "Koordinator forberedte møtet med foresatte; i orden."


@pytest.fixture(scope="module")
def entries(server):
    """Entries by slt.demo acting for the SLT, written as the case pages write them, and
    a monthly sample holding an ordinary read."""
    return shell(
        server,
        "import json\n"
        "from django.contrib.auth import get_user_model\n"
        "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.audit.services import record\n"
        "from tverrnett.cases.models import ConcernCase\n"
        "import tverrnett.cases.services\n"
        "user = get_user_model().objects.get(username='slt.demo')\n"
        f"agency = Agency.objects.get(name='{SLT}')\n"
        "case = ConcernCase.objects.filter(is_anonymous=False,"
        " coordinator_role__agency=agency).first()\n"
        "revealed = record('case.identity_number_revealed', actor=user, agency=agency,"
        " target=case, detail={'person': case.subject_id})\n"
        "pdf = record('case.viewed', actor=user, agency=agency, target=case,"
        " detail={'parts': ['overview', 'pdf'], 'path': 'coordinator', 'role':"
        " 'slt_coordinator', 'person': case.subject_id})\n"
        "ordinary = record('case.viewed', actor=user, agency=agency, target=case,"
        " detail={'parts': ['summary'], 'path': 'coordinator', 'role': 'slt_coordinator',"
        " 'person': case.subject_id})\n"
        "from django.utils import timezone\n"
        "from tverrnett.logreview.models import MonthlySample\n"
        "month = timezone.localdate().replace(day=1)  # the read's own month, as drawn\n"
        "MonthlySample.objects.create(agency=agency, month=month, entry_ids=[ordinary.pk],"
        " population=1)\n"
        "from django.conf import settings\n"
        "from tverrnett.logreview.rules import Settings, outside_hours\n"
        "config = Settings.from_dict(settings.LOG_REVIEW)\n"
        "print(json.dumps({'case': case.reference, 'revealed': revealed.pk, 'pdf': pdf.pk,"
        " 'ordinary': ordinary.pk,"
        " 'outside_hours': outside_hours(revealed.created_at, config)}))\n",
    )


def tags(entries, *flags):
    """The flags a row shows: the entries were written now, and a run outside working
    hours (Oslo time) flags them for that too, before the others."""
    return (["Utenfor arbeidstid"] if entries["outside_hours"] else []) + list(flags)


def row_of(page, entry_id):
    return page.locator("main tr", has=page.locator(f"a[href^='/logg/gjennomgang/{entry_id}/']"))


def test_the_privacy_officer_reviews_a_flagged_entry(page, server, entries, shots):
    log_in(page, server, "personvern.demo")
    click_and_wait(page, page.locator(".tn-nav").get_by_role("link", name="Loggkontroll"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Loggkontroll for {SLT}")
    # Other browser tests may have written entries too: look at this test's rows.
    revealed = row_of(page, entries["revealed"])
    expect(revealed.locator(".ds-tag")).to_have_text(
        tags(entries, "Fødselsnummer vist eller søkt på")
    )
    expect(revealed).to_contain_text(entries["case"])
    expect(row_of(page, entries["pdf"]).locator(".ds-tag")).to_have_text(
        tags(entries, "Eksport eller nedlasting")
    )
    expect(page.locator("#sample-heading")).to_contain_text("Stikkprøve av vanlige oppslag")
    sampled = page.locator("section[aria-labelledby=sample-heading]").locator(
        f"a[href^='/logg/gjennomgang/{entries['ordinary']}/']"
    )
    expect(sampled).to_have_count(1)
    check_page(page, "log-review", shots)

    click_and_wait(page, page.locator(f"a[href^='/logg/gjennomgang/{entries['revealed']}/']"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontroller en loggpost")
    submit(page)
    expect(page.locator("#id_note")).to_have_attribute("aria-invalid", "true")
    # The field's own message (the error summary at the top repeats it as a link).
    field_message = page.locator('[data-field="validation"]', has_text="Skriv hva du fant")
    expect(field_message).to_be_visible()
    check_page(page, "log-review-mark-error", shots)

    page.locator("#id_note").fill(NOTE)
    submit(page)
    expect(page.locator(".tn-messages [role=status]")).to_contain_text(
        "Loggposten er merket som kontrollert."
    )
    expect(page.get_by_text(NOTE).first).to_be_visible()
    check_page(page, "log-review-reviewed", shots)

    # The sampled read. (Its note is optional unless the clock of this run put it outside
    # working hours, which flags it too: so a note is given.)
    click_and_wait(page, sampled)
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontroller en loggpost")
    page.locator("#id_note").fill("Stikkprøve: i orden.")
    submit(page)
    expect(page.locator(".tn-messages [role=status]")).to_contain_text(
        "Loggposten er merket som kontrollert."
    )
    expect(
        page.locator("section[aria-labelledby=sample-heading] .ds-tag", has_text="Kontrollert")
    ).to_be_visible()
