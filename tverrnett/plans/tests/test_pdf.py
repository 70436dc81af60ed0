"""The individual plan as PDF (L33), through its page: the plan's content and nothing else
of the case, marked as a draft until it is a finalised version, and a kept version as it
was kept.

The PDF is in bokmål unless the user reads the interface in English (consent.pdf.document_language);
expected wording is worked out in that language from the same strings the template uses,
so the tests hold whether or not a string has its Norwegian translation yet.
"""

import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from pypdf import PdfReader

from tverrnett.cases import services as case_services
from tverrnett.plans import services
from tverrnett.plans.models import PlanVersion

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

INTERNAL_NOTE = "Intern: Kari har gjeld hos namsmannen."
JOURNAL_TEXT = "Kari ble sett sammen med den gamle vennegjengen i helgen."
OWN_GOAL = "Jeg vil ha en jobb."  # from the `fill` fixture
MEASURE = "Arbeidstrening"  # from the `fill` fixture
EXTENT = "Tre dager i uken"  # from the `fill` fixture
OVERVIEW = "Kari trenger arbeid og et sted å bo."  # from the `fill` fixture
LATER_OVERVIEW = "Kari har fått leilighet og trenger nå mest arbeid."
LATER_GOAL = "Jeg vil begynne på kveldsskole."
# The pages' footer (consent/pdf/pdf.css): bokmål, and English for an English document.
PAGE_WORDS = {"nb": ("Side", "av"), "en": ("Page", "of")}
MARKING = "Exempt from public disclosure, offl. § 13"  # consent/pdf/base.html


