"""Concern case pages. Every case lookup goes through `open_case`, which answers 404
to anyone outside the case (L42) and writes the read entry of every page view (L44)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Concat
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.accounts.models import User
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import forms, search_index, services, undo
from tverrnett.cases import search as case_search
from tverrnett.cases.models import (
    CASE_PART_SHORT_LABELS,
    CasePart,
    CaseState,
    ChecklistItem,
    ConcernCase,
    InformationCategory,
    JournalEntry,
    Removal,
    Resource,
    Responsibility,
    Source,
    Task,
    TaskStatus,
    TeamMember,
)
from tverrnett.consent import catalogue, sharing
from tverrnett.consent import forms as consent_forms
from tverrnett.consent import services as sharing_services
from tverrnett.consent.models import DisclosedItem, DisclosedPart
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.core.paging import BoundedPaginator
from tverrnett.core.parsing import parse_id
from tverrnett.duplicates.services import survivor_visible_to
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import Forum, Role, RoleKind

PAGE_SIZE = 25
JOURNAL_ON_CASE_PAGE = 20
DOCUMENTS_ON_CASE_PAGE = 10
TIMELINE_ON_CASE_PAGE = 30
READERS_ON_CASE_PAGE = 50
# The latest read entries the readers list counts (`_readers`).
READ_WINDOW = 500
# The sections of the case page, named in its read entry (L44).
CASE_PAGE_PARTS = [
    "person",
    "summary",
    "security_clarification",
    "team",
    "resources",
    "responsibilities",
    "tasks",
    "journal",
    "documents",
    "timeline",
]

_CASE_RELATIONS = (
    "subject",
    "municipality",
    "network",
    "forum",
    "coordinator_role__agency",
    "coordinator_role__holder",
    "coordinator_role__deputy",
    "created_agency",
)


class _Access:
    """What the current user may do on one case, worked out once per request."""

    def __init__(self, user, case, memberships):
        self.memberships = memberships
        self.agency_ids, self.volunteer_ids = memberships
        # A case from open_case carries the answers of policy.case_for_access.
        annotated = hasattr(case, "access_on_team")
        self.path = policy.case_access_path(
            user, case, memberships=memberships, annotated=annotated
        )
        self.can_work = policy.can_work_on_case(user, case, self.path)
        self.can_manage = policy.can_manage_case(
            user, case, self.path, self.agency_ids, annotated=annotated
        )
        self.sees_readers = policy.can_see_case_readers(user, case)
        self._user, self._case = user, case

    @cached_property
    def parts(self):
        """The parts of the case open to the user (asked only by pages that show one)."""
        return policy.case_parts(self._user, self._case, self.path, self.agency_ids)

    @property
    def is_reduced(self):
        """On the team, but no part of the case opened to the agency yet."""
        return self.path == "team" and not self.parts

    @property
    def opened_short(self):
        """What of the case is opened to the agency when that is some parts, not all
        (for the case page); empty otherwise."""
        if self.path != "team" or not self.parts or self.parts >= set(CasePart.values):
            return []
        return [CASE_PART_SHORT_LABELS[part] for part in CasePart if part in self.parts]

    def sees(self, part):
        return part in self.parts

    def may_change_work_of(self, agency_id):
        """May the user change a task or measure of `agency_id` (policy.can_change_agency_work)."""
        return policy.can_change_agency_work(
            self._user, self._case, agency_id, self.path, self.agency_ids, self.can_manage
        )

    def mark_changeable(self, items, field):
        """Set `may_change` on each item by the agency in its `field` (for templates)."""
        for item in items:
            item.may_change = self.may_change_work_of(getattr(item, field))
        return items


def open_case(
    request,
    pk,
    *,
    parts=(),
    relations=_CASE_RELATIONS,
    volunteer_page=False,
    record_read=True,
    partial=False,
    annotations=None,
):
    """The case the user may see, or the same 404 as a case that does not exist.

    A GET records the read (L44): one entry per page view, naming the parts shown
    (a page that must first know what it shows passes record_read=False and calls
    `record_read` itself). The entry is written only if the page then succeeds: a
    request that ends in 403 or 404 leaves none (audit.services.record_read). A
    voluntary organisation reaches only the pages that say `volunteer_page`: everywhere
    else the case does not exist for it. A page showing a part of the case not opened
    to the user's agency does not exist for them either, unless it says `partial` and
    leaves out what `access.parts` lacks. `annotations(request, memberships)`: more
    for the case's own query to answer (whether a section has anything to show).
    """
    memberships = policy.case_memberships(request.user)
    # The case by its id, with how the user reaches it, in one query; then the access
    # rule on that one case. No path: the same 404 as a case that does not exist.
    cases = policy.case_for_access(request.user, pk, memberships).select_related(*relations)
    if annotations is not None:
        cases = cases.annotate(**annotations(request, memberships))
    case = cases.first()
    if case is None:
        raise Http404
    access = _Access(request.user, case, memberships)
    if access.path is None:
        raise Http404
    if access.path == "consent" and not volunteer_page:
        raise Http404
    if not partial and policy.gated_parts(parts) - access.parts:
        raise Http404
    if request.method == "GET" and record_read:
        services.record_case_read(
            request.user, case, parts=parts, access_path=access.path, request=request
        )
    return case, access


def open_identified_case(request, pk, *, parts, write=False):
    """`open_case` for pages an anonymous discussion does not have (assessments,
    documents): the same 404 there; with `write`, the user must work on the case. The
    read is recorded by the caller, which knows what it showed."""
    case, access = open_case(request, pk, parts=parts, record_read=False)
    if case.is_anonymous:
        raise Http404
    if write:
        _require(access.can_work)
    return case, access


def _require_case_work(request):
    """Case pages do not exist for users who do no case work (voluntary organisations,
    agency administrators): the same 404 as any unknown page."""
    if not policy.case_agency_ids(request.user):
        raise Http404


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _stale(request, case):
    messages.error(request, str(services.StaleEdit()))
    return redirect("cases:detail", pk=case.pk)


def _team_agencies(case):
    return Agency.objects.filter(case_teams__case=case).order_by("name")


# List and search -----------------------------------------------------------------


# The list's filters and sorting: these go into its URL. The search text never does.
_LIST_PARAMETERS = ("state", "forum", "municipality", "coordinator", "overdue", "sort")


@member
@require_http_methods(["GET", "POST"])
def case_list(request):
    """The cases the user may see. The search is a POST (kept out of URLs and server
    logs, see cases/search.py) that redirects here with a token; filters, sorting and
    paging are GET parameters."""
    _require_case_work(request)
    memberships = policy.case_memberships(request.user)
    visible = policy.visible_cases(request.user, memberships=memberships)
    may_search_numbers = policy.can_search_by_identity_number(request.agency, memberships[0])
    today = timezone.localdate()
    # The filters offer what the user's own networks hold, not what the visible cases
    # hold: asking the cases would run the visibility rule three more times.
    network_ids = policy.member_network_ids(request.user)
    municipalities = Municipality.objects.filter(networks__in=network_ids).distinct()
    token = (request.POST if request.method == "POST" else request.GET).get("sok", "")
    kept = case_search.recall(request.session, token)
    if request.method == "POST":
        data = request.POST
    else:
        # Whatever a URL says about `q` is ignored; the kept text fills the field in again
        # (never an identity number).
        data = request.GET.copy() if request.GET else None
        if data is not None:
            data.pop("q", None)
            if kept and "q" in kept:
                data["q"] = kept["q"]
    form = forms.CaseListForm(
        data,
        forums=Forum.objects.filter(network_id__in=network_ids).order_by("name"),
        municipalities=municipalities.order_by("name"),
        roles=Role.objects.filter(
            Q(kind=RoleKind.SLT_COORDINATOR, municipality__in=municipalities)
            | Q(
                kind=RoleKind.POLICE_RADICALISATION_CONTACT,
                police_district__municipalities__in=municipalities,
            )
        )
        .distinct()
        .select_related("agency", "holder"),
    )
    agency_ids = memberships[0]
    identity = policy.part_shown(request.user, agency_ids, CasePart.IDENTITY)
    form.fields["q"].help_text = (
        _("A name, a case reference, words in the summary, or a national identity number.")
        if may_search_numbers
        else _("A name, a case reference or words in the summary.")
    )
    if request.method == "POST" and form.is_valid():
        # A number finds a case only where the person's identity is open to the agency.
        return _search_and_redirect(
            request, form, visible.filter(identity), kept, token, may_search_numbers
        )
    cases = visible.select_related(
        "subject", "municipality", "forum", "coordinator_role__agency", "coordinator_role__holder"
    ).annotate(
        # The person's name only where the identity is open to the user's agency (C1).
        shows_identity=Case(When(identity, then=Value(True)), default=Value(False)),
    )
    q, sort, search_note = "", "changed", ""
    number_search = bool(kept and "cases" in kept)
    if token and kept is None and request.method == "GET":
        search_note = _("The search has expired. Search again.")
    if number_search:
        if not may_search_numbers:
            # Decided for the agency the user acts for now, which may have changed since
            # the search. The same answer whether or not a case holds the number.
            cases = cases.none()
            search_note = _(
                "Search by national identity number is not available for the agency you "
                "act for. Search by name or case reference instead."
            )
        elif not kept.get("valid"):
            cases = cases.none()
            search_note = _("This is not a valid national identity number or D-number.")
        else:
            cases = cases.filter(pk__in=kept["cases"])
            search_note = _(
                "Showing the cases found by the national identity number you searched "
                "for. The number is not shown here."
            )
    if form.is_valid():
        data = form.cleaned_data
        q = "" if number_search else data["q"].strip()
        sort = data["sort"] or "changed"
        if q:
            cases = cases.filter(_search(q, request.user, agency_ids))
        if data["state"]:
            cases = cases.filter(state=data["state"])
        if data["forum"]:
            cases = cases.filter(forum=data["forum"])
        if data["municipality"]:
            cases = cases.filter(municipality=data["municipality"])
        if data["coordinator"]:
            cases = cases.filter(coordinator_role=data["coordinator"])
        if data["overdue"]:
            # The case row's next open deadline (cases.deadlines), not every task.
            cases = cases.filter(next_open_deadline__lt=today)
    cases = cases.order_by(*_ORDERINGS[sort])
    page = BoundedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("side"))
    shown = [case.pk for case in page.object_list]
    if shown:
        # Names of people are identified case data: the list view is read audit too.
        services.record_case_list_read(
            request.user, shown, searched=bool(q or number_search), request=request
        )
    return render(
        request,
        "cases/list.html",
        {
            "form": form,
            "page": page,
            "q": q,
            "searched": bool(q or number_search or token),
            "number_search": number_search,
            "search_token": token if kept else "",
            "search_note": search_note,
            "today": today,
            "may_register": services.registering_networks(request.user, request.agency).exists(),
            "may_break_glass": policy.may_offer_break_glass(request.user, request.agency),
        },
    )


def _search_and_redirect(request, form, visible, kept, token, may_search_numbers):
    """Keep the posted search in the session and show the list under its token.

    A posted identity number is searched here (audited, never kept: the session keeps
    the ids of the cases found); an empty search field keeps the number search the page
    showed, since the page never shows the number itself."""
    q = form.cleaned_data["q"].strip()
    number = case_search.identity_number_in(q)
    if number:
        case_ids = case_search.search_by_identity_number(
            request.user, visible, number, allowed=may_search_numbers, request=request
        )
        token = case_search.remember(
            request.session,
            {"cases": case_ids, "valid": case_search.is_valid_identity_number(number)},
        )
    elif contains_identity_number(q):
        # A number among other words would be kept in the session and shown again.
        messages.error(
            request, _("Search for a national identity number on its own, without other words.")
        )
        token = ""
    elif q:
        token = case_search.remember(request.session, {"q": q})
    elif not (kept and "cases" in kept):
        token = ""
    params = {name: request.POST[name] for name in _LIST_PARAMETERS if request.POST.get(name)}
    if token:
        params["sok"] = token
    url = reverse("cases:list")
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _search(q, user, agency_ids):
    """Reference ("2026-00042" or "42"), the person's name (typos allowed), or words in
    the summary: a name or summary matches only where that part is open to the user's
    agency, so the search finds nothing the case page would not show. Names and
    summaries are looked up in their indexes (cases/search_index.py); each kind of
    match is one subquery of case ids, computed once for the page."""
    condition = Q(
        pk__in=ConcernCase.objects.filter(
            policy.part_shown(user, agency_ids, CasePart.IDENTITY),
            subject_id__in=search_index.person_ids_named(q),
        ).values("pk")
    )
    summarised = search_index.case_ids_summarised(q)
    if summarised is not None:
        condition |= Q(
            pk__in=ConcernCase.objects.filter(
                policy.part_shown(user, agency_ids, CasePart.SUMMARY), pk__in=summarised
            ).values("pk")
        )
    number = parse_id(q.rpartition("-")[2])
    if number is not None:
        condition |= Q(pk=number)
    return condition


_ORDERINGS = {
    "changed": ("-updated_at", "-id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    # Cases without an open task last, on every database.
    "deadline": (F("next_open_deadline").asc(nulls_last=True), "-updated_at", "-id"),
}


# Intake -----------------------------------------------------------------------------


@member
@require_GET
def new_case(request):
    _require_case_work(request)
    networks = services.registering_networks(request.user, request.agency)
    return render(request, "cases/new.html", {"networks": networks})


def _intake_choices(request):
    _require_case_work(request)
    networks = services.registering_networks(request.user, request.agency)
    if not networks.exists():
        raise PermissionDenied
    municipalities = Municipality.objects.filter(networks__in=networks).distinct().order_by("name")
    roles = Role.objects.none()
    for municipality in municipalities:
        roles |= services.coordinator_roles_for(municipality)
    return {
        "networks": networks.order_by("name"),
        "municipalities": municipalities,
        "coordinator_roles": roles.distinct().order_by("kind", "agency__name"),
    }


@member
@require_http_methods(["GET", "POST"])
def new_anonymous(request):
    form = forms.AnonymousIntakeForm(request.POST or None, **_intake_choices(request))
    warning = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        warning = services.identifiability_warning(data["approximate_age"], data["school"])
        if not warning or request.POST.get("accept_warning"):
            try:
                case = services.register_concern(
                    request.user,
                    request.agency,
                    anonymous=True,
                    **_intake_data(data),
                    approximate_age=data["approximate_age"],
                    school=data["school"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The anonymous discussion was registered."))
                return redirect("cases:detail", pk=case.pk)
    return render(
        request, "cases/intake_form.html", {"form": form, "anonymous": True, "warning": warning}
    )


def _intake_data(data):
    return {
        name: data[name]
        for name in (
            "network",
            "audience",
            "municipality",
            "coordinator_role",
            "observation",
            "observed_by",
            "observed_on",
            "source",
            "urgency",
        )
    }


@member
@require_http_methods(["GET", "POST"])
def new_identified(request):
    form = forms.IdentifiedIntakeForm(
        request.POST or None,
        agency_records_identity_numbers=request.agency.records_identity_numbers,
        **_intake_choices(request),
    )
    duplicates = []
    if request.method == "POST" and form.is_valid():
        person = form.person_fields()
        duplicates = list(
            services.find_possible_duplicates(
                request.user,
                name=person["name"],
                birth_date=person.get("birth_date"),
                birth_year=person.get("birth_year"),
                identity_number=person.get("identity_number", ""),
            )[:10]
        )
        if not duplicates or form.cleaned_data["not_a_duplicate"]:
            try:
                case = services.register_concern(
                    request.user,
                    request.agency,
                    person=person,
                    **_intake_data(form.cleaned_data),
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The concern was registered."))
                return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/intake_form.html",
        {"form": form, "anonymous": False, "duplicates": duplicates},
    )


# The case page --------------------------------------------------------------------


# The sections of the case page, in its read-entry vocabulary. Which of them a user sees
# is the policy's rule for pages (`policy.gated_parts`): tasks are filtered below, the
# journal item by item, the timeline's notes go with the summary.
_CASE_PAGE_SECTIONS = [
    "person",
    "guardians",
    "consents",
    "intake",
    "summary",
    "security_clarification",
    "resources",
    "team",
    "responsibilities",
    "tasks",
    "journal",
    "timeline",
]


@member
@require_GET
def case_detail(request, pk):
    try:
        case, access = open_case(
            request,
            pk,
            parts=CASE_PAGE_PARTS,
            # exit_work: the link to the exit-work pages (tverrnett.exitwork).
            relations=(
                *_CASE_RELATIONS,
                "security_clarification__answered_by",
                "converted_from",
                "exit_work",
            ),
            volunteer_page=True,
            record_read=False,
            partial=True,
            annotations=_case_page_annotations,
        )
    except Http404:
        # A merged case is not found by open_case: its page leads to the survivor, for
        # those who see it; for anyone else the case does not exist. Asked only here, so
        # the page of a case that was never merged does not ask.
        survivor = survivor_visible_to(request.user, pk)
        if survivor is not None:
            return redirect("cases:detail", pk=survivor.pk)
        raise
    if access.path == "consent":
        return _volunteer_case_page(request, case, access)
    today = timezone.localdate()
    shown = shown_sections(access)
    journal = journal_items(request, case, access)[:JOURNAL_ON_CASE_PAGE]
    # The notices and follow-ups in it are the agency's own; the consents, which name
    # the person, are shown only with the identity (not read at all without it).
    if "consents" not in shown:
        case.has_consents = False
    consent_summary = sharing.case_consent_summary(case, request.user, access.agency_ids, today)
    record_page_read(request, case, access, shown, journal)
    team = _team_with_parts(case, access)
    tasks = visible_tasks(case, access)
    context = {
        "case": case,
        "access": access,
        "shown": shown,
        "today": today,
        "team": team,
        "undo_offers": _undo_offers(request, case),
        "own_team_entry": next((m for m in team if m.agency_id in access.agency_ids), None),
        "resources": (
            list(case.resources.all())
            if "resources" in shown and not case.is_anonymous and case.has_resources
            else []
        ),
        "responsibilities": (
            list(case.responsibilities.select_related("agency"))
            if case.has_responsibilities
            else []
        ),
        "tasks": access.mark_changeable(list(tasks), "owner_agency_id"),
        "journal": journal,
        "journal_more": len(journal) == JOURNAL_ON_CASE_PAGE,
        **_documents_section(request, case, access),
        "timeline": list(case.timeline.select_related("actor")[:TIMELINE_ON_CASE_PAGE]),
        "timeline_notes": access.sees("summary"),
        "checklist": (
            [
                (item, services.CHECKLIST_LABELS.get(item.code, item.code))
                # Exit work's own steps are on the exit-work page.
                for item in case.checklist.filter(code__in=services.CHECKLIST_LABELS)
            ]
            if case.source == Source.SOCIAL_MEDIA
            else []
        ),
        "guardians": visible_guardians(case, shown) if case.has_guardians else [],
        "clarification": (
            getattr(case, "security_clarification", None)
            if "security_clarification" in shown
            else None
        ),
        "converted_to": _converted_to(request.user, case),
        "next_states": services.next_states(case),
        "warning": (
            services.identifiability_warning(case.approximate_age, case.school)
            if case.is_anonymous
            else ""
        ),
        "readers": _readers(case) if access.sees_readers else None,
        "task_statuses": TaskStatus.choices,
        "consents": consent_summary,
        **person_fields(request, access, case.sector_confidential_fields or []),
    }
    return render(request, "cases/detail.html", context)


def _case_page_annotations(request, memberships):
    """What the case page's own query of the case answers besides the case: whether each
    section that is often empty has anything at all (an empty one then costs no query of
    its own), and the person's fields the user's sector marks confidential."""
    from tverrnett.cases.models import Guardian
    from tverrnett.consent.models import SectorProfile
    from tverrnett.documents.models import CaseDocument

    case = OuterRef("pk")
    agency_type = getattr(request.agency, "agency_type", None)
    return {
        **sharing.case_consent_flags(request.user, memberships[0]),
        "has_removals": Exists(undo.pending(request.user, case, _UNDO_ON_CASE_PAGE)),
        "has_resources": Exists(Resource.objects.filter(case=case)),
        "has_responsibilities": Exists(Responsibility.objects.filter(case=case)),
        "has_guardians": Exists(Guardian.objects.filter(person=OuterRef("subject_id"))),
        "has_documents": Exists(CaseDocument.objects.filter(case=case)),
        # policy.opened_case_parts and team_parts: no team join ever opened a part.
        "has_opened_parts": Exists(DisclosedPart.objects.filter(disclosure__case=case)),
        "sector_confidential_fields": Subquery(
            SectorProfile.objects.filter(sector=agency_type).values("confidential_person_fields")[
                :1
            ]
        ),
    }


def _documents_section(request, case, access):
    """The documents the user may see (tverrnett.documents), last changed first: one
    query (two more only when an item carries special-category tags). An anonymous
    discussion has none, nor a case without documents (`has_documents`, when asked)."""
    if case.is_anonymous or not getattr(case, "has_documents", True):
        return {"documents": [], "documents_more": False}
    from tverrnett.documents.services import documents_of, visible_versions

    documents = documents_of(visible_versions(request.user, case, access, request.agency))
    return {
        "documents": documents[:DOCUMENTS_ON_CASE_PAGE],
        "documents_more": len(documents) > DOCUMENTS_ON_CASE_PAGE,
    }


# What the case page shows, asked by the page and by its printed summary (cases.summary).


def shown_sections(access):
    """The sections of the case page the user sees: the policy's rule for pages
    (`policy.gated_parts`); tasks are filtered, the journal item by item."""
    return [
        section
        for section in _CASE_PAGE_SECTIONS
        if not policy.gated_parts([section]) - access.parts
    ]


def visible_tasks(case, access):
    """Every task when the tasks are open to the user's agency, else its own."""
    tasks = case.tasks.select_related("owner_agency", "owner_role__holder", "assignee")
    if not access.sees("tasks"):
        tasks = tasks.filter(owner_agency_id__in=access.agency_ids)
    return tasks


