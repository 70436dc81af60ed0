"""Guidance pages: where to get guidance, and guidance requests sent and received."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.agencies.models import Agency
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.versions import StaleEdit
from tverrnett.geography.models import RvtsRegion
from tverrnett.geography.services import rvts_region_for
from tverrnett.guidance import library as library_services
from tverrnett.guidance.forms import (
    AnswerForm,
    ConfirmForm,
    GuidanceRequestForm,
    LibraryListForm,
    LibraryResourceForm,
    ListForm,
)
from tverrnett.guidance.models import GuidanceRequest, LibraryResource, Status
from tverrnett.guidance.services import (
    NAV_GRUNERLOKKA,
    answer_guidance_request,
    request_guidance,
)

PAGE_SIZE = 20

# RVTS Øst's national guidance function on radicalisation and violent
# extremism (DOMAIN.md, X10). A national function, not a region: kept here
# rather than in the RVTS region data.
NATIONAL_GUIDANCE = {"name": "RVTS Øst", "phone": "22 58 60 00", "email": "post@rvtsost.no"}


def tel_href(phone):
    """A tel: link for a Norwegian phone number as people write it ("22 58 60 00")."""
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if phone.strip().startswith("+"):
        return f"tel:+{digits}"
    if len(digits) == 8:
        return f"tel:+47{digits}"
    return f"tel:{digits}"


def _own_region(agency):
    """The RVTS region serving the user's agency, or None when it has no place."""
    if agency is None:
        return None
    if agency.rvts_region_id:
        return agency.rvts_region
    if agency.municipality_id is None:
        return None
    try:
        return rvts_region_for(agency.municipality)
    except LookupError:
        return None


def _receives_requests(agency):
    return agency is not None and (
        agency.rvts_region_id is not None or agency.name == NAV_GRUNERLOKKA
    )


