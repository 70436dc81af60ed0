"""Consent and sharing on a concern case: the legal-basis catalogue and the person's
access report with a redaction; the coordinator prepares a consent, records the answer
and shares under it; a statutory basis refuses to share until its statements are
confirmed, and leaves a review that the SLT's manager completes; a withdrawn consent is
no longer offered; the school sees only what was shared with it; a voluntary
organisation reaches the case only after accepting the confidentiality declaration, and
then sees only the consent and what was shared with it. Every page is checked with axe,
at desktop width and at 320 px.

The interface texts are being translated, so elements are found by id, name, URL or
role, never by their visible text. Texts the test or the demo data writes are fine to
look for.

Each test makes the data it changes (journal entries, consents, a volunteer user), so
the tests do not depend on each other's order. The demo's own consent is never
withdrawn, and nothing is shared with the sports club.
"""

import datetime
import json
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, act_as, log_in, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

DEMO_IDS = """
import json
from tverrnett.agencies.models import Agency
from tverrnett.cases.models import ConcernCase
from tverrnett.consent.models import Consent, LegalBasis
case = ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)")
print(json.dumps({
    "case": case.pk,
    "consent": Consent.objects.filter(case=case).order_by("pk").first().pk,
    "guardian": case.subject.guardians.get(name="Dina Demosen (fiktiv)").pk,
    "school": Agency.objects.get(name="Drammen videregående skole").pk,
    "child_welfare": Agency.objects.get(name="Drammen kommune – barneverntjenesten").pk,
    "basis_13b7": LegalBasis.objects.get(code="fvl-13b-7").pk,
}))
"""
# The acting user, as the demo seeding does: the services act for users who passed both
# factors, and a manage.py shell has no login.
AS_SLT = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from tverrnett.cases.models import ConcernCase
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
today = timezone.localdate()
"""
SLT = "Drammen kommune – SLT"
CHILD_WELFARE = "Drammen kommune – barneverntjenesten"
CLUB = "Fiktiv idrettsklubb (demo)"
SHARED_WITH_SCHOOL = "Drøftet i samarbeidsforum for unge"
DEMO_CONSENT_PURPOSE = "Samordnet oppfølging mellom skole, SLT og idrettslaget"
OBSERVATION = "Foresatte forteller at sønnen har trukket seg unna venner"
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
WARNING = "main .ds-alert[data-color=warning]"


@pytest.fixture(scope="module")
def demo(server):
    """Primary keys of the demo case, its consent and guardian, two agencies and § 13 b nr. 7."""
    return shell(server, DEMO_IDS)


def write_slt_entry(server, case_pk, text, category="concern"):
    """A journal entry by the SLT on the case, as slt.demo; its primary key."""
    return shell(
        server,
        AS_SLT + "from tverrnett.cases import services\n"
        f"case = ConcernCase.objects.get(pk={case_pk})\n"
        "entry = services.write_journal_entry(\n"
        f"    slt, case, text={text!r}, confidentiality='confidential', category={category!r}\n"
        ")\n"
        "print(json.dumps(entry.pk))\n",
    )


def given_consent(server, case_pk, guardian_pk, recipient_pk, purpose):
    """A consent given orally by the guardian, naming one recipient; its primary key."""
    return shell(
        server,
        AS_SLT + "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.cases.models import Guardian\n"
        "from tverrnett.consent import services\n"
        f"case = ConcernCase.objects.get(pk={case_pk})\n"
        "consent = services.prepare_consent(\n"
        "    slt, case, consenter_name='Dina Demosen (fiktiv)', capacity='guardians',\n"
        f"    guardians=[Guardian.objects.get(pk={guardian_pk})],\n"
        "    child_views='Demo synes det er greit.',\n"
        f"    purpose={purpose!r}, categories=['concern'],\n"
        f"    recipients=[Agency.objects.get(pk={recipient_pk})],\n"
        "    starts_on=today, ends_on=today + datetime.timedelta(days=60),\n"
        "    language='norsk', interpreter_used=False,\n"
        ")\n"
        "services.record_consent_answer(\n"
        "    slt, consent, decision='given', form='oral',\n"
        "    oral_recorded_by='SLT-koordinator (test)', oral_record_reference='Notat (test)',\n"
        ")\n"
        "print(json.dumps(consent.pk))\n",
    )


def share_under_basis(server, case_pk, entry_pk, recipient_pk, basis_pk, purpose):
    """The SLT shares one entry under a statutory basis, every statement confirmed."""
    shell(
        server,
        AS_SLT + "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.cases.models import JournalEntry\n"
        "from tverrnett.consent import services\n"
        "from tverrnett.consent.models import LegalBasis\n"
        f"basis = LegalBasis.objects.get(pk={basis_pk})\n"
        "disclosure = services.disclose(\n"
        f"    slt, ConcernCase.objects.get(pk={case_pk}),\n"
        f"    items=[JournalEntry.objects.get(pk={entry_pk})],\n"
        f"    recipient=Agency.objects.get(pk={recipient_pk}), purpose={purpose!r},\n"
        "    legal_basis=basis, necessity_note='Nødvendig for å avverge fare (test).',\n"
        "    confirmations=basis.confirmations,\n"
        ")\n"
        "print(json.dumps(disclosure.pk))\n",
    )


def disclosures_with_purpose(server, purpose):
    return shell(
        server,
        "import json\n"
        "from tverrnett.consent.models import Disclosure\n"
        f"print(json.dumps(Disclosure.objects.filter(purpose={purpose!r}).count()))\n",
    )


def create_volunteer(server):
    """A new user of the sports club (a bridge builder, like frivillig.demo) with an
    authenticator. Not frivillig.demo itself: test_cases.py checks that the demo case
    does not exist for frivillig.demo, which stops being true once the declaration is
    accepted, so that user is left as the demo made it."""
    username = f"frivillig.{secrets.token_hex(3)}"
    server.manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.contrib.auth import get_user_model\n"
        "from django_otp.plugins.otp_totp.models import TOTPDevice\n"
        "from tverrnett.accounts.models import Membership, MembershipRole\n"
        "from tverrnett.agencies.models import Agency\n"
        "user = get_user_model().objects.create_user(\n"
        f"    username={username!r}, password={DEMO_PASSWORD!r}, first_name='Fia'\n"
        ")\n"
        "Membership.objects.create(\n"
        f"    user=user, agency=Agency.objects.get(name={CLUB!r}),\n"
        "    role=MembershipRole.BRIDGE_BUILDER,\n"
        ")\n"
        "TOTPDevice.objects.create(user=user, name='Test', confirmed=True)\n",
    )
    return username


def choose_ground(page, server, case, value):
    """Step 1 of sharing: choose the ground and go on to step 2 (the recipient and items)."""
    page.locator(f"input[name=grunnlag][value={value}]").check()
    submit(page)
    expect(page).to_have_url(server.url(f"{case}del/?grunnlag={value}"))
    # Step 2: the recipient and the items, under the chosen ground.
    expect(page.locator("#id_recipient")).to_be_visible()


def sideways_scroll_at_320(page):
    """How far the page itself scrolls sideways at 320 px, tables included.

    check_page leaves tables out, since a table may scroll inside its own region
    (.tn-table-scroll). Content that escapes that region, such as an absolutely
    positioned visually hidden label in a cell, makes the whole page scroll instead.
    """
    page.set_viewport_size({"width": 320, "height": 640})
    try:
        return page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        page.set_viewport_size({"width": 1280, "height": 800})


def pdf_at(page, href):
    """GET a file with the page's session: (content type, body)."""
    response = page.request.get(href)
    assert response.status == 200, f"{href}: {response.status}"
    return response.headers["content-type"], response.body()


