"""Individual plan pages (N10, L30-L33).

Every case lookup goes through `cases.views.open_case` (404 for anyone outside the case,
and for voluntary organisations). A plan the user may not see is a 404 as well
(`policy.can_see_plan`): for them it does not exist. A change they may not make is a 403.
The rules are in services.py; these views parse input and show the answer.

One template body shows a plan everywhere (plans/includes/plan_body.html): the plan page,
the meeting view, a finalised version and the PDF. It is given a plain `doc` (a dict)
built here from the live plan or from a version's kept content, so the four cannot
drift apart.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.agencies.models import Agency
from tverrnett.cases import services as case_services
from tverrnett.cases import undo
from tverrnett.cases.models import Removal
from tverrnett.cases.services import StaleEdit
from tverrnett.cases.views import open_case
from tverrnett.consent.models import WithdrawalRequest
from tverrnett.consent.pdf import document_language
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_id, parse_int
from tverrnett.measures.models import Measure
from tverrnett.plans import documents, forms, services
from tverrnett.plans.models import (
    IndividualPlan,
    PlanGoal,
    PlanMeasure,
    PlanStatus,
)
from tverrnett.plans.pdf import plan_pdf

# The part of the case these pages show, named in the read entry (L44).
PARTS = ["individual_plan"]

_PLAN_RELATIONS = (
    "consent",
    "coordinator_role__agency",
    "coordinator_role__holder",
    "coordinator_role__municipality",
    "coordinator_role__police_district",
    "coordinator_role__network",
)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _open(request, pk, plan_pk, *, parts=PARTS, whole=False, allowed=None):
    """The case and the plan the user may see, or 404. `allowed(plan, access)`, when
    given, must hold too (else 403). A GET records the read (L44) only once the page is
    known to show: a refused page leaves no read entry. `whole` loads everything the
    plan shows."""
    case, access = open_case(request, pk, parts=parts, record_read=False)
    plans = IndividualPlan.objects.select_related(*_PLAN_RELATIONS)
    if whole:
        plans = plans.prefetch_related(*documents.plan_prefetch())
    plan = get_object_or_404(plans, pk=plan_pk, case=case)
    plan.case = case  # the policy asks about the case; it is loaded already
    if not policy.can_see_plan(request.user, plan, access.path, access.agency_ids):
        raise Http404
    if allowed is not None:
        _require(allowed(plan, access))
    if request.method == "GET":
        case_services.record_case_read(
            request.user, case, parts=parts, access_path=access.path, request=request
        )
    return case, access, plan


def _can_edit(request, plan, access):
    return plan.is_current and policy.can_edit_plan(request.user, plan, access.agency_ids)


def _open_for_edit(request, pk, plan_pk, **kwargs):
    """As `_open`, for the coordinator's side of a current plan; anyone else gets 403."""
    return _open(
        request,
        pk,
        plan_pk,
        allowed=lambda plan, access: _can_edit(request, plan, access),
        **kwargs,
    )


def _to_detail(plan, anchor=""):
    response = redirect("plans:detail", pk=plan.case_id, plan_pk=plan.pk)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


def _try(form, action):
    """Run a service call for a form; True when it succeeded. A stale save changes
    nothing and says so on the form, which keeps what the user wrote."""
    try:
        action()
    except StaleEdit as stale:
        form.add_error(None, str(stale))
    except ValidationError as error:
        add_service_errors(form, error)
    else:
        return True
    return False


def _form_page(request, case, access, plan, form, *, title, submit, intro=""):
    return render(
        request,
        "plans/form.html",
        {
            "case": case,
            "access": access,
            "plan": plan,
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
        },
    )


# What the plan shows ------------------------------------------------------------------


def _versions(plan):
    """The finalised versions, newest first, without their kept content."""
    return list(plan.versions.defer("content").select_related("finalised_by"))


# Finding and creating a plan -------------------------------------------------------------


