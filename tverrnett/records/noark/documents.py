"""The documents of the Noark 5 archival package as PDF/A-2b: journal entries, consent
declarations and finalised plan versions, from the templates used on screen and in
print."""

from django.template.loader import render_to_string
from django.utils import timezone

from tverrnett.cases.models import JournalEntry
from tverrnett.consent.pdf import html_to_pdf
from tverrnett.plans import documents as plan_documents
from tverrnett.plans.pdf import PLAN_STYLESHEET, plan_html

from .constants import LANGUAGE, SYSTEM_NAME


def _user_name(user):
    if user is None:
        return SYSTEM_NAME
    return user.get_full_name() or user.get_username()


# The documents as PDF/A ----------------------------------------------------------


def _html_to_pdf_a(html, extra_stylesheets=()):
    """The house style's WeasyPrint call (tverrnett.consent.pdf.html_to_pdf), as PDF/A-2b:
    the archival format, with every font embedded (WeasyPrint embeds what it uses) and
    the XMP metadata that names the part and conformance."""
    return html_to_pdf(html, extra_stylesheets, pdf_variant="pdf/a-2b")


def render_journal_entry(case, entry):
    """One version of one journal entry as PDF/A."""
    html = render_to_string(
        "records/journal_entry.html",
        {
            "case": case,
            "entry": entry,
            "author": _user_name(entry.author),
            "special_categories": [
                str(JournalEntry._meta.get_field(name).verbose_name)
                for name in entry.special_categories
            ],
        },
    )
    return _html_to_pdf_a(html)


def render_plan_version(case, plan, version, last):
    """A finalised plan version as PDF/A, from the plan's own print template."""
    context = {
        "case": case,
        "plan": plan,
        "doc": plan_documents.version_doc(plan, version),
        "sections": plan_documents.sections(),
        "kept": version,
        "last": last,
        "is_draft": False,
        "draft_number": None,
        "printed_on": timezone.localdate(version.finalised_at),
    }
    return _html_to_pdf_a(plan_html(context, LANGUAGE), [PLAN_STYLESHEET])
