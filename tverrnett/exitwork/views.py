"""Exit-work pages. Every case lookup goes through `cases.views.open_case` (404 for anyone
outside the case, and for voluntary organisations; the read entry on GET)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.cases import services as case_services
from tverrnett.cases.models import ChecklistItem, TaskStatus
from tverrnett.cases.views import open_case
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import LegalBasis
from tverrnett.conversations import services as conversation_services
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_id
from tverrnett.exitwork import forms, services
from tverrnett.exitwork.background import TOPICS, TOPICS_BY_CODE, factor_label
from tverrnett.exitwork.models import ExitWork, FollowUpReview
from tverrnett.exitwork.steps import STEPS_BY_CODE
from tverrnett.measures import services as measure_services
from tverrnett.notices import chains

OVERVIEW_PARTS = [
    "checklist",
    "team",
    "responsibilities",
    "measures",
    "contact",
    "tasks",
    "background",
    "guidance",
    "child_cases",
    "follow_up_reviews",
]


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _exit_work(case):
    """The case's exit work; a case without it has no exit pages."""
    exit_work = services.exit_work_of(case)
    if exit_work is None:
        raise Http404
    return exit_work


def _try(request, form, action):
    """Run a service call for a form; True when it succeeded."""
    try:
        action()
    except case_services.StaleEdit as stale:
        form.add_error(None, str(stale))
    except ValidationError as error:
        add_service_errors(form, error)
    else:
        return True
    return False


@member
@require_http_methods(["GET", "POST"])
def start(request, pk):
    case, access = open_case(request, pk, parts=["state"])
    if ExitWork.objects.filter(case=case).exists():
        return redirect("exitwork:overview", pk=case.pk)
    _require(access.can_manage and not case.is_closed)
    form = forms.StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        started = _try(
            request,
            form,
            lambda: services.start_exit_work(
                request.user, case, is_returnee=form.cleaned_data["is_returnee"], request=request
            ),
        )
        if started:
            messages.success(request, _("Exit work has started. The checklist is ready."))
            return redirect("exitwork:overview", pk=case.pk)
    return render(request, "exitwork/start.html", {"case": case, "access": access, "form": form})


@member
@require_GET
def overview(request, pk):
    """The shared situational picture of an exit case (N11)."""
    case, access = open_case(request, pk, parts=OVERVIEW_PARTS)
    exit_work = _exit_work(case)
    steps = services.exit_steps(case)
    settled = sum(1 for _step, item in steps if item.settled)
    background = services.background_items(request.user, case, access.path, access.memberships)
    context = {
        "case": case,
        "access": access,
        "exit_work": exit_work,
        "steps": steps,
        "settled": settled,
        "team": list(case.team.select_related("agency")),
        "responsibilities": list(case.responsibilities.select_related("agency")),
        "measures": measure_services.current_measures(case),
        "next_contact": conversation_services.next_contact(case),
        "open_tasks": list(
            case.tasks.exclude(status=TaskStatus.DONE).select_related(
                "owner_agency", "owner_role__holder"
            )
        ),
        "background": [(topic, len(background.get(topic.code, ()))) for topic in TOPICS],
        "guidance_requests": list(
            case.guidance_requests.select_related("recipient_agency", "sender_agency")
        ),
        "child_links": services.child_links(case) if exit_work.is_returnee else [],
        "reviews": list(case.follow_up_reviews.select_related("done_by")),
        "today": timezone.localdate(),
    }
    return render(request, "exitwork/overview.html", context)