def visible_guardians(case, shown):
    return list(case.subject.guardians.all()) if case.subject_id and "guardians" in shown else []


def person_fields(request, access, confidential=None):
    """The person's fields hidden from the user (L04), and those their agency's sector
    profile marks confidential (`confidential`: those fields, when the caller already
    read them; None: read here)."""
    if confidential is None:
        confidential = sharing.confidential_person_fields(request.agency)
    confidential = set(confidential)
    return {
        "confidential_fields": confidential,
        "hidden_fields": policy.hidden_person_fields(
            request.agency, access.path, access.parts, confidential=confidential
        ),
    }


def _team_with_parts(case, access):
    """The team, each member told what it sees of the case (for those who manage it)."""
    team = list(case.team.select_related("agency"))
    if not access.can_manage:
        return team
    sees = policy.team_parts(case, [team_member.agency_id for team_member in team])
    for team_member in team:
        parts = sees.get(team_member.agency_id, frozenset())
        team_member.sees_all = parts >= set(CasePart.values)
        team_member.opened_parts = [
            CASE_PART_SHORT_LABELS[part] for part in CasePart if part in parts
        ]
    return team


def journal_items(request, case, access):
    """The items the user may read, newest first, with what was shared of them; those
    tagged GDPR Art. 9 or 10 withheld unless the user may read them (L34)."""
    entries = (
        policy.visible_journal(request.user, case, access.path, access.memberships)
        .annotate(
            is_superseded=Exists(JournalEntry.objects.filter(supersedes=OuterRef("pk"))),
            # What was shared of an item is read only for those shared (SharedItems).
            was_shared=Exists(DisclosedItem.objects.filter(entry=OuterRef("pk"))),
            # The document a version's item carries (tverrnett.documents), for its link.
            document_id=F("document_version__document_id"),
        )
        # A signed assessment's item shows as a summary with a link (journal_entry.html).
        .select_related("assessment__instrument", "assessment__assessor")
    )
    return sharing.SharedItems(entries, access.agency_ids, request.user, request.agency)