def _may_see(request, plan, case, access):
    """Whether the user may see `plan`, which may belong to another case of the person."""
    if plan.case_id == case.pk:
        plan.case = case
        return policy.can_see_plan(request.user, plan, access.path, access.agency_ids)
    path = policy.case_access_path(request.user, plan.case, memberships=access.memberships)
    return policy.can_see_plan(request.user, plan, path, access.agency_ids)


def _earlier_plans(request, case, access):
    """The case's ended plans the user may see. A person has few (one at a time), so
    asking the policy of each costs a query or two per plan, not per row of anything."""
    return [
        plan
        for plan in case.individual_plans.filter(status=PlanStatus.ENDED).select_related(
            "consent", "coordinator_role"
        )
        if _may_see(request, plan, case, access)
    ]


@member
@require_GET
def for_case(request, pk):
    """The case page's link: the person's current plan, or the page to make one."""
    case, access = open_case(request, pk, parts=PARTS, record_read=False)
    if case.is_anonymous:
        raise Http404
    plan = services.current_plan_of(case.subject)
    if plan is not None and _may_see(request, plan, case, access):
        return redirect("plans:detail", pk=plan.case_id, plan_pk=plan.pk)
    if access.can_manage and not case.is_closed:
        return redirect("plans:create", pk=case.pk)
    case_services.record_case_read(
        request.user, case, parts=PARTS, access_path=access.path, request=request
    )
    return render(
        request,
        "plans/none.html",
        {"case": case, "access": access, "earlier": _earlier_plans(request, case, access)},
    )


@member
@require_http_methods(["GET", "POST"])
def create(request, pk):
    """A plan is made only under a consent that allows it (L30); one at a time (L31)."""
    parts = [*PARTS, "consents"]
    case, access = open_case(request, pk, parts=parts, record_read=False)
    if case.is_anonymous:
        raise Http404
    _require(access.can_manage and not case.is_closed)
    if request.method == "GET":  # after the check: a refused page leaves no read entry
        case_services.record_case_read(
            request.user, case, parts=parts, access_path=access.path, request=request
        )
    existing = services.current_plan_of(case.subject)
    consents = services.plan_consents(case).prefetch_related("recipients")
    form = forms.CreatePlanForm(request.POST or None, consents=consents)
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            plan = services.create_plan(
                request.user, case, consent=form.cleaned_data["consent"], request=request
            )
        except services.PlanExists as exists:
            existing = exists.plan
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The plan was created as a draft. Fill in its sections, then finalise it."),
            )
            return _to_detail(plan)
    return render(
        request,
        "plans/create.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "has_consents": consents.exists(),
            "existing": existing,
            "earlier": _earlier_plans(request, case, access),
        },
    )


# The plan ---------------------------------------------------------------------------------


def _contribution_forms(request, plan, access):
    """A form for each of the user's services that writes its own part of the plan."""
    if not plan.is_current:
        return []
    agency_ids = policy.plan_contributing_agency_ids(request.user, plan, access.agency_ids)
    if not agency_ids:
        return []
    # The plan's services are the consent's and the coordinator's: loaded already.
    names = {agency.pk: agency.name for agency in plan.consent.recipients.all()}
    names[plan.coordinator_role.agency_id] = plan.coordinator_role.agency.name
    existing = {c.agency_id: c for c in plan.contributions.all()}
    rows = []
    for agency_id in sorted(agency_ids, key=lambda pk: names.get(pk, "")):
        contribution = existing.get(agency_id)
        rows.append(
            {
                "agency_id": agency_id,
                "agency_name": names.get(agency_id, ""),
                "contribution": contribution,
                "form": forms.ContributionForm(
                    initial={
                        "agency": agency_id,
                        "version": contribution.version if contribution else None,
                        "text": contribution.text if contribution else "",
                    },
                    auto_id=f"contribution-{agency_id}-%s",
                ),
            }
        )
    return rows


