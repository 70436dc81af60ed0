"""The agency directory: the list, one agency, and "who should I contact?".

The directory describes agencies and their contact points, never a case, so
every fully logged-in member sees all of it (`@member`); an inactive agency
answers 404 like one that does not exist.
"""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from tverrnett.access.rules import member
from tverrnett.agencies.directory import who_to_contact
from tverrnett.agencies.forms import AGENCY_SORTS, AgencyFilterForm, ContactLookupForm
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.networks.models import Role

AGENCIES_PER_PAGE = 25


def _directory():
    return Agency.objects.filter(is_active=True)


@member
@require_GET
def agency_list(request):
    form = AgencyFilterForm(request.GET)
    query, agency_type, sort = form.filters()
    agencies = _directory().select_related("municipality", "police_district", "rvts_region")
    if query:
        agencies = agencies.filter(_search(query))
    if agency_type:
        agencies = agencies.filter(agency_type=agency_type)
    agencies = agencies.order_by(*AGENCY_SORTS[sort], "pk")
    page = Paginator(agencies, AGENCIES_PER_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "agencies/agency_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(query or agency_type),
        },
    )


def _search(query):
    """Name, municipality name or number, police district, or the type's label."""
    condition = (
        Q(name__icontains=query)
        | Q(municipality__name__icontains=query)
        | Q(municipality__number=query)
        | Q(police_district__name__icontains=query)
    )
    folded = query.casefold()
    types = [value for value, label in AgencyType.choices if folded in str(label).casefold()]
    if types:
        condition |= Q(agency_type__in=types)
    return condition


@member
@require_GET
def agency_detail(request, pk):
    agency = get_object_or_404(
        _directory().select_related("municipality", "police_district", "rvts_region"), pk=pk
    )
    roles = (
        Role.objects.filter(agency=agency)
        .select_related("holder", "deputy", "municipality", "police_district", "network")
        .order_by("kind", "pk")
    )
    return render(request, "agencies/agency_detail.html", {"agency": agency, "roles": roles})


@member
@require_GET
def who_to_contact_view(request):
    form = ContactLookupForm(request.GET if "municipality" in request.GET else None)
    directions = None
    if form.is_bound and form.is_valid():
        directions = who_to_contact(
            form.cleaned_data["municipality"], form.cleaned_data.get("need") or ""
        )
    return render(
        request,
        "agencies/who_to_contact.html",
        {"form": form, "directions": directions},
    )