def record_page_read(request, case, access, parts, items, action="case.viewed"):
    """The read entry (L44), marking the special-category items shown and those withheld
    (L34). `items` have been through policy.withhold_special_categories."""
    services.record_case_read(
        request.user,
        case,
        parts=parts,
        access_path=access.path,
        special_items=[item.pk for item in items if item.special_categories],
        withheld_items=[item.pk for item in items if getattr(item, "withheld", False)],
        request=request,
        action=action,
    )


def _volunteer_case_page(request, case, access):
    """What a voluntary organisation sees (L49): the consent that names it, the
    coordinator, and the items disclosed to it. Nothing else of the case."""
    journal = journal_items(request, case, access)[:JOURNAL_ON_CASE_PAGE]
    record_page_read(request, case, access, ["consent", "disclosed_items"], journal)
    consents = sharing.consents_naming(case, access.volunteer_ids)
    return render(
        request,
        "cases/detail_volunteer.html",
        {
            "case": case,
            "access": access,
            "journal": journal,
            "consents": consents,
            "shows_name": any(
                InformationCategory.PERSONAL_DETAILS in consent.categories for consent in consents
            ),
        },
    )


def _converted_to(user, case):
    if not case.is_anonymous:
        return None
    return policy.visible_cases(user).filter(converted_from=case).only("id", "created_at").first()


