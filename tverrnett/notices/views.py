"""Notice pages: the inbox, starting a chain, a chain's page with every hop, and the
actions on a notice (acknowledge, pass on, decide). A chain exists only for the agencies
and roles it went through (`policy.can_see_notice_chain`); a notice's content only for its
sender's agency and the role that received it (and managers it escalated to)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.audit.services import record
from tverrnett.consent import services as consent_services
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.paging import BoundedPaginator
from tverrnett.core.parsing import parse_case_reference
from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    resolve_municipality,
)
from tverrnett.notices import chains, forms, services
from tverrnett.notices.models import CoordinatorChange, Notice, NoticeChain

PAGE_SIZE = 25


def _require(allowed):
    if not allowed:
        raise PermissionDenied


@member
@require_GET
def inbox(request):
    waiting, overdue_sent = services.inbox(request.user)
    chains_page = BoundedPaginator(
        policy.visible_notice_chains(request.user)
        .select_related("started_agency", "municipality")
        .order_by("-started_at", "-id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("side"))
    return render(
        request,
        "notices/inbox.html",
        {
            "coordinator_changes": list(services.unread_coordinator_changes(request.user)),
            "waiting": list(waiting),
            "overdue_sent": list(overdue_sent),
            "page": chains_page,
            "can_start": bool(_startable(request)),
        },
    )


def _startable(request):
    agency = getattr(request, "agency", None)
    return chains.templates_for(agency) if agency is not None else []


@member
@require_http_methods(["GET", "POST"])
def start(request):
    templates = _startable(request)
    _require(templates)
    agency = request.agency
    form = forms.StartForm(
        request.POST or None,
        templates=templates,
        bases=consent_services.statutory_bases(agency),
        initial={"template": templates[0].code if len(templates) == 1 else None},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            municipality = resolve_municipality(data["municipality"])
        except (MunicipalityNotFound, AmbiguousMunicipality):
            form.add_error("municipality", _("No single municipality has that name or number."))
        else:
            try:
                chain = services.start_chain(
                    request.user,
                    agency,
                    template_code=data["template"],
                    municipality=municipality,
                    subject=data["subject"],
                    content=data["content"],
                    urgency=data["urgency"],
                    legal_basis=data["legal_basis"],
                    request=request,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The notice was sent."))
                return redirect("notices:detail", pk=chain.pk)
    return render(request, "notices/start.html", {"form": form, "agency": agency})


def _chain(request, pk):
    chain = get_object_or_404(
        NoticeChain.objects.select_related("started_agency", "municipality", "case"), pk=pk
    )
    if not policy.can_see_notice_chain(request.user, chain):
        raise Http404
    return chain


def _notice(request, notice_pk):
    notice = get_object_or_404(
        Notice.objects.select_related("chain", "recipient_role__agency", "sender_agency"),
        pk=notice_pk,
    )
    if not policy.can_see_notice_chain(request.user, notice.chain):
        raise Http404
    return notice


@member
@require_GET
def detail(request, pk):
    chain = _chain(request, pk)
    agency_ids = set(
        request.user.memberships.filter(is_active=True).values_list("agency_id", flat=True)
    )
    notices = list(
        chain.notices.select_related(
            "sender_agency",
            "sender",
            "recipient_role__agency",
            "recipient_role__holder",
            "recipient_role__deputy",
            "acknowledged_by",
            "legal_basis",
        )
    )
    for notice in notices:
        notice.readable = policy.reads_notice_content(request.user, notice, agency_ids)
        notice.can_acknowledge = notice.acknowledged_at is None and (
            policy.holds_role(request.user, notice.recipient_role)
            or policy.notice_escalated_to_manager(request.user, notice)
        )
        notice.can_forward = services.can_forward(request.user, notice)
        notice.can_decide = services.can_decide(request.user, notice)
    record(
        "notice.viewed",
        actor=request.user,
        target=chain,
        detail={"notices": [notice.pk for notice in notices if notice.readable]},
        request=request,
    )
    return render(
        request,
        "notices/detail.html",
        {
            "chain": chain,
            "template": chains.template(chain.template),
            "notices": notices,
            "events": list(chain.events.select_related("actor", "notice")),
            # The linked case's reference only for those who may see the case (policy).
            "linked_case": chain.case if policy.sees_notice_case(request.user, chain) else None,
            "can_link_case": policy.can_link_notice_case(request.user, chain, request.agency),
            "can_change_case_link": policy.can_change_notice_case_link(
                request.user, chain, request.agency
            ),
            "link_form": forms.LinkCaseForm(),
        },
    )


@member
@require_POST
def acknowledge(request, notice_pk):
    notice = _notice(request, notice_pk)
    services.acknowledge(request.user, notice, request=request)
    messages.success(request, _("The notice is acknowledged."))
    return redirect("notices:detail", pk=notice.chain_id)


@member
@require_http_methods(["GET", "POST"])
def forward(request, notice_pk):
    notice = _notice(request, notice_pk)
    _require(services.can_forward(request.user, notice))
    hop = chains.template(notice.chain.template).hops[notice.hop]
    role = chains.role_for(hop, notice.chain.municipality)
    form = forms.ForwardForm(
        request.POST or None,
        bases=consent_services.statutory_bases(
            notice.recipient_role.agency, role.agency if role else None
        ),
        initial={"content": notice.content},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.forward(request.user, notice, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The notice was passed on."))
            return redirect("notices:detail", pk=notice.chain_id)
    return render(
        request,
        "notices/forward.html",
        {"notice": notice, "form": form, "role": role},
    )


@member
@require_http_methods(["GET", "POST"])
def decide(request, notice_pk):
    notice = _notice(request, notice_pk)
    _require(services.can_decide(request.user, notice))
    back = chains.template(notice.chain.template).decision_to
    role = chains.role_for(back, notice.chain.municipality) if back else None
    form = forms.DecisionForm(
        request.POST or None,
        bases=consent_services.statutory_bases(
            notice.recipient_role.agency, role.agency if role else None
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.decide(request.user, notice, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision was recorded and sent back."))
            return redirect("notices:detail", pk=notice.chain_id)
    return render(request, "notices/decide.html", {"notice": notice, "form": form, "role": role})


def _may_link(request, chain):
    """Linking a chain, or changing its link: refused as if the chain did not exist."""
    if chain.case_id is None:
        allowed = policy.can_link_notice_case(request.user, chain, request.agency)
    else:
        allowed = policy.can_change_notice_case_link(request.user, chain, request.agency)
    if not allowed:
        raise Http404


@member
@require_POST
def link_case(request, pk):
    chain = _chain(request, pk)
    _may_link(request, chain)
    form = forms.LinkCaseForm(request.POST)
    if form.is_valid():
        parsed = parse_case_reference(form.cleaned_data["reference"])
        case = None
        if parsed is not None:
            year, number = parsed
            case = (
                policy.visible_cases(request.user).filter(pk=number, created_at__year=year).first()
            )
        if case is None:
            messages.error(request, _("You have no case with that reference."))
        else:
            services.link_case(request.user, chain, case, agency=request.agency, request=request)
            messages.success(request, _("The chain is linked to the case."))
    return redirect("notices:detail", pk=chain.pk)


@member
@require_http_methods(["GET", "POST"])
def unlink_case(request, pk):
    """GET asks to confirm removing the link (issue 21 item 10); POST removes it."""
    chain = _chain(request, pk)
    if not policy.can_change_notice_case_link(request.user, chain, request.agency):
        raise Http404
    if request.method == "GET":
        return render(
            request,
            "confirm_removal.html",
            {
                "heading": _("Remove the chain's link to the case?"),
                "text": _(
                    "The case no longer shows this chain, and its exit checklist no longer "
                    "counts it for steps 12 and 13. To undo it, link the chain to the case "
                    "again from the chain's page."
                ),
                "button": _("Remove the link"),
                "action": request.path,
                "back": reverse("notices:detail", args=[chain.pk]),
            },
        )
    services.unlink_case(request.user, chain, agency=request.agency, request=request)
    messages.success(request, _("The chain is no longer linked to a case."))
    return redirect("notices:detail", pk=chain.pk)


@member
@require_POST
def coordinator_change_read(request, change_pk):
    """Mark a coordinator change as read: the holder or deputy of the role it was told to;
    for anyone else it does not exist."""
    change = get_object_or_404(CoordinatorChange.objects.select_related("role"), pk=change_pk)
    if not policy.can_read_coordinator_change(request.user, change):
        raise Http404
    services.mark_coordinator_change_read(request.user, change, request=request)
    messages.success(request, _("Marked as read."))
    return redirect("notices:inbox")
