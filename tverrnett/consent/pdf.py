"""Printed documents: the consent declaration and information sheet (L15, L16), and the
helper every PDF goes through.

`render_pdf` renders a template and hands it to WeasyPrint with the house style
(templates/consent/pdf/pdf.css). WeasyPrint may read files under tverrnett/static/
(the vendored Inter font) and nothing else: no network, no other file.

The declaration's text is written by hand in each language (declaration_nb.html,
declaration_nn.html, declaration_en.html), not through gettext, so each can be read
and edited as a whole, by a lawyer if need be.
"""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from tverrnett.cases.models import InformationCategory
from tverrnett.consent.models import ConsentCapacity
from tverrnett.consent.services import age_guidance

# The only folder WeasyPrint may read from, and the base of relative URLs.
ASSET_ROOT = Path(__file__).resolve().parent.parent / "static"
STYLESHEET = Path(__file__).resolve().parent / "templates" / "consent" / "pdf" / "pdf.css"

DECLARATION_TEMPLATES = {
    "nb": "consent/pdf/declaration_nb.html",
    "nn": "consent/pdf/declaration_nn.html",
    "en": "consent/pdf/declaration_en.html",
}

# The catalogue has no nynorsk, so the declaration names the categories itself.
NN_CATEGORY_LABELS = {
    InformationCategory.PERSONAL_DETAILS: "Personopplysningar og kontaktinformasjon",
    InformationCategory.CONCERN: "Uroa og det som er observert",
    InformationCategory.FAMILY: "Familie og busituasjon",
    InformationCategory.SCHOOL_WORK: "Skule, arbeid og inntekt",
    InformationCategory.HEALTH: "Helse",
    InformationCategory.BELIEFS: "Religion, livssyn og politiske meiningar",
    InformationCategory.OFFENCES: "Lovbrot og opplysningar frå politiet",
    InformationCategory.MEASURES: "Tiltak og oppfølging",
}


class RefusedURL(ValueError):
    """A document asked for something outside the static folder."""


class StaticFilesOnly(URLFetcher):
    """Hands WeasyPrint files under `root` and refuses everything else.

    A refusal stops the rendering (fail_on_errors): a document that needs something
    it may not have is a bug to see, not a PDF with a hole in it.
    """

    def __init__(self, root=ASSET_ROOT):
        super().__init__(allowed_protocols={"file"}, allow_redirects=False, fail_on_errors=True)
        self.root = Path(root).resolve()

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"Not a local file: {url}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise RefusedURL(f"Not a file in {self.root}: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )


def html_to_pdf(html, extra_stylesheets=(), **options):
    """WeasyPrint with the house style, reading only from the static folder.

    `extra_stylesheets` (paths) come after the house style; `options` go to
    `write_pdf` (the archive asks for `pdf_variant="pdf/a-2b"`)."""
    fetcher = StaticFilesOnly()
    base_url = ASSET_ROOT.as_uri() + "/"
    font_config = FontConfiguration()
    stylesheets = [
        CSS(
            string=path.read_text(encoding="utf-8"),
            base_url=base_url,
            url_fetcher=fetcher,
            font_config=font_config,
        )
        for path in (STYLESHEET, *extra_stylesheets)
    ]
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=stylesheets, font_config=font_config, pdf_tags=True, **options
    )


def document_language():
    """The language the user reads the interface in (bokmål, nynorsk or English): the
    language of a document printed for them."""
    language = (translation.get_language() or "")[:2]
    return language if language in ("nb", "nn", "en") else "nb"


def render_pdf(template_name, context, extra_stylesheets=()):
    """Render `template_name` with `context` (autoescaped, as always) and return the PDF."""
    return html_to_pdf(render_to_string(template_name, context), extra_stylesheets)


# The declaration ---------------------------------------------------------------------


def _category_labels(consent, language):
    if language == "nn":
        return [NN_CATEGORY_LABELS[InformationCategory(code)] for code in consent.categories]
    with translation.override(language):
        return [str(label) for label in consent.category_labels()]


def declaration_context(consent, language):
    """What the declaration templates show, the same in every language but the
    category labels."""
    case = consent.case
    person = case.subject
    role = case.coordinator_role
    is_child = consent.capacity == ConsentCapacity.GUARDIANS
    return {
        "consent": consent,
        "case_reference": case.reference,
        "person": person,
        "is_child": is_child,
        "guardians": list(consent.guardians.all()) if is_child else [],
        "categories": _category_labels(consent, language),
        "recipients": [agency.name for agency in consent.recipients.order_by("name")],
        "prepared_on": timezone.localtime(consent.prepared_at).date(),
        "coordinator": {
            "agency": role.agency.name,
            "phone": role.phone or role.agency.phone,
            "email": role.email or role.agency.email,
        },
        # L16: the thresholds are configuration; the text only says what each one means.
        "thresholds": settings.CONSENT_AGE_THRESHOLDS,
        # A child old enough for their views to carry great weight signs too.
        "child_signs": is_child and "great_weight" in age_guidance(person),
    }


def declaration_html(consent, language):
    """The declaration and information sheet as HTML, before it becomes a PDF."""
    if language not in DECLARATION_TEMPLATES:
        raise ValueError(f"No declaration in {language!r}")
    with translation.override(language):
        return render_to_string(
            DECLARATION_TEMPLATES[language], declaration_context(consent, language)
        )


def declaration_pdf(consent, language):
    """The consent declaration and information sheet in bokmål ("nb"), nynorsk ("nn")
    or English ("en"), as PDF bytes, ready to print, read and sign."""
    return html_to_pdf(declaration_html(consent, language))