@member
@require_GET
def detail(request, pk, plan_pk):
    case, access, plan = _open(request, pk, plan_pk, whole=True)
    missing = services.missing_sections(plan)
    can_edit = _can_edit(request, plan, access)
    versions = _versions(plan)
    return render(
        request,
        "plans/detail.html",
        {
            "case": case,
            "access": access,
            "plan": plan,
            "doc": documents.live_doc(plan),
            "sections": documents.sections(missing),
            "missing": [services.SECTION_LABELS[code] for code in missing],
            "can_edit": can_edit,
            "undo_offers": _undo_offers(request, case, plan) if can_edit else [],
            "contribution_forms": _contribution_forms(request, plan, access),
            "versions": versions,
            "person_comments": list(plan.comments.all()),
            "withdrawal_requests": list(
                WithdrawalRequest.objects.filter(consent__case=plan.case).select_related(
                    "consent", "task"
                )
            ),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def edit(request, pk, plan_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    names = [name for name in forms.PlanForm.base_fields if name != "version"]
    form = forms.PlanForm(
        request.POST or None,
        initial={"version": plan.version, **{name: getattr(plan, name) for name in names}},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changed = {name: data[name] for name in names if name in form.changed_data}
        if not changed:
            messages.info(request, _("Nothing was changed."))
            return _to_detail(plan)
        saved = _try(
            form,
            lambda: services.change_plan(
                request.user, plan, version=data["version"], request=request, **changed
            ),
        )
        if saved:
            messages.success(request, _("The plan was saved."))
            return _to_detail(plan)
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("Edit the plan's sections"),
        submit=_("Save the plan"),
        intro=_(
            "Write it so the person understands it. Goals, measures and revision dates are "
            "added on the plan page."
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def add_goal(request, pk, plan_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    form = forms.GoalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _try(
            form,
            lambda: services.add_goal(request.user, plan, request=request, **form.cleaned_data),
        )
        if saved:
            messages.success(request, _("The goal was added."))
            return _to_detail(plan, "section-own_goals")
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("Add a goal"),
        submit=_("Add the goal"),
        intro=_(
            "A goal the person says themselves is written in their own words and marked as theirs."
        ),
    )


@member
@require_POST
def remove_goal(request, pk, plan_pk, goal_pk):
    _case, _access, plan = _open_for_edit(request, pk, plan_pk)
    goal = get_object_or_404(PlanGoal, pk=goal_pk, plan=plan)
    goal.plan = plan
    services.remove_goal(request.user, goal, request=request)
    return _to_detail(plan)


def _measure_form(request, case, form_class=forms.PlanMeasureForm, **kwargs):
    return form_class(
        request.POST or None,
        measures=Measure.objects.filter(case=case)
        .select_related("measure_type")
        .order_by("-start_on", "-id"),
        agencies=Agency.objects.filter(case_teams__case=case).order_by("name"),
        **kwargs,
    )


@member
@require_http_methods(["GET", "POST"])
def add_measure(request, pk, plan_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    form = _measure_form(request, case)
    if request.method == "POST" and form.is_valid():
        saved = _try(
            form,
            lambda: services.add_plan_measure(
                request.user, plan, request=request, **form.cleaned_data
            ),
        )
        if saved:
            messages.success(request, _("The measure was added to the plan."))
            return _to_detail(plan, "section-measures")
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("Add a measure to the plan"),
        submit=_("Add the measure"),
        intro=_("Every measure in the plan says which service is responsible, how much and when."),
    )


def _plan_measure(plan, entry_pk):
    entry = get_object_or_404(
        PlanMeasure.objects.select_related("measure", "responsible_agency"),
        pk=entry_pk,
        plan=plan,
    )
    entry.plan = plan
    return entry


@member
@require_http_methods(["GET", "POST"])
def edit_measure(request, pk, plan_pk, entry_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    entry = _plan_measure(plan, entry_pk)
    form = _measure_form(
        request,
        case,
        forms.ChangePlanMeasureForm,
        initial={
            "version": entry.version,
            "measure": entry.measure,
            "description": entry.description,
            "responsible_agency": entry.responsible_agency,
            "extent": entry.extent,
            "timing": entry.timing,
        },
    )
    if request.method == "POST" and form.is_valid():
        saved = _try(
            form,
            lambda: services.change_plan_measure(
                request.user, entry, request=request, **form.cleaned_data
            ),
        )
        if saved:
            messages.success(request, _("The measure was saved."))
            return _to_detail(plan, "section-measures")
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("Change a measure in the plan"),
        submit=_("Save the measure"),
    )


@member
@require_POST
def remove_measure(request, pk, plan_pk, entry_pk):
    _case, _access, plan = _open_for_edit(request, pk, plan_pk)
    entry = _plan_measure(plan, entry_pk)
    services.remove_plan_measure(request.user, entry, request=request)
    return _to_detail(plan)


_UNDO_ON_PLAN_PAGE = {
    Removal.Kind.PLAN_GOAL: services.undo_remove_goal,
    Removal.Kind.PLAN_MEASURE: services.undo_remove_measure,
}


def _undo_offers(request, case, plan):
    offers = [
        removal
        for removal in undo.offers(request.user, case, _UNDO_ON_PLAN_PAGE)
        if removal.values["plan_id"] == plan.pk
    ]
    for removal in offers:
        removal.undo_url = reverse("plans:undo_removal", args=[case.pk, plan.pk, removal.pk])
    return offers


@member
@require_POST
def undo_removal(request, pk, plan_pk, removal_pk):
    """Undo the removal of a goal or a measure: only the user who made it, acting for the
    same agency; anyone else gets the 404 of a missing removal."""
    case, _access, plan = _open(request, pk, plan_pk)
    removal = undo.find(request.user, case, removal_pk, _UNDO_ON_PLAN_PAGE)
    if removal is None or removal.values["plan_id"] != plan.pk:
        raise Http404
    try:
        _UNDO_ON_PLAN_PAGE[removal.kind](request.user, plan, removal, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Undone: %(what)s is back.") % {"what": removal.label})
    return _to_detail(plan)


@member
@require_http_methods(["GET", "POST"])
def add_revision(request, pk, plan_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    form = forms.RevisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _try(
            form,
            lambda: services.add_revision(
                request.user, plan, due_on=form.cleaned_data["due_on"], request=request
            ),
        )
        if saved:
            messages.success(request, _("The revision date was added."))
            return _to_detail(plan, "section-period")
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("Add a revision date"),
        submit=_("Add the date"),
        intro=_(
            "The plan is looked at again with the person on each revision date. At least one "
            "must fall inside the plan period."
        ),
    )


@member
@require_POST
def contribution(request, pk, plan_pk):
    """A service writes or updates its own part of the plan (the school too)."""
    case, access, plan = _open(request, pk, plan_pk)
    _require(plan.is_current)
    agency_ids = policy.plan_contributing_agency_ids(request.user, plan, access.agency_ids)
    agency_id = parse_id(request.POST.get("agency"))
    _require(agency_id in agency_ids)
    agency = Agency.objects.get(pk=agency_id)
    form = forms.ContributionForm(request.POST, auto_id=f"contribution-{agency_id}-%s")
    if form.is_valid():
        data = form.cleaned_data
        saved = _try(
            form,
            lambda: services.write_contribution(
                request.user,
                plan,
                agency=agency,
                text=data["text"],
                version=data["version"],
                request=request,
            ),
        )
        if saved:
            messages.success(
                request,
                _("%(agency)s's part of the plan was saved.") % {"agency": agency.name},
            )
            return _to_detail(plan, "contributions-heading")
    return render(
        request,
        "plans/contribution.html",
        {"case": case, "access": access, "plan": plan, "form": form, "agency": agency},
    )


@member
@require_POST
def finalise(request, pk, plan_pk):
    """Keep the plan as a new version (L33); refused, naming what is missing (L32)."""
    _case, _access, plan = _open_for_edit(request, pk, plan_pk)
    version = parse_int(request.POST.get("version")) or 0
    try:
        finalised = services.finalise(request.user, plan, version=version, request=request)
    except StaleEdit as stale:
        messages.error(request, str(stale))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Version %(number)s of the plan was finalised.") % {"number": finalised.number},
        )
    return _to_detail(plan)


@member
@require_http_methods(["GET", "POST"])
def end(request, pk, plan_pk):
    case, access, plan = _open_for_edit(request, pk, plan_pk)
    form = forms.EndPlanForm(request.POST or None, initial={"version": plan.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _try(
            form,
            lambda: services.end_plan(
                request.user,
                plan,
                version=data["version"],
                reason=data["reason"],
                request=request,
            ),
        )
        if saved:
            messages.success(request, _("The plan has ended. Its versions are kept."))
            return _to_detail(plan)
    return _form_page(
        request,
        case,
        access,
        plan,
        form,
        title=_("End the plan"),
        submit=_("End the plan"),
        intro=_(
            "An ended plan is kept with its versions, and the person can have a new plan "
            "later. Talk with the person first."
        ),
    )


@member
@require_GET
def participation(request, pk, plan_pk):
    """The plan for a meeting with the person: plain words, large type, nothing internal."""
    case, access, plan = _open(request, pk, plan_pk, whole=True)
    return render(
        request,
        "plans/participation.html",
        {
            "case": case,
            "access": access,
            "plan": plan,
            "doc": documents.live_doc(plan),
            "sections": documents.sections(plain=True),
        },
    )


# Versions and the PDF -------------------------------------------------------------------


@member
@require_GET
def version(request, pk, plan_pk, number):
    case, access, plan = _open(request, pk, plan_pk)
    kept = get_object_or_404(plan.versions.select_related("finalised_by"), number=number)
    return render(
        request,
        "plans/version.html",
        {
            "case": case,
            "access": access,
            "plan": plan,
            "kept": kept,
            "doc": documents.version_doc(plan, kept),
            "sections": documents.sections(),
            "versions": _versions(plan),
        },
    )


@member
@require_GET
def compare(request, pk, plan_pk):
    """What changed between two finalised versions (L33); the last two unless chosen."""
    case, access, plan = _open(request, pk, plan_pk)
    kept = {v.number: v for v in plan.versions.all()}
    numbers = sorted(kept)
    context = {"case": case, "access": access, "plan": plan, "numbers": numbers}
    if len(numbers) < 2:
        return render(request, "plans/compare.html", context)
    default = {"fra": numbers[-2], "til": numbers[-1]}
    form = forms.CompareForm(
        request.GET if {"fra", "til"} & set(request.GET) else default, numbers=numbers
    )
    changes = None
    if form.is_valid():
        older, newer = kept[form.cleaned_data["fra"]], kept[form.cleaned_data["til"]]
        changes = services.compare(older, newer)
        context.update(older=older, newer=newer)
    context.update(form=form, changes=changes)
    return render(request, "plans/compare.html", context)


@member
@require_GET
def pdf(request, pk, plan_pk):
    """The plan as PDF: only its content (no journal, no internal note). The current plan,
    marked as a draft unless it is exactly its last finalised version; or, with
    ?versjon=N, a finalised version as it was kept."""
    case, _access, plan = _open(request, pk, plan_pk, parts=[*PARTS, "pdf"], whole=True)
    number = request.GET.get("versjon", "")
    last = plan.versions.first()
    if number:
        number = parse_int(number, minimum=1)
        if number is None:
            raise Http404
        kept = get_object_or_404(plan.versions, number=number)
        doc, is_draft, draft_number = documents.version_doc(plan, kept), False, None
    else:
        doc = documents.live_doc(plan)
        kept = last if last is not None and last.content == services.content_of(plan) else None
        is_draft = kept is None and plan.status != PlanStatus.ENDED
        draft_number = (last.number + 1) if last else 1
    body = plan_pdf(
        {
            "case": case,
            "plan": plan,
            "doc": doc,
            "sections": documents.sections(),
            "kept": kept,
            "last": last,
            "is_draft": is_draft,
            "draft_number": draft_number,
            "printed_on": timezone.localdate(),
        },
        document_language(),
    )
    suffix = f"-v{kept.number}" if kept is not None else "-utkast" if is_draft else ""
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="individuell-plan-{case.reference}-{plan.pk}{suffix}.pdf"'
    )
    return response
