"""The individual plan as PDF (L33).

It goes through the same machinery as every printed document (tverrnett.consent.pdf):
the house style, the vendored font and the fetcher that reads nothing but files under
tverrnett/static/. A small stylesheet of the plan's own (templates/plans/pdf/plan.css)
adds the draft mark and the version line to the page margins. The body is the same
template as the screen's (plans/includes/plan_body.html), without its internal parts.
"""

from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation

from tverrnett.consent.pdf import html_to_pdf

PLAN_STYLESHEET = Path(__file__).resolve().parent / "templates" / "plans" / "pdf" / "plan.css"


def plan_html(context, language):
    """The plan's printed HTML in `language` ("nb", "nn" or "en"), before it becomes a PDF."""
    with translation.override(language):
        return render_to_string("plans/pdf/plan.html", context)


def plan_pdf(context, language):
    """The plan as PDF bytes in bokmål ("nb"), nynorsk ("nn") or English ("en")."""
    return html_to_pdf(plan_html(context, language), [PLAN_STYLESHEET])