def _readers(case):
    """Who has read the case, newest first: for the coordinator (L44). The log keeps the
    username; the page names the person (issue 21 item 15), read in the same query.

    Counted over the case's latest READ_WINDOW read entries only, so the page costs the
    same however often the case was read: the index on (target_type, target_id, id)
    walks the case's entries newest first and stops there. `more`: the window or the
    list was full, so older readers or views may be left out (the access log has all).
    """
    name = User.objects.filter(username=OuterRef("actor_username")).annotate(
        name=Concat("first_name", Value(" "), "last_name")
    )
    latest = (
        AuditEntry.objects.filter(
            target_type="cases.concerncase",
            target_id=str(case.pk),
            action__in=["case.viewed", "case.summary_printed"],
        )
        .order_by("-id")
        .values("id")[:READ_WINDOW]
    )
    rows = list(
        AuditEntry.objects.filter(id__in=latest)
        .values("actor_username", "agency_name")
        .annotate(last=Max("created_at"), views=Count("id"), name=Subquery(name.values("name")[:1]))
        .order_by("-last")[: READERS_ON_CASE_PAGE + 1]
    )
    return {
        "rows": rows[:READERS_ON_CASE_PAGE],
        "more": len(rows) > READERS_ON_CASE_PAGE
        or sum(row["views"] for row in rows) >= READ_WINDOW,
        "window": READ_WINDOW,
    }


