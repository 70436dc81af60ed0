"""The printed case summary (issue 21, item 5): what the case page shows the user, as a
PDF marked "Unntatt offentlighet, offl. § 13" like every printed document.

The summary asks the same questions as the case page (`views.open_case`, the sections
the policy opens, the person's hidden fields, the journal items the user may read with
GDPR Art. 9 and 10 items withheld) and prints nothing the page would not show. Its
generation is a read of the case under its own action, "case.summary_printed", naming
the parts printed: it is in the person's access report and the coordinator's list of
readers. A user who may not see the case, and a voluntary organisation, get the same 404
as a case that does not exist, and leave no entry.
"""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from tverrnett.access.rules import member
from tverrnett.cases import views
from tverrnett.consent.pdf import render_pdf
from tverrnett.measures.services import measures_on

# The sections of the case page the summary prints, in the read entry's vocabulary.
# Not printed: the consents, the security clarification, the timeline and the readers
# (working tools of the page, not a summary of the case).
PRINTED_SECTIONS = [
    "person",
    "guardians",
    "intake",
    "summary",
    "resources",
    "team",
    "responsibilities",
    "tasks",
    "measures",
    "journal",
]
# The newest journal items printed; the rest are in Tverrnett. A limit keeps a long
# case's PDF within what a request may take to render.
JOURNAL_IN_SUMMARY = 200


@member
@require_GET
def print_summary(request, pk):
    case, access = views.open_case(
        request,
        pk,
        parts=PRINTED_SECTIONS,
        record_read=False,
        partial=True,
    )
    shown = [section for section in views.shown_sections(access) if section in PRINTED_SECTIONS]
    if access.sees("measures") and not case.is_anonymous:
        shown.append("measures")
    journal = views.journal_items(request, case, access)[:JOURNAL_IN_SUMMARY]
    context = {
        "case": case,
        "access": access,
        "shown": shown,
        "printed_at": timezone.localtime(),
        "printed_by": request.user.get_full_name() or request.user.username,
        "printed_for": request.agency.name,
        "team": list(case.team.select_related("agency")),
        "tasks": list(views.visible_tasks(case, access)),
        "measures": list(measures_on(case)) if "measures" in shown else [],
        "guardians": views.visible_guardians(case, shown),
        "resources": (
            list(case.resources.all()) if "resources" in shown and not case.is_anonymous else []
        ),
        "responsibilities": list(case.responsibilities.select_related("agency")),
        "journal": journal,
        "journal_more": len(journal) == JOURNAL_IN_SUMMARY,
        **views.person_fields(request, access),
    }
    body = render_pdf("cases/pdf/summary.html", context)
    views.record_page_read(request, case, access, shown, journal, action="case.summary_printed")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="sak-{case.reference}-sammendrag.pdf"'
    return response
