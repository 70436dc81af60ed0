"""Requests for information between agencies (consent.information_requests).

The asking side opens the case (`open_case`) to ask. A request itself exists only for
the asking and the asked agency (`policy.information_requests`, 404 for anyone else, as
for a request that does not exist); the asked agency sees the request, and the case
page only if it may already see the case."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.agencies.models import AgencyType
from tverrnett.cases.services import actor_agency
from tverrnett.cases.views import open_case
from tverrnett.consent import forms
from tverrnett.consent import information_requests as requests
from tverrnett.consent.models import InformationRequestStatus
from tverrnett.consent.views import _ground
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_case_reference, parse_id
from tverrnett.core.versions import StaleEdit

PAGE_SIZE = 25


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _case_worker(request):
    """The pages outside a case are for users doing case work for the agency they act
    for; for anyone else they do not exist."""
    if request.agency is None or request.agency.pk not in policy.case_agency_ids(request.user):
        raise Http404


def _visible(request, request_pk):
    return get_object_or_404(
        policy.information_requests(request.user).select_related(
            "case",
            "asking_agency",
            "recipient_agency",
            "asked_by",
            "answered_by",
            "legal_basis",
            "consent",
        ),
        pk=request_pk,
    )


@member
@require_http_methods(["GET", "POST"])
def ask(request, pk):
    case, access = open_case(request, pk, parts=["consents"])
    if case.is_anonymous:
        raise Http404
    _require(access.can_work)
    asker = actor_agency(request.user, case, request)
    consents, bases = requests.ground_choices(case, asker)
    recipients = requests.recipient_choices(asker)
    initial = {}
    if (wanted := parse_id(request.GET.get("etat"))) is not None:
        initial["recipient"] = wanted
    form = forms.AskForInformationForm(
        request.POST or None,
        recipients=recipients,
        consents=consents,
        bases=bases,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        consent, basis = _ground(case, data["ground"])
        try:
            info_request = requests.ask(
                request.user,
                case,
                recipient=data["recipient"],
                question=data["question"],
                deadline=data["deadline"],
                consent=consent,
                legal_basis=basis,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The request was sent to %(agency)s. You are told when it is answered.")
                % {"agency": info_request.recipient_agency.name},
            )
            return redirect("consent:information_request", request_pk=info_request.pk)
    return render(
        request,
        "consent/information_request_ask.html",
        {"case": case, "access": access, "form": form, "asker": asker},
    )


def _search(q):
    condition = Q(asking_agency__name__icontains=q) | Q(recipient_agency__name__icontains=q)
    reference = parse_case_reference(q)
    if reference is not None:
        year, number = reference
        condition |= Q(case_id=number, case__created_at__year=year)
    elif (number := parse_id(q)) is not None:
        condition |= Q(case_id=number)
    return condition


@member
@require_GET
def inbox(request):
    _case_worker(request)
    form = forms.InformationRequestListForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    side = "sent" if data.get("vis") == "sent" else "received"
    rows = requests.requests_for(request.user, side=side, order=data.get("sorter") or "deadline")
    q = (data.get("q") or "").strip()
    if q:
        rows = rows.filter(_search(q))
    if data.get("status") != "all":
        rows = rows.filter(status=InformationRequestStatus.OPEN)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "consent/information_requests.html",
        {
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "side": side,
            "filtered": bool(q) or data.get("status") == "all",
        },
    )


@member
@require_GET
def detail(request, request_pk):
    info_request = _visible(request, request_pk)
    answers = policy.answers_information_request(request.user, info_request)
    items = []
    if info_request.disclosure_id is not None:
        items = policy.withhold_special_categories(
            request.user,
            info_request.disclosure.items.select_related("agency", "author").order_by(
                "written_at", "id"
            ),
            request.agency,
        )
    requests.record_view(
        request.user, info_request, side="recipient" if answers else "asker", request=request
    )
    return render(
        request,
        "consent/information_request.html",
        {
            "info_request": info_request,
            "answers": answers,
            "asked": policy.asked_information_request(request.user, info_request),
            "sees_case": policy.visible_cases(request.user)
            .filter(pk=info_request.case_id)
            .exists(),
            "items": items,
            "today": timezone.localdate(),
        },
    )


def _answerable(request, request_pk):
    """The request, for the agency asked; its forms show the question, so a GET is a read."""
    info_request = _visible(request, request_pk)
    if not policy.answers_information_request(request.user, info_request):
        raise Http404
    if request.method == "GET" and info_request.is_open:
        requests.record_view(request.user, info_request, side="recipient", request=request)
    return info_request


@member
@require_http_methods(["GET", "POST"])
def answer(request, request_pk):
    info_request = _answerable(request, request_pk)
    if not info_request.is_open:
        return redirect("consent:information_request", request_pk=info_request.pk)
    form = forms.AnswerInformationRequestForm(
        request.POST or None,
        initial={"version": info_request.version},
        items=requests.answer_items(info_request),
        basis=info_request.legal_basis,
        police=info_request.recipient_agency.agency_type
        in (AgencyType.POLICE_DISTRICT, AgencyType.PST),
        reads_special_categories=policy.may_read_special_categories(request.user, request.agency),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        tags = {"category": data.get("category") or "concern"}
        if data.get("police_verification"):
            tags["police_verification"] = data["police_verification"]
        try:
            requests.answer(
                request.user,
                info_request,
                version=data["version"],
                items=data.get("items") or [],
                text=data.get("text", ""),
                necessity_note=data.get("necessity_note", ""),
                confirmations=data.get("confirmations", []),
                request=request,
                **tags,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleEdit as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The answer was disclosed to %(agency)s. The disclosure is recorded.")
                % {"agency": info_request.asking_agency.name},
            )
            return redirect("consent:information_request", request_pk=info_request.pk)
    return render(
        request,
        "consent/information_request_answer.html",
        {"info_request": info_request, "form": form},
    )


@member
@require_http_methods(["GET", "POST"])
def decline(request, request_pk):
    info_request = _answerable(request, request_pk)
    if not info_request.is_open:
        return redirect("consent:information_request", request_pk=info_request.pk)
    form = forms.DeclineInformationRequestForm(
        request.POST or None, initial={"version": info_request.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            requests.decline(
                request.user,
                info_request,
                version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except StaleEdit as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The request was declined. The asking agency is told."))
            return redirect("consent:information_request", request_pk=info_request.pk)
    return render(
        request,
        "consent/information_request_decline.html",
        {"info_request": info_request, "form": form},
    )


@member
@require_POST
def withdraw(request, request_pk):
    info_request = _visible(request, request_pk)
    if not policy.asked_information_request(request.user, info_request):
        raise Http404
    try:
        requests.withdraw(
            request.user,
            info_request,
            version=parse_id(request.POST.get("version")),
            request=request,
        )
    except (ValidationError, StaleEdit):
        messages.error(request, _("The request could not be withdrawn: it is no longer open."))
    else:
        messages.success(request, _("The request was withdrawn."))
    return redirect("consent:information_request", request_pk=info_request.pk)