@member
@require_GET
def journal(request, pk):
    case, access = open_case(request, pk, volunteer_page=True, record_read=False)
    items = journal_items(request, case, access)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("side"))
    record_page_read(request, case, access, ["journal"], page.object_list)
    return render(request, "cases/journal.html", {"case": case, "access": access, "page": page})


@member
@require_GET
def journal_history(request, pk, entry_pk):
    """Every version of one of the user's own agency's entries. Another agency's item
    is seen only in the version disclosed, so it has no history here."""
    case, access = open_case(request, pk, parts=["journal"], record_read=False)
    entry = get_object_or_404(policy.own_journal(request.user, case), pk=entry_pk)
    # Every version of the agency's entries in one query, then the chain walked back.
    by_id = {
        version.pk: version
        for version in case.journal.filter(agency_id=entry.agency_id).select_related(
            "author", "agency"
        )
    }
    versions = [entry]
    while versions[-1].supersedes_id in by_id:
        versions.append(by_id[versions[-1].supersedes_id])
    versions = policy.withhold_special_categories(request.user, versions, request.agency)
    record_page_read(request, case, access, ["journal"], versions)
    return render(
        request,
        "cases/journal_history.html",
        {"case": case, "access": access, "versions": versions},
    )


# Forms on a case -------------------------------------------------------------------


def _case_form(
    request, pk, *, parts, allowed, template, build, save, success, explain=None, **extra
):
    """The shape every case form shares: open the case, check, build, save, redirect.

    `build(case, data)` returns the form, `save(case, form)` calls the service.
    `explain(case, access)` may answer instead, for a user who may act on the case but not
    in its present state: a page that says why beats a bare 403 (issue 21 item 11).
    """
    case, access = open_case(request, pk, parts=parts)
    if explain is not None and not allowed(case, access):
        response = explain(case, access)
        if response is not None:
            return response
    _require(allowed(case, access))
    form = forms.guard_anonymous(build(case, request.POST or None), case)
    if request.method == "POST" and form.is_valid():
        try:
            save(case, form)
        except services.StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("cases:detail", pk=case.pk)
    return render(request, template, {"case": case, "access": access, "form": form, **extra})


@member
@require_http_methods(["GET", "POST"])
def change_state(request, pk):
    case, access = open_case(request, pk, parts=["state"])
    _require(access.can_manage)
    states = services.next_states(case)
    form = forms.StateForm(request.POST or None, states=states, initial={"version": case.version})
    forms.guard_anonymous(form, case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_state(
                request.user,
                case,
                data["to_state"],
                version=data["version"],
                evaluation=data["evaluation"],
                review_on=data["review_on"],
                note=data["note"],
                request=request,
            )
        except services.StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The case is now in the state “%(state)s”.")
                % {"state": case.get_state_display()},
            )
            if case.state == CaseState.SECURITY_CLARIFICATION:
                # The clarification is what the case needs next: go straight to it.
                return redirect("cases:security", pk=case.pk)
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/state_form.html", {"case": case, "access": access, "form": form})


@member
@require_http_methods(["GET", "POST"])
def reopen(request, pk):
    def save(case, form):
        services.reopen(
            request.user,
            case,
            version=form.cleaned_data["version"],
            reason=form.cleaned_data["reason"],
            request=request,
        )

    return _case_form(
        request,
        pk,
        parts=["state"],
        allowed=lambda case, access: case.is_closed and not case.is_anonymous and access.can_manage,
        template="cases/simple_form.html",
        build=lambda case, data: forms.ReopenForm(data, initial={"version": case.version}),
        save=save,
        success=_("The case was reopened."),
        title=_("Reopen the case"),
        submit=_("Reopen"),
    )