def pdf_text(data):
    """The PDF's text with runs of whitespace (line breaks included) made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def page_texts(data):
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def said(language, msgid, **values):
    """A template string as the PDF prints it in `language`."""
    with translation.override(language):
        return gettext(msgid) % values if values else gettext(msgid)


def day(language, value):
    with translation.override(language):
        return formats.date_format(value, "DATE_FORMAT")


def pdf_url(plan, version=None):
    url = reverse("plans:pdf", args=[plan.case_id, plan.pk])
    return f"{url}?versjon={version}" if version else url


def file_name(response):
    return response["Content-Disposition"].rpartition("filename=")[2].strip('"')


def get_pdf(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return response


@pytest.fixture
def draft(owner, complete_plan):
    """The complete plan, never finalised, with an internal note, and a journal entry on
    its case."""
    plan = complete_plan
    services.change_plan(owner, plan, version=plan.version, internal_note=INTERNAL_NOTE)
    case_services.write_journal_entry(
        owner, plan.case, text=JOURNAL_TEXT, confidentiality="confidential"
    )
    return plan


@pytest.mark.parametrize("language", ["nb", "en"])
def test_a_draft_prints_the_plans_content_and_nothing_else_of_the_case(
    client, login_as, owner, draft, language
):
    login_as(client, owner)
    if language != settings.LANGUAGE_CODE:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = get_pdf(client, pdf_url(draft))

    text = pdf_text(response.content)
    for _code, label in services.SECTIONS:
        with translation.override(language):
            assert str(label) in text, str(label)
    assert OWN_GOAL in text
    assert OVERVIEW in text
    assert MEASURE in text and EXTENT in text
    assert draft.case.reference in text
    # A draft: marked as one, with the number it will get.
    assert said(language, "DRAFT") in text
    assert (
        said(
            language,
            "Draft of version %(number)s, printed %(when)s",
            number=1,
            when=day(language, timezone.localdate()),
        )
        in text
    )
    # Nothing internal, and nothing of the case's journal.
    assert INTERNAL_NOTE not in text
    assert "namsmannen" not in text
    assert JOURNAL_TEXT not in text
    assert "vennegjengen" not in text
    assert file_name(response) == f"individuell-plan-{draft.case.reference}-{draft.pk}-utkast.pdf"
    assert "kari" not in file_name(response).lower()


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_page_is_numbered_with_the_total(client, login_as, owner, draft, language):
    for number in range(40):
        services.add_goal(
            owner, draft, text=f"Et mål som fyller siden, nummer {number}.", by_person=True
        )
    login_as(client, owner)
    if language != settings.LANGUAGE_CODE:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    pages = page_texts(get_pdf(client, pdf_url(draft)).content)

    word, of = PAGE_WORDS[language]
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert f"{word} {number} {of} {len(pages)}" in text, number
        # The draft mark at the top of every page (plan.css).
        assert said(language, "DRAFT") in text, number
        # Marked exempt from public disclosure at the top and the foot of every page
        # (consent/pdf/base.html and pdf.css), in the document's language.
        assert text.count(said(language, MARKING)) >= 2, number


@pytest.mark.parametrize(
    ("language", "marking"),
    [("nb", "Unntatt offentlighet, offl. § 13"), ("nn", "Unnateke offentlegheit, offl. § 13")],
)
def test_the_plan_is_marked_exempt_from_public_disclosure(
    client, login_as, owner, draft, language, marking
):
    login_as(client, owner)
    if language != settings.LANGUAGE_CODE:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    pages = page_texts(get_pdf(client, pdf_url(draft)).content)

    assert pages[0].startswith(marking)  # first on the first page
    for number, text in enumerate(pages, start=1):
        assert text.count(marking) >= 2, number  # at the top and in the footer


def test_a_kept_version_prints_as_it_was_after_later_edits(client, login_as, owner, draft):
    plan = draft
    kept = services.finalise(owner, plan, version=plan.version)
    services.change_plan(owner, plan, version=plan.version, overview=LATER_OVERVIEW)
    services.add_goal(owner, plan, text=LATER_GOAL, by_person=True)
    login_as(client, owner)

    response = get_pdf(client, pdf_url(plan, version=1))

    text = pdf_text(response.content)
    assert OVERVIEW in text
    assert OWN_GOAL in text
    assert LATER_OVERVIEW not in text
    assert LATER_GOAL not in text
    assert INTERNAL_NOTE not in text
    assert JOURNAL_TEXT not in text
    assert (
        said(
            "nb",
            "Version %(number)s, finalised %(when)s",
            number=1,
            when=day("nb", timezone.localtime(kept.finalised_at)),
        )
        in text
    )
    assert said("nb", "DRAFT") not in text
    assert file_name(response).endswith("-v1.pdf")

    # The plan as it is now is a draft of version 2, with the later edits.
    now = pdf_text(get_pdf(client, pdf_url(plan)).content)
    assert LATER_OVERVIEW in now and LATER_GOAL in now
    assert said("nb", "DRAFT") in now
    assert (
        said(
            "nb",
            "Draft of version %(number)s, printed %(when)s",
            number=2,
            when=day("nb", timezone.localdate()),
        )
        in now
    )


def test_a_plan_just_finalised_prints_as_its_version_not_as_a_draft(client, login_as, owner, draft):
    kept = services.finalise(owner, draft, version=draft.version)
    login_as(client, owner)

    response = get_pdf(client, pdf_url(draft))

    text = pdf_text(response.content)
    assert said("nb", "DRAFT") not in text
    assert (
        said(
            "nb",
            "Version %(number)s, finalised %(when)s",
            number=kept.number,
            when=day("nb", timezone.localtime(kept.finalised_at)),
        )
        in text
    )
    assert file_name(response).endswith("-v1.pdf")


def test_a_version_that_does_not_exist_is_not_found(client, login_as, owner, draft):
    services.finalise(owner, draft, version=draft.version)
    login_as(client, owner)
    client.raise_request_exception = False  # a crash is a 500 here, to compare with 404
    # "²" is a digit to str.isdigit but not to int().
    for version in ("2", "x", "-1", "²"):
        url = reverse("plans:pdf", args=[draft.case_id, draft.pk]) + f"?versjon={version}"
        assert client.get(url).status_code == 404, version
    assert PlanVersion.objects.count() == 1


def test_the_partner_named_in_the_consent_prints_the_plan_too(client, login_as, partner, draft):
    login_as(client, partner)
    text = pdf_text(get_pdf(client, pdf_url(draft)).content)
    assert OWN_GOAL in text
    assert INTERNAL_NOTE not in text
