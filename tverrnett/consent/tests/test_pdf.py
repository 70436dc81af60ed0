"""The printed consent declaration and information sheet (L15, L16), and the PDF helper."""

import datetime
import io
import re

import pytest
from django.utils import translation
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from tverrnett.cases.models import Guardian, InformationCategory
from tverrnett.consent import pdf, services
from tverrnett.consent.models import ConsentCapacity

LANGUAGES = ("nb", "nn", "en")
ENDS_ON = datetime.date(2027, 3, 31)
PURPOSE = "Felles plan for skole og arbeidstrening"
CHILD_VIEWS = "Ola vil ha hjelp med leksene, men vil ikke bytte skole."
# Characters that would show a box as already ticked.
TICKED = re.compile("[\u2611\u2612\u2713\u2714\u2715\u2716\u2717\u2718\u25a0\u25a3]")


def pdf_text(data):
    """The PDF's text with runs of whitespace (line breaks included) made single spaces."""
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def expected_labels(categories, language):
    if language == "nn":
        return [pdf.NN_CATEGORY_LABELS[code] for code in categories]
    with translation.override(language):
        return [str(InformationCategory(code).label) for code in categories]


@pytest.fixture
def adult_consent(team_case, give_consent, partner_agency, school_agency):
    return give_consent(
        team_case,
        recipients=[partner_agency, school_agency],
        categories=[InformationCategory.CONCERN, InformationCategory.SCHOOL_WORK],
        ends_on=ENDS_ON,
    )


@pytest.fixture
def guardians(minor_case):
    person = minor_case.subject
    return [
        Guardian.objects.create(person=person, name="Anne Nordmann", relation="mor"),
        Guardian.objects.create(person=person, name="Per Nordmann", relation="far"),
    ]