@member
@require_http_methods(["GET", "POST"])
def security_clarification(request, pk):
    def build(case, data):
        existing = getattr(case, "security_clarification", None)
        return forms.SecurityClarificationForm(
            data, instance=existing, initial={"version": case.version}
        )

    def save(case, form):
        services.record_security_clarification(
            request.user,
            case,
            version=form.cleaned_data["version"],
            answers=form.answers(),
            request=request,
        )

    def explain(case, access):
        if not access.can_manage:
            return None
        if CaseState.SECURITY_CLARIFICATION in services.next_states(case):
            # One step from a registered case: the page offers to move it into clarification.
            return render(
                request,
                "cases/security_not_yet.html",
                {"case": case, "access": access},
            )
        messages.error(
            request,
            _(
                "The security clarification can only be recorded while the case is in "
                "security clarification."
            ),
        )
        return redirect("cases:detail", pk=case.pk)

    return _case_form(
        request,
        pk,
        parts=["security_clarification"],
        allowed=lambda case, access: (
            access.can_manage and case.state == CaseState.SECURITY_CLARIFICATION
        ),
        explain=explain,
        template="cases/security_form.html",
        build=build,
        save=save,
        success=_("The security clarification was recorded."),
    )


@member
@require_http_methods(["GET", "POST"])
def convert(request, pk):
    case, access = open_case(request, pk, parts=["journal", "summary"])
    _require(
        access.can_manage and case.is_anonymous and case.state == CaseState.ANONYMOUS_DISCUSSION
    )
    entries = policy.withhold_special_categories(
        request.user,
        policy.visible_journal(request.user, case, access.path, access.memberships),
        request.agency,
    )
    agency = services.actor_agency(request.user, case, request)
    form = forms.ConversionForm(
        request.POST or None,
        entries=entries,
        legal_bases=catalogue.bases_usable_by(agency.agency_type, timezone.localdate()),
        agency_records_identity_numbers=request.agency.records_identity_numbers,
        initial={"version": case.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            identified = services.convert_anonymous(
                request.user,
                case,
                version=form.cleaned_data["version"],
                legal_basis=form.cleaned_data["legal_basis"],
                person=form.person_fields(),
                copy_entry_ids=[int(pk) for pk in form.cleaned_data["copy_entries"]],
                request=request,
            )
        except services.StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The identified case was created."))
            return redirect("cases:detail", pk=identified.pk)
    return render(
        request, "cases/convert_form.html", {"case": case, "access": access, "form": form}
    )


@member
@require_http_methods(["GET", "POST"])
def edit_summary(request, pk):
    def save(case, form):
        services.change_summary(
            request.user,
            case,
            version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"],
            request=request,
        )

    return _case_form(
        request,
        pk,
        parts=["summary"],
        allowed=lambda case, access: access.can_work,
        template="cases/simple_form.html",
        build=lambda case, data: forms.SummaryForm(
            data, initial={"version": case.version, "summary": case.summary}
        ),
        save=save,
        success=_("The summary was saved."),
        title=_("Common summary"),
        submit=_("Save summary"),
    )


@member
@require_http_methods(["GET", "POST"])
def change_coordinator(request, pk):
    def save(case, form):
        services.change_coordinator(
            request.user,
            case,
            version=form.cleaned_data["version"],
            role=form.cleaned_data["role"],
            reason=form.cleaned_data["reason"],
            request=request,
        )

    return _case_form(
        request,
        pk,
        parts=["coordinator"],
        allowed=lambda case, access: access.can_manage and not case.is_closed,
        template="cases/simple_form.html",
        build=lambda case, data: forms.CoordinatorForm(
            data,
            roles=services.coordinator_roles_for(case.municipality).exclude(
                pk=case.coordinator_role_id
            ),
            initial={"version": case.version},
        ),
        save=save,
        success=_("The coordinator was changed."),
        title=_("Change coordinator"),
        submit=_("Change coordinator"),
    )


@member
@require_http_methods(["GET", "POST"])
def edit_person(request, pk):
    case, access = open_case(request, pk, parts=["person", "guardians"])
    _require(access.can_work and not case.is_anonymous)
    person = case.subject
    agency = services.actor_agency(request.user, case, request)
    initial = {
        name: getattr(person, name)
        for name in forms.PersonForm.base_fields
        if name != "identity_number"
    }
    initial["version"] = case.version
    form = forms.PersonEditForm(
        request.POST or None,
        initial=initial,
        agency_records_identity_numbers=agency.records_identity_numbers,
        has_identity_number=bool(person.identity_number),
    )
    guardians = forms.GuardianFormSet(
        request.POST or None,
        prefix="guardians",
        initial=[
            {
                "name": guardian.name,
                "relation": guardian.relation,
                "has_parental_responsibility": guardian.has_parental_responsibility,
                "phone": guardian.phone,
            }
            for guardian in person.guardians.all()
        ],
    )
    if request.method == "POST" and form.is_valid() and guardians.is_valid():
        fields = form.person_fields()
        if form.cleaned_data.get("remove_identity_number"):
            fields["remove_identity_number"] = True
        kept = [
            row
            for row in guardians.cleaned_data
            if row and row.get("name") and not row.get("DELETE")
        ]
        for row in kept:
            row.pop("DELETE", None)
        try:
            services.change_person(
                request.user,
                case,
                version=form.cleaned_data["version"],
                fields=fields,
                guardians=kept,
                request=request,
            )
        except services.StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The person's details were saved."))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/person_form.html",
        {"case": case, "access": access, "form": form, "guardians": guardians},
    )


@member
@require_POST
def reveal_identity_number(request, pk):
    case, access = open_case(request, pk)
    _require(access.path in ("team", "coordinator"))
    try:
        number = services.reveal_identity_number(request.user, case, request=request)
    except PermissionDenied:
        raise Http404 from None
    # Rendered in the response to the POST, never put in a URL or redirect.
    return render(
        request,
        "cases/identity_number.html",
        {"case": case, "access": access, "identity_number": number},
    )


def _opening_form(request, case, data, *, optional):
    sender = services.actor_agency(request.user, case, request)
    consents, bases = sharing_services.team_join_grounds(case, sender)
    return forms.guard_anonymous(
        consent_forms.CaseOpeningForm(
            data, consents=consents, bases=bases, optional=optional, prefix="opening"
        ),
        case,
    )


@member
@require_http_methods(["GET", "POST"])
def add_team_member(request, pk):
    """Joining the team is a disclosure (C1): the agency comes with the reduced view, or
    with the parts a consent or a legal basis opens to it, recorded in one step."""
    case, access = open_case(request, pk, parts=["team"])
    _require(access.can_manage and not case.is_closed)
    data = request.POST or None
    form = forms.TeamMemberForm(
        data,
        agencies=Agency.objects.filter(is_active=True)
        .exclude(agency_type=AgencyType.VOLUNTARY_ORG)
        .exclude(case_teams__case=case)
        .order_by("name"),
        initial={"agency": request.GET.get("agency")} if request.GET.get("agency") else None,
    )
    forms.guard_anonymous(form, case)
    opening = _opening_form(request, case, data, optional=True)
    if request.method == "POST" and form.is_valid() and opening.is_valid():
        try:
            sharing_services.join_team(
                request.user, case, **form.cleaned_data, **opening.opening(), request=request
            )
        except ValidationError as error:
            add_service_errors(opening if _opening_error(error) else form, error)
        else:
            if opening.cleaned_data["consent"] or opening.cleaned_data["legal_basis"]:
                messages.success(
                    request,
                    _("The agency was added to the team, and the disclosure is recorded."),
                )
            else:
                messages.success(
                    request,
                    _(
                        "The agency was added to the team with the reduced view: it sees "
                        "nothing about the person until you open the case to it."
                    ),
                )
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/team_join.html",
        {"case": case, "access": access, "form": form, "opening": opening},
    )