@member
@require_GET
def resources(request):
    agency = request.agency
    if agency is not None:
        agency = Agency.objects.select_related("municipality", "rvts_region").get(pk=agency.pk)
    own_region = _own_region(agency)
    regions = sorted(
        RvtsRegion.objects.all(),
        key=lambda region: (own_region is None or region.pk != own_region.pk, region.name),
    )
    for region in regions:
        region.tel = tel_href(region.phone)
        region.is_own = own_region is not None and region.pk == own_region.pk
    nav = (
        Agency.objects.filter(name=NAV_GRUNERLOKKA, is_active=True)
        .select_related("municipality")
        .first()
    )
    if nav is not None:
        nav.tel = tel_href(nav.phone)
    return render(
        request,
        "guidance/resources.html",
        {
            "national": {**NATIONAL_GUIDANCE, "tel": tel_href(NATIONAL_GUIDANCE["phone"])},
            "regions": regions,
            "own_region": own_region,
            "agency_municipality": agency.municipality if agency else None,
            "nav": nav,
            "receives_requests": _receives_requests(agency),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def new_request(request):
    initial = {}
    if request.agency is not None and request.agency.municipality_id:
        initial["municipality"] = request.agency.municipality.number
    form = GuidanceRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            guidance = request_guidance(
                request.user,
                request.agency,
                recipient=form.cleaned_data["recipient"],
                municipality=form.cleaned_data["municipality"],
                topic=form.cleaned_data["topic"],
                question=form.cleaned_data["question"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your guidance request was sent to %(agency)s.")
                % {"agency": guidance.recipient_agency.name},
            )
            return redirect("guidance:detail", pk=guidance.pk)
    return render(request, "guidance/request_form.html", {"form": form})


def _list_queryset():
    return GuidanceRequest.objects.select_related(
        "municipality", "recipient_agency", "sender_agency", "sender"
    )


def _filtered(request, queryset):
    form = ListForm(request.GET or None)
    q, sort = "", ""
    if form.is_valid():
        q, sort = form.cleaned_data["q"].strip(), form.cleaned_data["sort"]
    if q:
        queryset = queryset.filter(
            Q(question__icontains=q)
            | Q(answer__icontains=q)
            | Q(municipality__name__icontains=q)
            | Q(municipality__number=q)
        )
    if sort == "newest":
        queryset = queryset.order_by("-created_at", "-id")
    elif sort == "oldest":
        queryset = queryset.order_by("created_at", "id")
    else:
        queryset = queryset.annotate(
            answered_rank=Case(
                When(status=Status.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by("answered_rank", "-created_at", "-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("side"))
    return form, page, q


@member
@require_GET
def my_requests(request):
    queryset = _list_queryset().filter(sender=request.user)
    form, page, q = _filtered(request, queryset)
    return render(
        request,
        "guidance/list.html",
        {"form": form, "page": page, "q": q, "box": "sent"},
    )


@member
@require_GET
def inbox(request):
    queryset = _list_queryset().filter(recipient_agency=request.agency)
    form, page, q = _filtered(request, queryset)
    return render(
        request,
        "guidance/list.html",
        {"form": form, "page": page, "q": q, "box": "inbox"},
    )


@member
@require_http_methods(["GET", "POST"])
def detail(request, pk):
    guidance = get_object_or_404(
        GuidanceRequest.objects.select_related(
            "municipality",
            "rvts_region",
            "recipient_agency",
            "sender_agency",
            "sender",
            "answered_by",
        ),
        pk=pk,
    )
    # The same 404 as a request that does not exist.
    if not policy.can_see_guidance_request(request.user, guidance):
        raise Http404
    can_answer = policy.can_answer_guidance_request(request.user, guidance)
    form = None
    if can_answer and guidance.is_open:
        form = AnswerForm(request.POST or None)
    if request.method == "POST":
        if not can_answer:
            raise PermissionDenied
        if form is None:
            messages.info(request, _("This request has already been answered."))
            return redirect("guidance:detail", pk=guidance.pk)
        if form.is_valid():
            try:
                answer_guidance_request(
                    request.user, guidance, answer=form.cleaned_data["answer"], request=request
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Your answer was sent."))
                return redirect("guidance:detail", pk=guidance.pk)
    return render(
        request,
        "guidance/detail.html",
        {"guidance": guidance, "form": form, "can_answer": can_answer},
    )


# The resource library (issue 21, item 6) --------------------------------------

LIBRARY_SORTS = {"": ("title", "id"), "updated": ("-updated_at", "-id")}


@member
@require_GET
def library(request):
    editor = policy.edits_library(request.user)
    queryset = LibraryResource.objects.all()
    if not editor:
        queryset = queryset.filter(is_published=True)
    form = LibraryListForm(request.GET or None)
    q, kind, sort = "", "", ""
    if form.is_valid():
        q, kind, sort = (
            form.cleaned_data["q"].strip(),
            form.cleaned_data["kind"],
            form.cleaned_data["sort"],
        )
    if q:
        queryset = queryset.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if kind:
        queryset = queryset.filter(kind=kind)
    queryset = queryset.order_by(*LIBRARY_SORTS.get(sort, LIBRARY_SORTS[""]))
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "guidance/library.html",
        {"form": form, "page": page, "q": q, "filtered": bool(q or kind), "editor": editor},
    )


def _editable(request, pk=None):
    """The entry to edit, or 404 for anyone who does not edit the library: the same
    answer as an entry that does not exist."""
    if not policy.edits_library(request.user):
        raise Http404
    if pk is None:
        return None
    return get_object_or_404(LibraryResource, pk=pk)


@member
@require_http_methods(["GET", "POST"])
def library_add(request):
    _editable(request)
    form = LibraryResourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            library_services.add_resource(request.user, request=request, **form.resource_fields())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The resource was added to the library."))
            return redirect("guidance:library")
    return render(request, "guidance/library_form.html", {"form": form, "resource": None})


@member
@require_http_methods(["GET", "POST"])
def library_edit(request, pk):
    resource = _editable(request, pk)
    form = LibraryResourceForm(request.POST or None, instance=resource)
    if request.method == "POST" and form.is_valid():
        try:
            library_services.change_resource(
                request.user,
                resource,
                version=form.cleaned_data["version"],
                request=request,
                **form.resource_fields(),
            )
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The resource was saved."))
            return redirect("guidance:library")
    return render(request, "guidance/library_form.html", {"form": form, "resource": resource})


@member
@require_http_methods(["GET", "POST"])
def library_unpublish(request, pk):
    resource = _editable(request, pk)
    form = ConfirmForm(request.POST or None, initial={"version": resource.version})
    if request.method == "POST" and form.is_valid():
        try:
            library_services.unpublish_resource(
                request.user, resource, version=form.cleaned_data["version"], request=request
            )
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(
                request,
                _(
                    "The resource was unpublished. Only RVTS sees it now; publish it again "
                    "from its edit page."
                ),
            )
            return redirect("guidance:library")
    return render(request, "guidance/library_unpublish.html", {"form": form, "resource": resource})