@member
@require_GET
def checklist(request, pk):
    case, access = open_case(request, pk, parts=["checklist"])
    exit_work = _exit_work(case)
    return render(
        request,
        "exitwork/checklist.html",
        {
            "case": case,
            "access": access,
            "exit_work": exit_work,
            "steps": services.exit_steps(case),
            # Steps 12 and 13: the chains linked to the case, and whether this agency may
            # start one (the chain's page links it to the case).
            "notice_chains": list(case.notice_chains.order_by("-started_at")),
            "may_start_chain": bool(request.agency and chains.templates_for(request.agency)),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def step(request, pk, item_pk):
    case, access = open_case(request, pk, parts=["checklist"])
    _exit_work(case)
    item = get_object_or_404(
        ChecklistItem.objects.select_related("case", "changed_by"),
        pk=item_pk,
        case=case,
        code__in=STEPS_BY_CODE,
    )
    _require(access.can_work)
    form = forms.StepForm(
        request.POST or None,
        initial={
            "version": item.version,
            "status": item.status,
            "note": item.note,
            "not_relevant_reason": item.not_relevant_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _try(
            request,
            form,
            lambda: case_services.set_checklist_status(
                request.user,
                item,
                status=data["status"],
                version=data["version"],
                note=data["note"],
                reason=data["not_relevant_reason"],
                request=request,
            ),
        )
        if saved:
            messages.success(request, _("The step was saved."))
            return redirect("exitwork:checklist", pk=case.pk)
    return render(
        request,
        "exitwork/step_form.html",
        {
            "case": case,
            "access": access,
            "item": item,
            "step": STEPS_BY_CODE[item.code],
            "form": form,
        },
    )


def _step_action(request, pk, action, success, joined=None):
    """A one-click step. `joined(case, result)` names the agency the step put on the team:
    joining opened nothing to it, so the coordinator goes on to record the consent or
    legal basis that opens the case (the same step as the team form)."""
    case, access = open_case(request, pk)
    _exit_work(case)
    _require(access.can_manage and not case.is_closed)
    try:
        result = action(case)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
        agency = joined(case, result) if joined else None
        member = case.team.filter(agency=agency).first() if agency else None
        if member is not None and not policy.team_parts(case, [agency.pk]).get(agency.pk):
            messages.info(
                request,
                _(
                    "%(agency)s sees nothing about the person yet. Open the case to it under "
                    "a consent or a legal basis, or leave it to contribute without."
                )
                % {"agency": agency.name},
            )
            return redirect("cases:open_to_agency", pk=case.pk, member_pk=member.pk)
    return redirect("exitwork:checklist", pk=case.pk)


@member
@require_POST
def police_contact(request, pk):
    return _step_action(
        request,
        pk,
        lambda case: services.add_police_contact(request.user, case, request=request),
        _("The police radicalisation contact is on the team, and step 3 is done."),
        joined=lambda case, contact: contact.agency,
    )


@member
@require_POST
def nav(request, pk):
    return _step_action(
        request,
        pk,
        lambda case: services.start_nav_cooperation(request.user, case, request=request),
        _("NAV is on the team with the responsibility for living conditions."),
        joined=lambda case, contact: contact.agency,
    )


@member
@require_http_methods(["GET", "POST"])
def suggestions(request, pk):
    case, access = open_case(request, pk, parts=["team"])
    _exit_work(case)
    if request.method == "POST":
        _require(access.can_manage and not case.is_closed)
        try:
            agency_id = parse_id(request.POST.get("agency"))
            if agency_id is None:
                raise ValueError
            services.add_suggested_agency(request.user, case, agency_id=agency_id, request=request)
        except (ValueError, ValidationError) as error:
            messages.error(
                request,
                " ".join(error.messages)
                if isinstance(error, ValidationError)
                else _("Choose an agency from the suggestions."),
            )
        else:
            messages.success(request, _("The agency was added to the team."))
        return redirect("exitwork:suggestions", pk=case.pk)
    return render(
        request,
        "exitwork/suggestions.html",
        {"case": case, "access": access, "contacts": services.suggested_contacts(case)},
    )


# Background and motivation ----------------------------------------------------------


@member
@require_GET
def background(request, pk):
    case, access = open_case(request, pk, parts=["background"], record_read=False)
    _exit_work(case)
    grouped = services.background_items(
        request.user, case, access.path, access.memberships, request.agency
    )
    items = [entry for entries in grouped.values() for entry in entries]
    # The read entry names the special-category items shown and those withheld (L34).
    case_services.record_case_read(
        request.user,
        case,
        parts=["background"],
        access_path=access.path,
        special_items=[entry.pk for entry in items if entry.special_categories],
        withheld_items=[entry.pk for entry in items if entry.withheld],
        request=request,
    )
    sections = [
        (
            topic,
            [
                (entry, factor_label(topic.code, entry.factor))
                for entry in grouped.get(topic.code, [])
            ],
        )
        for topic in TOPICS
    ]
    return render(
        request,
        "exitwork/background.html",
        {
            "case": case,
            "access": access,
            "sections": sections,
            "compare_form": forms.CompareForm(),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def add_background(request, pk, topic):
    case, access = open_case(request, pk, parts=["background"])
    _exit_work(case)
    _require(access.can_work)
    definition = TOPICS_BY_CODE.get(topic)
    if definition is None:
        raise Http404
    police = (
        request.agency is not None and request.agency.agency_type in case_services.POLICE_SECTORS
    )
    form = forms.BackgroundForm(request.POST or None, topic=definition, police=police)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _try(
            request,
            form,
            lambda: services.write_background(
                request.user, case, topic=definition.code, request=request, **data
            ),
        )
        if saved:
            messages.success(request, _("The entry was saved."))
            return redirect("exitwork:background", pk=case.pk)
    return render(
        request,
        "exitwork/background_form.html",
        {"case": case, "access": access, "form": form, "topic": definition},
    )


@member
@require_GET
def compare_background(request, pk):
    case, access = open_case(
        request, pk, parts=["background", "background_history"], record_read=False
    )
    _exit_work(case)
    form = forms.CompareForm(request.GET or None)
    rows = None
    if form.is_valid():
        rows = [
            (
                TOPICS_BY_CODE[topic].title if topic in TOPICS_BY_CODE else topic,
                factor_label(topic, factor),
                before,
                after,
                change,
            )
            for topic, factor, before, after, change in services.background_on(
                request.user,
                case,
                form.cleaned_data["day_from"],
                form.cleaned_data["day_to"],
                request.agency,
            )
        ]
    shown = [row[3] for row in rows or []] + [row[2] for row in rows or [] if row[2]]
    case_services.record_case_read(
        request.user,
        case,
        parts=["background_history"],
        access_path=access.path,
        special_items=sorted({entry.pk for entry in shown if entry.special_categories}),
        withheld_items=sorted({entry.pk for entry in shown if entry.withheld}),
        request=request,
    )
    return render(
        request,
        "exitwork/background_compare.html",
        {"case": case, "access": access, "form": form, "rows": rows},
    )


# Guidance, children, closing ----------------------------------------------------------


@member
@require_http_methods(["GET", "POST"])
def ask_rvts(request, pk):
    case, access = open_case(request, pk, parts=["guidance"])
    _exit_work(case)
    _require(access.can_work)
    form = forms.AskRvtsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sent = _try(
            request,
            form,
            lambda: services.ask_rvts(
                request.user,
                case,
                question=data["question"],
                context=data["context"],
                request=request,
            ),
        )
        if sent:
            messages.success(
                request, _("Your question was sent to RVTS. The answer comes to this case.")
            )
            return redirect("exitwork:overview", pk=case.pk)
    return render(request, "exitwork/ask_rvts.html", {"case": case, "access": access, "form": form})


@member
@require_http_methods(["GET", "POST"])
def child_case(request, pk):
    case, access = open_case(request, pk, parts=["child_cases"])
    exit_work = _exit_work(case)
    _require(access.can_manage and not case.is_closed and exit_work.is_returnee)
    role = services.child_welfare_role_for(case)
    form = forms.ChildCaseForm(
        request.POST or None, bases=_child_welfare_bases(request, case, role)
    )
    if request.method == "POST" and form.is_valid():
        created = _try(
            request,
            form,
            lambda: services.create_child_case(
                request.user, case, request=request, **form.cleaned_data
            ),
        )
        if created:
            messages.success(
                request,
                _("The child's case was created. Child welfare owns it and has the lead."),
            )
            return redirect("exitwork:overview", pk=case.pk)
    return render(
        request,
        "exitwork/child_case_form.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "role": role,
        },
    )


def _child_welfare_bases(request, case, role):
    """The statutory bases the user's agency may tell child welfare under (none without a
    child-welfare role: the service then says so)."""
    if role is None:
        return LegalBasis.objects.none()
    sender = case_services.actor_agency(request.user, case, request)
    bases = consent_services.statutory_bases(sender, recipient=role.agency)
    return LegalBasis.objects.filter(pk__in=[basis.pk for basis in bases])


@member
@require_http_methods(["GET", "POST"])
def close(request, pk):
    case, access = open_case(request, pk, parts=["state", "measures", "checklist"])
    _exit_work(case)
    _require(access.can_manage and not case.is_closed)
    form = forms.CloseForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        closed = _try(
            request,
            form,
            lambda: services.close_exit_case(
                request.user,
                case,
                version=data["version"],
                checklist_evaluation=data["checklist_evaluation"],
                evaluation=data["evaluation"],
                review_on=data["review_on"],
                request=request,
            ),
        )
        if closed:
            messages.success(
                request,
                _("The exit case is closed. The follow-up reviews after exit are scheduled."),
            )
            return redirect("exitwork:overview", pk=case.pk)
    return render(
        request,
        "exitwork/close.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "open_steps": [s for s, item in services.exit_steps(case) if not item.settled],
            "unevaluated": measure_services.measures_not_evaluated(case),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def follow_up_review(request, pk, review_pk):
    case, access = open_case(request, pk, parts=["follow_up_reviews"])
    _exit_work(case)
    review = get_object_or_404(
        FollowUpReview.objects.select_related("case"), pk=review_pk, case=case
    )
    _require(access.can_manage and review.done_at is None)
    form = forms.FollowUpReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = _try(
            request,
            form,
            lambda: services.record_follow_up_review(
                request.user, review, outcome=form.cleaned_data["outcome"], request=request
            ),
        )
        if saved:
            messages.success(request, _("The follow-up review was recorded."))
            return redirect("exitwork:overview", pk=case.pk)
    return render(
        request,
        "exitwork/follow_up_review.html",
        {"case": case, "access": access, "form": form, "review": review},
    )