def _opening_error(error):
    """A service error about the ground, the parts or why, not the team form's fields."""
    fields = set(getattr(error, "error_dict", {}))
    return bool(fields & {"ground", "parts", "purpose", "necessity_note", "confirmations"})


@member
@require_http_methods(["GET", "POST"])
def open_to_agency(request, pk, member_pk):
    """Open more of the case to an agency already on the team, under a consent or a legal
    basis: an immutable disclosure naming the parts."""
    case, access = open_case(request, pk, parts=["team"])
    _require(access.can_manage and not case.is_closed)
    team_member = get_object_or_404(
        TeamMember.objects.select_related("agency"), pk=member_pk, case=case
    )
    opening = _opening_form(request, case, request.POST or None, optional=False)
    if request.method == "POST" and opening.is_valid():
        try:
            sharing_services.open_case_to(
                request.user,
                case,
                recipient=team_member.agency,
                **opening.opening(),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(opening, error)
        else:
            messages.success(
                request,
                _("The case was opened to %(agency)s. The disclosure is recorded.")
                % {"agency": team_member.agency.name},
            )
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/open_to_agency.html",
        {
            "case": case,
            "access": access,
            "opening": opening,
            "team_member": team_member,
            "sees": [
                CasePart(part).label
                for part in CasePart
                if part in policy.team_parts(case).get(team_member.agency_id, ())
            ],
        },
    )