# First: the access report lists every read of the case, so it is smallest (and quickest
# to check) before the other tests have opened the case many times.
def test_the_catalogue_and_the_access_report(context, page, server, session_of, demo, shots):
    case = f"/saker/{demo['case']}/"
    report_page = f"{case}innsyn/"
    act_as(context, session_of, "slt.demo")

    page.goto("/hjemler/")
    current = page.locator("section[aria-labelledby=current-heading]")
    expect(current.locator("h3").filter(has_text="§ 13 b første ledd nr. 7")).to_have_count(1)
    check_page(page, "consent-legal-bases", shots)

    page.goto(case)
    click_and_wait(
        page, page.locator(f'section[aria-labelledby=consent-heading] a[href="{report_page}"]')
    )
    expect(page).to_have_url(server.url(report_page))
    expect(page.locator("input[name=redact]").first).to_be_visible()
    expect(page.locator("#lines-form input:checked")).to_have_count(0)
    reports_before = page.locator("#reports-heading + ul > li").count()
    check_page(page, "consent-access-report", shots)
    make = page.locator("#lines-form button[name=make]")

    # Reads held back by rule (issue 18): the first agency's, who read only.
    page.locator("#id_agency").select_option(index=1)
    page.locator("#id_reason").fill("Hensynet til en pågående etterforskning.")
    click_and_wait(page, page.locator("button[name=add-rule]"))
    expect(page.locator("button[name=remove-rule]")).to_have_count(1)

    # A line ticked without a reason: refused, no report made.
    line = page.locator("#redact-1")
    key = line.get_attribute("value")
    line.check()
    click_and_wait(page, make)
    expect(page).to_have_url(server.url(report_page))
    expect(page.locator("main .ds-alert[data-color=danger][role=alert]")).to_be_visible()
    expect(page.locator("#redact-1")).to_be_checked()
    expect(page.locator("#reports-heading + ul > li")).to_have_count(reports_before)
    check_page(page, "consent-access-report-error", shots)

    # With a reason: the report is made and listed with its PDF and JSON.
    page.locator("#reason-1").fill("Opplysningen gjelder en annen persons forhold.")
    click_and_wait(page, make)
    expect(page).to_have_url(re.compile(rf"{re.escape(report_page)}#rapport-\d+$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    report_pk = int(page.url.rsplit("-", 1)[1])
    listed = page.locator(f"#rapport-{report_pk}")
    expect(listed).to_be_visible()
    expect(page.locator("#reports-heading + ul > li")).to_have_count(reports_before + 1)
    pdf = listed.locator("a[href$='.pdf']")
    json_link = listed.locator("a[href$='.json']")
    expect(pdf).to_have_count(1)
    expect(json_link).to_have_count(1)
    check_page(page, "consent-access-report-made", shots)

    content_type, body = pdf_at(page, pdf.get_attribute("href"))
    assert content_type.startswith("application/pdf"), content_type
    assert body.startswith(b"%PDF"), body[:20]
    content_type, body = pdf_at(page, json_link.get_attribute("href"))
    assert content_type.startswith("application/json"), content_type
    report = json.loads(body)
    assert [r["key"] for r in report["report"]["redactions"]] == [key]
    [rule] = report["report"]["redaction_rules"]
    assert rule["hide"] == "reader" and rule["reason"].startswith("Hensynet")

    # The table scrolls inside its region at 320 px; the page itself does not (WCAG 1.4.10).
    overflow = sideways_scroll_at_320(page)
    assert overflow <= 0, (
        f"{report_page} scrolls sideways by {overflow} px at 320 px: the visually hidden "
        "labels in the table (position: absolute) escape .tn-table-scroll"
    )


def test_the_coordinator_prepares_a_consent_and_shares_under_it(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['case']}/"
    overview = f"{case}samtykke/"
    demo_consent = f"{overview}{demo['consent']}/"
    purpose = f"Oppfølging hjemme og på skolen sammen med barnevernet ({secrets.token_hex(3)})."
    share_purpose = f"Barnevernet trenger tiltaksplanen ({secrets.token_hex(3)})."
    item = write_slt_entry(
        server, demo["case"], "Tiltaksplan: ukentlige samtaler med miljøterapeut.", "measures"
    )
    act_as(context, session_of, "slt.demo")

    # The case page shows the demo's valid consent under "Consent and sharing".
    page.goto(case)
    section = page.locator("section[aria-labelledby=consent-heading]")
    expect(page.locator("#consent-heading")).to_be_visible()
    expect(section.locator(f'a[href="{demo_consent}"]')).to_contain_text(DEMO_CONSENT_PURPOSE)
    check_page(page, "consent-case", shots)

    # The overview lists it.
    click_and_wait(page, section.locator(f'a[href="{overview}"]'))
    expect(page).to_have_url(server.url(overview))
    consents = page.locator("section[aria-labelledby=consents-heading] table tbody tr")
    expect(consents.filter(has=page.locator(f'a[href="{demo_consent}"]'))).to_have_count(1)
    check_page(page, "consent-overview", shots)

    # The consent, and its declaration in bokmål as a PDF.
    click_and_wait(page, page.locator(f'main a[href="{demo_consent}"]'))
    expect(page).to_have_url(server.url(demo_consent))
    expect(page.locator("main")).to_contain_text(DEMO_CONSENT_PURPOSE)
    check_page(page, "consent-detail", shots)
    declaration = page.locator(
        "section[aria-labelledby=declaration-heading] a[href$='/erklaering-nb.pdf']"
    )
    content_type, body = pdf_at(page, declaration.get_attribute("href"))
    assert content_type.startswith("application/pdf"), content_type
    assert body.startswith(b"%PDF"), body[:20]

    # Prepare a new consent. Nothing is ticked in advance (L15).
    page.goto(overview)
    click_and_wait(page, page.locator(f'main a[href="{overview}ny/"]'))
    expect(page).to_have_url(server.url(f"{overview}ny/"))
    expect(page.locator("form.tn-form input[type=checkbox]").first).to_be_visible()
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-prepare", shots)

    # Sent empty: every required field says what is missing.
    submit(page)
    expect(page).to_have_url(server.url(f"{overview}ny/"))
    for name in ("consenter_name", "purpose", "ends_on", "language", "child_views"):
        expect(page.locator(f"#id_{name}_error.ds-validation-message")).to_be_visible()
        expect(page.locator(f"#id_{name}")).to_have_attribute("aria-invalid", "true")
    for name in ("capacity", "guardians", "categories", "recipients"):
        expect(page.locator(f"#id_{name}_error.ds-validation-message")).to_be_visible()
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-prepare-errors", shots)

    # The person is 16: the guardian consents and the child's views are recorded.
    today = datetime.date.today()
    page.locator("#id_consenter_name").fill("Dina Demosen (fiktiv)")
    page.locator("input[name=capacity][value=guardians]").check()
    page.locator(f"input[name=guardians][value='{demo['guardian']}']").check()
    page.locator("#id_child_views").fill("Demo vil at barnevernet og skolen snakker sammen.")
    page.locator("#id_purpose").fill(purpose)
    page.locator("input[name=categories][value=concern]").check()
    page.locator("input[name=categories][value=measures]").check()
    page.locator(f"input[name=recipients][value='{demo['child_welfare']}']").check()
    # Valid from: the server's today, filled in by the form.
    expect(page.locator("#id_starts_on")).not_to_have_value("")
    page.locator("#id_ends_on").fill((today + datetime.timedelta(days=90)).isoformat())
    page.locator("#id_language").fill("norsk")
    submit(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(overview)}\d+/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    consent = page.url.removeprefix(server.base_url)
    consent_pk = int(consent.strip("/").split("/")[-1])
    expect(page.locator("main")).to_contain_text(purpose)
    expect(page.locator("main")).to_contain_text(CHILD_WELFARE)
    check_page(page, "consent-prepared", shots)

    # The answer: given orally.
    click_and_wait(page, page.locator(f'main a[href="{consent}svar/"]'))
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-answer", shots)
    page.locator("input[name=decision][value=given]").check()
    page.locator("input[name=form][value=oral]").check()
    page.locator("#id_oral_recorded_by").fill("Siri Demo (SLT)")
    page.locator("#id_oral_record_reference").fill("Samtale med mor, notat i kommunens journal")
    submit(page)
    expect(page).to_have_url(server.url(consent))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Siri Demo (SLT)")
    expect(page.locator(f'main a[href="{consent}trekk-tilbake/"]')).to_be_visible()
    check_page(page, "consent-given", shots)

    # Share under it: step 1 the ground, step 2 the recipient, the item and why.
    page.goto(overview)
    click_and_wait(page, page.locator(f'main a[href="{case}del/"]'))
    expect(page.locator(f"input[name=grunnlag][value=consent-{consent_pk}]")).to_be_visible()
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-share-ground", shots)
    choose_ground(page, server, case, f"consent-{consent_pk}")
    # Only the services the consent names are offered.
    expect(page.locator("#id_recipient option[value]:not([value=''])")).to_have_count(1)
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-share-items", shots)
    page.locator("#id_recipient").select_option(str(demo["child_welfare"]))
    page.locator(f"input[name=items][value='{item}']").check()
    page.locator("#id_purpose").fill(share_purpose)
    submit(page)
    expect(page).to_have_url(server.url(overview))
    expect(page.locator(SUCCESS)).to_be_visible()
    row = page.locator("section[aria-labelledby=disclosures-heading] table tbody tr").filter(
        has_text=share_purpose
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text(CHILD_WELFARE)
    expect(row).to_contain_text("forvaltningsloven § 13 a nr. 1")
    check_page(page, "consent-overview-shared", shots)


def test_a_statutory_basis_refuses_without_its_confirmations(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['case']}/"
    ground = f"basis-{demo['basis_13b7']}"
    purpose = f"Akutt bekymring for Demos sikkerhet ({secrets.token_hex(3)})."
    necessity = "Barnevernet må vite om truslene i dag for å kunne beskytte Demo."
    item = write_slt_entry(server, demo["case"], "Demo har fått trusler på nett.")
    act_as(context, session_of, "slt.demo")

    page.goto(f"{case}del/")
    choose_ground(page, server, case, ground)
    step_2 = page.url
    expect(page.locator("input[name=confirmations]")).to_have_count(2)
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-share-basis", shots)

    # Without the confirmations and the necessity note: refused, nothing shared.
    page.locator("#id_recipient").select_option(str(demo["child_welfare"]))
    page.locator(f"input[name=items][value='{item}']").check()
    page.locator("#id_purpose").fill(purpose)
    submit(page)
    expect(page).to_have_url(step_2)
    expect(page.locator("#id_confirmations_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_necessity_note_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_necessity_note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator(SUCCESS)).to_have_count(0)
    check_page(page, "consent-share-basis-refused", shots)
    assert disclosures_with_purpose(server, purpose) == 0

    # Confirmed, with the note: shared.
    expect(page.locator(f"input[name=items][value='{item}']")).to_be_checked()
    for box in page.locator("input[name=confirmations]").all():
        box.check()
    page.locator("#id_necessity_note").fill(necessity)
    submit(page)
    expect(page).to_have_url(server.url(f"{case}samtykke/"))
    expect(page.locator(SUCCESS)).to_be_visible()
    row = page.locator("section[aria-labelledby=disclosures-heading] table tbody tr").filter(
        has_text=purpose
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text("§ 13 b første ledd nr. 7")
    expect(row).to_contain_text(necessity)
    assert disclosures_with_purpose(server, purpose) == 1

    # The sharing leaves a review for the SLT's managers, who alone can complete it: the
    # coordinator (not a manager) is not sent to a page that would refuse them.
    follow_up = shell(
        server,
        "import json\n"
        "from tverrnett.consent.models import DisclosureFollowUp\n"
        "print(json.dumps(DisclosureFollowUp.objects.get(\n"
        f"    disclosure__purpose={purpose!r}, kind='review').pk))\n",
    )
    review = f"{case}oppfolging/{follow_up}/"
    link = f'a[href="{review}"]'
    page.goto(case)
    expect(page.locator(f"main {link}")).to_have_count(0)

    # leder.demo, line manager in the SLT, sees it on the start page and the case page.
    act_as(context, session_of, "leder.demo")
    page.goto("/")
    expect(page.locator(f"section[aria-labelledby=follow-ups-heading] {link}")).to_be_visible()
    check_page(page, "consent-start-review", shots)
    page.goto(case)
    expect(page.locator(f"{WARNING} {link}")).to_be_visible()
    check_page(page, "consent-case-review", shots)

    # The review: a note is required, then it is done and gone from the case page.
    click_and_wait(page, page.locator(f"{WARNING} {link}"))
    expect(page).to_have_url(server.url(review))
    expect(page.locator("main")).to_contain_text(CHILD_WELFARE)
    check_page(page, "consent-review", shots)
    submit(page)
    expect(page.locator("#id_review_note_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_review_note")).to_have_attribute("aria-invalid", "true")
    check_page(page, "consent-review-error", shots)
    page.locator("#id_review_note").fill("Delingen var nødvendig og begrenset til det minste.")
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(f"main {link}")).to_have_count(0)


def test_a_withdrawn_consent_is_no_longer_offered(context, page, server, session_of, demo, shots):
    case = f"/saker/{demo['case']}/"
    purpose = f"Samtykke som trekkes tilbake ({secrets.token_hex(3)})."
    consent_pk = given_consent(server, demo["case"], demo["guardian"], demo["school"], purpose)
    consent = f"{case}samtykke/{consent_pk}/"
    act_as(context, session_of, "slt.demo")

    page.goto(f"{case}del/")
    expect(page.locator(f"input[name=grunnlag][value=consent-{consent_pk}]")).to_have_count(1)

    page.goto(consent)
    click_and_wait(page, page.locator(f'main a[href="{consent}trekk-tilbake/"]'))
    check_page(page, "consent-withdraw", shots)
    submit(page)  # No note: refused.
    expect(page.locator("#id_note_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_note")).to_have_attribute("aria-invalid", "true")
    check_page(page, "consent-withdraw-error", shots)
    expect(page.locator("#id_withdrawn_on")).not_to_have_value("")  # The server's today.
    page.locator("#id_note").fill("Mor ringte SLT-koordinatoren og trakk samtykket.")
    submit(page)
    expect(page).to_have_url(server.url(consent))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mor ringte SLT-koordinatoren")
    expect(page.locator(f'main a[href="{consent}trekk-tilbake/"]')).to_have_count(0)
    check_page(page, "consent-withdrawn", shots)

    # Step 1 of sharing no longer offers it; the demo's consent still is.
    page.goto(f"{case}del/")
    expect(page.locator(f"input[name=grunnlag][value=consent-{consent_pk}]")).to_have_count(0)
    expect(page.locator(f"input[name=grunnlag][value=consent-{demo['consent']}]")).to_have_count(1)
    # Nor can it be used by going straight to step 2: back to step 1, with the reason.
    page.goto(f"{case}del/?grunnlag=consent-{consent_pk}")
    expect(page).to_have_url(server.url(f"{case}del/"))
    expect(page.locator(".ds-alert[data-color=danger]")).to_contain_text("gjelder ikke i dag")
    check_page(page, "consent-share-withdrawn-refused", shots)
    assert disclosures_with_purpose(server, purpose) == 0


def test_the_school_sees_only_what_was_shared_with_it(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['case']}/"
    unshared = f"Internt SLT-notat, ikke delt ({secrets.token_hex(3)})."
    elsewhere = f"Til barnevernet, ikke skolen ({secrets.token_hex(3)})."
    write_slt_entry(server, demo["case"], unshared)
    share_under_basis(
        server,
        demo["case"],
        write_slt_entry(server, demo["case"], elsewhere),
        demo["child_welfare"],
        demo["basis_13b7"],
        purpose=elsewhere,
    )
    act_as(context, session_of, "skole.demo")

    page.goto(case)
    journal = page.locator("section[aria-labelledby=journal-heading]")
    shared = journal.locator(".tn-journal-entry").filter(has_text=SHARED_WITH_SCHOOL)
    expect(shared).to_have_count(1)
    # Marked as shared with the school: by whom, under which provision.
    expect(shared).to_contain_text(SLT)
    expect(shared).to_contain_text("forvaltningsloven § 13 a nr. 1")
    # Not the school's to correct.
    expect(shared.locator('a[href*="/korriger/"]')).to_have_count(0)
    # The SLT's other items, unshared or shared with another agency, are not there.
    main = page.locator("main")
    expect(main).not_to_contain_text(unshared)
    expect(main).not_to_contain_text(elsewhere)
    check_page(page, "consent-school-case", shots)

    # The guardians' consent opened the concern, the summary, tasks and measures to the
    # school, not who the boy is: the consents, which name the person, are not shown, and
    # the consent pages do not exist for the school (issue 16).
    expect(page.locator("section[aria-labelledby=consent-heading]")).to_have_count(0)
    expect(main).not_to_contain_text("Demo Demosen")
    assert page.goto(f"{case}samtykke/").status == 404


def test_a_volunteer_reaches_the_case_only_after_the_declaration(
    context, page, server, demo, shots
):
    case = f"/saker/{demo['case']}/"
    username = create_volunteer(server)
    log_in(page, server, username)

    # The start page asks for the declaration; until then the case does not exist.
    declaration = 'a[href="/taushetserklaering/"]'
    expect(page.locator(f"{WARNING} {declaration}")).to_be_visible()
    expect(page.locator("#consent-cases-heading")).to_have_count(0)
    check_page(page, "consent-volunteer-start", shots)
    response = page.goto(case)
    assert response.status == 404, response.status
    check_page(page, "consent-volunteer-404", shots)

    page.goto("/")
    click_and_wait(page, page.locator(f"main {declaration}"))
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-declaration", shots)
    submit(page)  # Not ticked: refused.
    expect(page.locator("#id_accept_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_accept")).to_have_attribute("aria-invalid", "true")
    check_page(page, "consent-declaration-error", shots)
    page.locator("#id_accept").check()
    submit(page)
    expect(page).to_have_url(server.url("/"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(f"main {declaration}")).to_have_count(0)
    cases = page.locator("section[aria-labelledby=consent-cases-heading]")
    expect(cases.locator(f'a[href="{case}"]')).to_be_visible()
    check_page(page, "consent-volunteer-start-accepted", shots)

    # The restricted case page: the consent's purpose, and nothing shared with the club.
    click_and_wait(page, cases.locator(f'a[href="{case}"]'))
    expect(page).to_have_url(server.url(case))
    consent = page.locator("section[aria-labelledby=consent-heading]")
    expect(consent).to_contain_text(DEMO_CONSENT_PURPOSE)
    journal = page.locator("section[aria-labelledby=journal-heading]")
    expect(journal.locator(".tn-journal-entry")).to_have_count(0)
    expect(journal.locator("p.ds-paragraph")).to_have_count(1)
    main = page.locator("main")
    expect(main).not_to_contain_text(OBSERVATION)
    expect(main).not_to_contain_text(SHARED_WITH_SCHOOL)
    # The consent does not cover personal details: not even the name.
    expect(main).not_to_contain_text("Demo Demosen")
    check_page(page, "consent-volunteer-case", shots)

    # The rest of the case still does not exist for the club.
    for path in ("/saker/", f"{case}samtykke/", f"{case}journal/ny/", f"{case}innsyn/"):
        assert page.goto(path).status == 404, path


def test_a_recipient_sees_on_a_consent_page_only_what_it_received(
    context, page, server, session_of, demo, shots
):
    """A consent names the school and child welfare; the SLT shared with both. The
    school's view of the consent lists its own disclosure, not the one to child welfare
    (issue 16, item 10; the overview already did)."""
    purpose = f"Samordning med skole og barnevern ({secrets.token_hex(3)})"
    entry = write_slt_entry(server, demo["case"], f"Til begge mottakerne ({purpose}).")
    consent = shell(
        server,
        AS_SLT + "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.cases.models import Guardian, JournalEntry\n"
        "from tverrnett.consent import services\n"
        f"case = ConcernCase.objects.get(pk={demo['case']})\n"
        f"school = Agency.objects.get(pk={demo['school']})\n"
        f"child_welfare = Agency.objects.get(pk={demo['child_welfare']})\n"
        "consent = services.prepare_consent(\n"
        "    slt, case, consenter_name='Dina Demosen (fiktiv)', capacity='guardians',\n"
        f"    guardians=[Guardian.objects.get(pk={demo['guardian']})],\n"
        "    child_views='Demo synes det er greit.',\n"
        f"    purpose={purpose!r}, categories=['personal_details', 'concern'],\n"
        "    recipients=[school, child_welfare],\n"
        "    starts_on=today, ends_on=today + datetime.timedelta(days=60),\n"
        "    language='norsk', interpreter_used=False,\n"
        ")\n"
        "services.record_consent_answer(\n"
        "    slt, consent, decision='given', form='oral',\n"
        "    oral_recorded_by='SLT-koordinator (test)', oral_record_reference='Notat (test)',\n"
        ")\n"
        "for recipient in (school, child_welfare):\n"
        "    services.disclose(\n"
        f"        slt, case, items=[JournalEntry.objects.get(pk={entry})],\n"
        f"        recipient=recipient, purpose={purpose!r}, consent=consent,\n"
        "    )\n"
        "# The consent pages name the person: the consent opens who he is to the school.\n"
        "services.open_case_to(\n"
        "    slt, case, recipient=school, parts=['identity'], purpose='Skolen kjenner eleven.',\n"
        "    consent=consent,\n"
        ")\n"
        "print(json.dumps(consent.pk))\n",
    )
    act_as(context, session_of, "skole.demo")

    page.goto(f"/saker/{demo['case']}/samtykke/{consent}/")

    # Its own two: the item shared with it and the identity the consent opened to it.
    shared = page.locator("section[aria-labelledby=shared-heading]")
    expect(shared.locator("li")).to_have_count(2)
    expect(shared).to_contain_text("Drammen videregående skole")
    expect(shared).not_to_contain_text(CHILD_WELFARE)
    check_page(page, "consent-detail-recipient", shots)
    # Later modules expect the demo school without the identity: withdrawing the consent
    # closes what it opened.
    shell(
        server,
        AS_SLT + "from tverrnett.consent import services\n"
        "from tverrnett.consent.models import Consent\n"
        f"services.withdraw_consent(slt, Consent.objects.get(pk={consent}), withdrawn_on=today,\n"
        "    note='Slutt på testen (test).')\n"
        "print(json.dumps(True))\n",
    )


def test_after_a_withdrawal_the_school_records_its_own_basis_to_keep_reading(
    context, page, server, session_of, demo, shots
):
    """L13, issue 16 item 9: a withdrawal ends the school's access to what was shared with
    it under the consent; the school is told, and records its own legal basis (a final
    record) to read it again."""
    case = f"/saker/{demo['case']}/"
    token = secrets.token_hex(3)
    text = f"Delt med skolen under et samtykke som trekkes ({token})."
    purpose = f"Samtykke til skolen som trekkes ({token})."
    consent_pk = given_consent(server, demo["case"], demo["guardian"], demo["school"], purpose)
    entry_pk = write_slt_entry(server, demo["case"], text)
    ids = shell(
        server,
        AS_SLT + "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.cases.models import JournalEntry\n"
        "from tverrnett.consent import services\n"
        "from tverrnett.consent.models import Consent, LegalBasis\n"
        f"case = ConcernCase.objects.get(pk={demo['case']})\n"
        f"consent = Consent.objects.get(pk={consent_pk})\n"
        f"school = Agency.objects.get(pk={demo['school']})\n"
        "disclosure = services.disclose(\n"
        f"    slt, case, items=[JournalEntry.objects.get(pk={entry_pk})], recipient=school,\n"
        f"    purpose={purpose!r}, consent=consent,\n"
        ")\n"
        "services.withdraw_consent(\n"
        "    slt, consent, withdrawn_on=today, note='Mor trakk samtykket (test).'\n"
        ")\n"
        "basis = next(\n"
        "    b for b in services.own_basis_choices(school) if not b.confirmations\n"
        ")\n"
        "print(json.dumps({'disclosure': disclosure.pk, 'basis': basis.pk}))\n",
    )
    own_basis = f"{case}utlevering/{ids['disclosure']}/eget-grunnlag/"
    act_as(context, session_of, "skole.demo")

    # The item is gone from the case page and the journal.
    page.goto(case)
    main = page.locator("main")
    expect(main).not_to_contain_text(text)
    check_page(page, "consent-withdrawn-school-case", shots)
    assert page.goto(f"{case}journal/").ok
    expect(main).not_to_contain_text(text)

    # The start page tells the school and links to the form.
    page.goto("/")
    link = page.locator(f'section[aria-labelledby=notices-heading] a[href="{own_basis}"]')
    expect(link).to_be_visible()
    check_page(page, "consent-withdrawn-school-start", shots)
    click_and_wait(page, link)
    expect(page).to_have_url(server.url(own_basis))
    expect(main).not_to_contain_text(text)  # What was shared is named, not shown.
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "consent-own-basis", shots)

    submit(page)  # Nothing chosen: refused, with what to do.
    expect(page).to_have_url(server.url(own_basis))
    for name in ("legal_basis", "necessity_note"):
        expect(page.locator(f"#id_{name}_error.ds-validation-message")).to_be_visible()
        expect(page.locator(f"#id_{name}")).to_have_attribute("aria-invalid", "true")
    check_page(page, "consent-own-basis-errors", shots)

    page.locator("#id_legal_basis").select_option(str(ids["basis"]))
    page.locator("#id_necessity_note").fill("Skolen må følge opp eleven i klassen (test).")
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_be_visible()
    check_page(page, "consent-own-basis-recorded", shots)

    # The school reads it again; the record is final, so the form is gone.
    page.goto(f"{case}journal/")
    expect(main).to_contain_text(text)
    assert page.goto(own_basis).status == 404