@pytest.fixture
def child_consent(minor_case, owner, guardians, partner_agency):
    """A prepared consent for a 15-year-old, given by both holders of parental responsibility."""
    return services.prepare_consent(
        owner,
        minor_case,
        guardians=guardians,
        recipients=[partner_agency],
        consenter_name="Anne Nordmann og Per Nordmann",
        capacity=ConsentCapacity.GUARDIANS,
        child_views=CHILD_VIEWS,
        purpose=PURPOSE,
        categories=[InformationCategory.FAMILY, InformationCategory.HEALTH],
        ends_on=ENDS_ON,
        language="norsk",
        interpreter_used=True,
        interpreter_language="somali",
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_prints_the_scope_of_an_adults_consent(adult_consent, language):
    data = pdf.declaration_pdf(adult_consent, language)

    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert "Samordnet oppfølging" in text  # give_consent's purpose
    assert "Nav Drammen" in text
    assert "Fjell ungdomsskole" in text
    assert {"nb": "31. mar. 2027", "nn": "31. mars 2027", "en": "31 Mar 2027"}[language] in text
    for label in expected_labels(adult_consent.categories, language):
        assert label in text
    assert "Kari Nordmann" in text
    assert adult_consent.case.reference in text
    assert "slt@drammen.example" in text
    assert "32 04 00 00" in text


MARKINGS = {
    "nb": "Unntatt offentlighet, offl. § 13",
    "nn": "Unnateke offentlegheit, offl. § 13",
    "en": "Exempt from public disclosure, offl. § 13",
}


@pytest.mark.parametrize(
    ("language", "page", "of"), [("nb", "Side", "av"), ("nn", "Side", "av"), ("en", "Page", "of")]
)
def test_it_has_the_header_and_numbered_pages(adult_consent, language, page, of):
    reader = PdfReader(io.BytesIO(pdf.declaration_pdf(adult_consent, language)))

    pages = len(reader.pages)
    assert pages > 1
    for number, sheet in enumerate(reader.pages, start=1):
        text = " ".join(sheet.extract_text().split())
        assert "Tverrnett" in text
        assert adult_consent.case.reference in text
        assert f"{page} {number} {of} {pages}" in text
        # Exempt from public disclosure, at the top and the foot of every page.
        assert text.count(MARKINGS[language]) >= 2, number


@pytest.mark.parametrize("language", LANGUAGES)
def test_it_prints_the_guardians_and_the_childs_views(child_consent, language):
    text = pdf_text(pdf.declaration_pdf(child_consent, language))

    assert "Anne Nordmann" in text
    assert "Per Nordmann" in text
    assert CHILD_VIEWS in text
    assert "somali" in text
    for label in expected_labels(child_consent.categories, language):
        assert label in text


def test_it_writes_real_nynorsk(adult_consent):
    nynorsk = pdf_text(pdf.declaration_pdf(adult_consent, "nn"))
    bokmal = pdf_text(pdf.declaration_pdf(adult_consent, "nb"))

    for word in ("ikkje", "teieplikt", "opplysningar", "samtykkje"):
        assert word in nynorsk
        assert word not in bokmal
    assert "Skule, arbeid og inntekt" in nynorsk
    assert "taushetsplikt" in bokmal


def test_a_child_old_enough_for_great_weight_signs_too(child_consent):
    html = pdf.declaration_html(child_consent, "nb")

    assert "Ola Nordmann, barnet" in html
    assert html.count("som har foreldreansvar</p>") == 2


def test_a_younger_child_does_not_sign(child_consent, settings):
    settings.CONSENT_AGE_THRESHOLDS = {**settings.CONSENT_AGE_THRESHOLDS, "great_weight": 16}

    html = pdf.declaration_html(child_consent, "nb")

    assert "Ola Nordmann, barnet" not in html
    assert html.count("som har foreldreansvar</p>") == 2


def test_the_age_thresholds_come_from_the_settings(child_consent, settings):
    settings.CONSENT_AGE_THRESHOLDS = {
        "heard": 6,
        "great_weight": 11,
        "own_decisions": 14,
        "health_consent": 17,
    }

    html = pdf.declaration_html(child_consent, "nb")

    for age in (6, 11, 14, 17):
        assert f"fylt {age} år" in html
    for age in (7, 12, 15, 16):
        assert f"fylt {age} år" not in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("which", ["adult_consent", "child_consent"])
def test_no_box_is_pre_ticked(request, which, language):
    """L15: the form offers empty squares to tick by hand, never a ticked one."""
    consent = request.getfixturevalue(which)
    html = pdf.declaration_html(consent, language)

    assert "checked" not in html.lower()
    assert "<input" not in html.lower()
    assert not TICKED.search(html)
    signers = 2 if which == "child_consent" else 1
    assert html.count('<span class="tn-pdf__tick-box"></span>') == 2 * signers
    assert PdfReader(io.BytesIO(pdf.declaration_pdf(consent, language))).get_fields() is None


def test_the_text_is_escaped(adult_consent):
    adult_consent.purpose = '<b>fet</b> & "sitert"'

    html = pdf.declaration_html(adult_consent, "nb")

    assert "<b>fet</b>" not in html
    assert "&lt;b&gt;fet&lt;/b&gt; &amp; &quot;sitert&quot;" in html


def test_it_refuses_a_language_it_has_no_text_for(adult_consent):
    with pytest.raises(ValueError):
        pdf.declaration_pdf(adult_consent, "se")


def test_the_pdf_uses_the_vendored_font(adult_consent):
    reader = PdfReader(io.BytesIO(pdf.declaration_pdf(adult_consent, "nb")))

    fonts = {
        str(font.get_object()["/BaseFont"]).partition("+")[2]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts
    assert all(name.startswith("Inter") for name in fonts), fonts


# The fetcher: WeasyPrint reads the static folder and nothing else. ---------------------


def test_the_fetcher_hands_out_the_vendored_font():
    url = (pdf.ASSET_ROOT / "vendor" / "inter" / "inter-latin-wght-normal.woff2").as_uri()

    response = pdf.StaticFilesOnly().fetch(url)

    assert response.read(4) == b"wOF2"


@pytest.mark.parametrize(
    "url",
    [
        "https://fonts.example.com/inter.woff2",
        "http://localhost/static/vendor/inter/inter-latin-wght-normal.woff2",
        "ftp://example.com/file",
        "data:text/plain,hei",
        "file:///etc/passwd",
        "file://otherhost" + str(pdf.ASSET_ROOT / "css" / "tverrnett.css"),
        pdf.ASSET_ROOT.as_uri() + "/../settings.py",
        pdf.ASSET_ROOT.as_uri() + "/vendor/inter/does-not-exist.woff2",
    ],
)
def test_the_fetcher_refuses_anything_else(url):
    with pytest.raises(pdf.RefusedURL):
        pdf.StaticFilesOnly().fetch(url)


@pytest.mark.parametrize(
    "html",
    [
        '<img src="https://example.com/tracker.png" alt="">',
        '<link rel="stylesheet" href="https://example.com/style.css">',
        '<img src="file:///etc/hostname" alt="">',
    ],
)
def test_a_document_asking_for_more_is_not_printed(html):
    with pytest.raises(FatalURLFetchingError):
        pdf.html_to_pdf(f"<!doctype html><html lang='nb'><body>{html}<p>Hei</p></body></html>")