def _team_member_action(request, pk, member_pk, action, success):
    case, access = open_case(request, pk)
    _require(access.can_manage)
    team_member = get_object_or_404(
        TeamMember.objects.select_related("agency"), pk=member_pk, case=case
    )
    try:
        action(request.user, case, team_member, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("cases:detail", pk=case.pk)


@member
@require_POST
def remove_team_member(request, pk, member_pk):
    """The case page then offers to undo it (`undo_offers`) instead of a message."""
    case, access = open_case(request, pk)
    _require(access.can_manage)
    team_member = get_object_or_404(
        TeamMember.objects.select_related("agency"), pk=member_pk, case=case
    )
    try:
        services.remove_team_member(request.user, case, team_member, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("cases:detail", pk=case.pk)


_UNDO_ON_CASE_PAGE = {
    Removal.Kind.TEAM_MEMBER: services.undo_remove_team_member,
    Removal.Kind.RESOURCE: services.undo_remove_resource,
}


def _undo_offers(request, case):
    offers = undo.offers(request.user, case, _UNDO_ON_CASE_PAGE)
    for removal in offers:
        removal.undo_url = reverse("cases:undo_removal", args=[case.pk, removal.pk])
    return offers


@member
@require_POST
def undo_removal(request, pk, removal_pk):
    """Undo a removal from the team or the person's own network: only the user who made
    it, acting for the same agency; anyone else gets the 404 of a missing removal."""
    case, _access = open_case(request, pk)
    removal = undo.find(request.user, case, removal_pk, _UNDO_ON_CASE_PAGE)
    if removal is None:
        raise Http404
    try:
        _UNDO_ON_CASE_PAGE[removal.kind](request.user, case, removal, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Undone: %(what)s is back.") % {"what": removal.label})
    return redirect("cases:detail", pk=case.pk)


@member
@require_POST
def give_lead(request, pk, member_pk):
    return _team_member_action(
        request, pk, member_pk, services.give_lead, _("The lead responsibility was moved.")
    )


@member
@require_http_methods(["GET", "POST"])
def add_resource(request, pk):
    def save(case, form):
        services.add_resource(request.user, case, **form.cleaned_data, request=request)

    return _case_form(
        request,
        pk,
        parts=["resources"],
        allowed=lambda case, access: access.can_work and not case.is_anonymous,
        template="cases/simple_form.html",
        build=lambda case, data: forms.ResourceForm(data),
        save=save,
        success=_("The resource was added."),
        title=_("Add someone from the person's own network"),
        submit=_("Add"),
    )


@member
@require_POST
def remove_resource(request, pk, resource_pk):
    case, access = open_case(request, pk)
    _require(access.can_work)
    resource = get_object_or_404(Resource, pk=resource_pk, case=case)
    services.remove_resource(request.user, case, resource, request=request)
    return redirect("cases:detail", pk=case.pk)


@member
@require_http_methods(["GET", "POST"])
def add_responsibility(request, pk):
    def save(case, form):
        services.add_responsibility(request.user, case, **form.cleaned_data, request=request)

    return _case_form(
        request,
        pk,
        parts=["responsibilities"],
        allowed=lambda case, access: access.can_manage and not case.is_closed,
        template="cases/simple_form.html",
        build=lambda case, data: forms.ResponsibilityForm(
            data, agencies=_team_agencies(case), initial={"agreed_on": timezone.localdate()}
        ),
        save=save,
        success=_("The responsibility was added."),
        title=_("Add to the responsibility matrix"),
        submit=_("Add"),
    )


@member
@require_http_methods(["GET", "POST"])
def add_task(request, pk):
    def build(case, data):
        access = _Access(request.user, case, policy.case_memberships(request.user))
        # A team agency gives tasks to itself; the coordinator's side to any team agency.
        agencies = _team_agencies(case)
        if not access.can_manage:
            agencies = agencies.filter(pk__in=access.agency_ids)
        return forms.TaskForm(
            data,
            agencies=agencies,
            roles=Role.objects.filter(agency__in=agencies).select_related("agency", "holder"),
        )

    def save(case, form):
        services.add_task(request.user, case, **form.cleaned_data, request=request)

    return _case_form(
        request,
        pk,
        parts=["tasks"],
        allowed=lambda case, access: access.can_work,
        template="cases/simple_form.html",
        build=build,
        save=save,
        success=_("The task was added."),
        title=_("Add a task"),
        submit=_("Add task"),
    )


@member
@require_POST
def change_task_status(request, pk, task_pk):
    case, access = open_case(request, pk)
    _require(access.can_work)
    task = get_object_or_404(Task.objects.select_related("case"), pk=task_pk, case=case)
    _require(access.may_change_work_of(task.owner_agency_id))
    form = forms.TaskStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("cases:detail", pk=case.pk)
    try:
        services.change_task_status(
            request.user,
            task,
            status=form.cleaned_data["status"],
            version=form.cleaned_data["version"],
            request=request,
        )
    except services.StaleEdit:
        return _stale(request, case)
    messages.success(request, _("The task status was saved."))
    return redirect("cases:detail", pk=case.pk)


@member
@require_http_methods(["GET", "POST"])
def write_journal(request, pk):
    def save(case, form):
        services.write_journal_entry(request.user, case, **form.cleaned_data, request=request)

    return _case_form(
        request,
        pk,
        parts=["journal"],
        allowed=lambda case, access: access.can_work,
        template="cases/simple_form.html",
        build=lambda case, data: forms.JournalForm(data, police=_writes_for_police(request, case)),
        save=save,
        success=_("The journal entry was saved."),
        title=_("Write a journal entry"),
        submit=_("Save entry"),
    )


def _writes_for_police(request, case):
    return services.actor_agency(request.user, case, request).agency_type in (
        services.POLICE_SECTORS
    )


@member
@require_http_methods(["GET", "POST"])
def correct_journal(request, pk, entry_pk):
    case, access = open_case(request, pk, parts=["journal"])
    _require(access.can_work)
    entry = get_object_or_404(policy.own_journal(request.user, case), pk=entry_pk)
    # Correcting an item means reading it (L34).
    policy.withhold_special_categories(request.user, [entry], request.agency)
    _require(not entry.withheld)
    form = forms.JournalCorrectionForm(
        request.POST or None,
        police=entry.sector in services.POLICE_SECTORS,
        initial={
            "text": entry.text,
            "confidentiality": entry.confidentiality,
            **{field: getattr(entry, field) for field in services.ITEM_CLASS_FIELDS},
        },
    )
    forms.guard_anonymous(form, case)
    if request.method == "POST" and form.is_valid():
        try:
            # Through consent: earlier recipients of the entry are told (L41).
            sharing_services.correct_item(request.user, entry, **form.cleaned_data, request=request)
        except services.StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The correction was saved as a new version."))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "cases/simple_form.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "title": _("Correct a journal entry"),
            "submit": _("Save correction"),
            "intro": _(
                "The entry is not changed: your correction becomes a new version, and "
                "the earlier one stays in the history."
            ),
        },
    )


@member
@require_POST
def tick_checklist_item(request, pk, item_pk):
    case, access = open_case(request, pk)
    _require(access.can_work)
    item = get_object_or_404(ChecklistItem.objects.select_related("case"), pk=item_pk, case=case)
    services.tick_checklist_item(request.user, item, request=request)
    messages.success(request, _("The step was marked as done."))
    return redirect("cases:detail", pk=case.pk)


# Break-glass ---------------------------------------------------------------------


@member
@require_http_methods(["GET", "POST"])
def break_glass(request):
    """Emergency access (L43), offered only to agencies that could plausibly need it.
    A reference that names no case and a case the agency may not open get the same
    answer, the reason is checked before the reference is looked up, and every attempt
    is audited (services.request_break_glass), a refused agency's too."""
    if not policy.may_offer_break_glass(request.user, request.agency):
        if request.method == "POST":
            services.record_break_glass_attempt(
                request.user,
                request.agency,
                request.POST.get("reference", ""),
                outcome="refused_agency",
                request=request,
            )
        _require_case_work(request)  # no case work at all: the page does not exist (404)
        return render(request, "cases/break_glass.html", {"refused": True}, status=403)
    form = forms.BreakGlassForm(request.POST or None)
    if request.method == "POST" and not form.is_valid():
        services.record_break_glass_attempt(
            request.user,
            request.agency,
            request.POST.get("reference", ""),
            outcome="refused_form",
            request=request,
        )
    elif request.method == "POST":
        try:
            case, opened = services.request_break_glass(
                request.user,
                request.agency,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if opened:
                messages.warning(
                    request,
                    _(
                        "Emergency access is open for %(minutes)d minutes. Your manager will "
                        "review it."
                    )
                    % {"minutes": settings.BREAK_GLASS_MINUTES},
                )
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/break_glass.html", {"form": form})


@member
@require_GET
def break_glass_reviews(request):
    if not policy.managed_acting_agencies(request.user).exists():
        raise Http404
    reviews = services.break_glass_reviews_for(request.user)
    page = BoundedPaginator(reviews, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(request, "cases/break_glass_reviews.html", {"page": page})


@member
@require_POST
def review_break_glass(request, access_pk):
    access = get_object_or_404(services.break_glass_reviews_for(request.user), pk=access_pk)
    form = forms.BreakGlassReviewForm(request.POST)
    form.is_valid()
    try:
        services.review_break_glass(
            request.user, access, note=form.cleaned_data.get("note", ""), request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The emergency access was marked as reviewed."))
    return redirect("cases:break_glass_reviews")
