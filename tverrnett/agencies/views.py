"""The agency directory: the list, one agency, and "who should I contact?".

The directory describes agencies and their contact points, never a case, so
every fully logged-in member sees all of it (`@member`); an inactive agency
answers 404 like one that does not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.accounts.models import Membership
from tverrnett.agencies import services
from tverrnett.agencies.directory import who_to_contact
from tverrnett.agencies.forms import (
    AGENCY_SORTS,
    AgencyFilterForm,
    ContactLookupForm,
    DirectoryEntryForm,
    GrantSpecialCategoriesForm,
    SpecialCategoryFilterForm,
)
from tverrnett.agencies.models import Agency, AgencyType, SpecialCategoryPermission
from tverrnett.core import dates
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.versions import StaleEdit
from tverrnett.geography.models import Municipality
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
    manages = policy.manages_agency(request.user, agency.pk)
    return render(
        request,
        "agencies/agency_detail.html",
        {
            "agency": agency,
            "roles": roles,
            "manages": manages,
            "administers_accounts": manages
            and policy.administers_accounts_of(request.user, agency),
            "grants_special_categories": policy.can_grant_special_categories(
                request.user, agency, request.agency, manages=manages
            ),
        },
    )


def _managed_agency(request, pk):
    """The agency, if active (else 404), and only for its managers (else 403).

    The directory is open to every member, so refusing with 403 reveals nothing.
    """
    agency = get_object_or_404(_directory(), pk=pk)
    if not policy.manages_agency(request.user, agency.pk):
        raise PermissionDenied
    return agency


@member
@require_http_methods(["GET", "POST"])
def agency_edit(request, pk):
    agency = _managed_agency(request, pk)
    form = DirectoryEntryForm(
        request.POST or None, instance=agency, initial={"version": agency.version}
    )
    if request.method == "POST" and form.is_valid():
        # The form has written the cleaned values onto `agency`; the service
        # compares against a fresh copy from the database.
        try:
            services.update_directory_entry(
                request.user,
                agency,
                form.cleaned_data,
                version=form.cleaned_data["version"],
                request=request,
            )
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("The directory entry is saved."))
            return redirect("agencies:detail", pk=agency.pk)
    return render(request, "agencies/agency_edit.html", {"agency": agency, "form": form})


PEOPLE_PER_PAGE = 25


# Special categories (L34) -------------------------------------------------------------


def _granting_agency(request, pk):
    """The agency, for a manager of it acting for it; for everyone else the same 404 as a
    page that does not exist (who may read special categories is not for others to see)."""
    agency = get_object_or_404(_directory(), pk=pk)
    if not policy.can_grant_special_categories(request.user, agency, request.agency):
        raise Http404
    return agency


@member
@require_GET
def special_categories(request, pk):
    """Who in the agency may read items tagged GDPR Art. 9 or 10, until when, and who
    granted it; one row per member (search, sort, pages)."""
    agency = _granting_agency(request, pk)
    today = timezone.localdate()
    form = SpecialCategoryFilterForm(request.GET)
    query, _sort = form.filters()
    current = services.current_permissions(agency, today).filter(user=OuterRef("user_id"))
    memberships = (
        Membership.objects.filter(agency=agency, is_active=True, user__is_active=True)
        .select_related("user")
        .annotate(
            permission_id=Subquery(current.values("pk")[:1]),
            permission_ends=Subquery(current.values("ends_on")[:1]),
        )
    )
    page = Paginator(form.apply(memberships), PEOPLE_PER_PAGE).get_page(request.GET.get("side"))
    permissions = {
        permission.pk: permission
        for permission in SpecialCategoryPermission.objects.filter(
            pk__in=[m.permission_id for m in page.object_list if m.permission_id]
        ).select_related("granted_by")
    }
    for membership in page.object_list:
        membership.permission = permissions.get(membership.permission_id)
    return render(
        request,
        "agencies/special_categories.html",
        {"agency": agency, "form": form, "page": page, "filtered": bool(query)},
    )


@member
@require_http_methods(["GET", "POST"])
def grant_special_categories(request, pk, membership_pk):
    agency = _granting_agency(request, pk)
    membership = get_object_or_404(
        Membership.objects.filter(
            agency=agency, is_active=True, user__is_active=True
        ).select_related("user"),
        pk=membership_pk,
    )
    current = services.current_permissions(agency).filter(user=membership.user)
    form = GrantSpecialCategoriesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_special_categories(
                request.user, agency, membership.user, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s may read special-category information until %(day)s.")
                % {
                    "name": membership.user.get_full_name() or membership.user.get_username(),
                    "day": dates.day(form.cleaned_data["ends_on"]),
                },
            )
            return redirect("agencies:special_categories", pk=agency.pk)
    return render(
        request,
        "agencies/special_categories_grant.html",
        {
            "agency": agency,
            "membership": membership,
            "current": current.first(),
            "latest": services.latest_end_date(),
            "form": form,
        },
    )


@member
@require_http_methods(["GET", "POST"])
def revoke_special_categories(request, pk, permission_pk):
    agency = _granting_agency(request, pk)
    permission = get_object_or_404(
        SpecialCategoryPermission.objects.filter(
            agency=agency, revoked_at__isnull=True
        ).select_related("user", "granted_by", "agency"),
        pk=permission_pk,
    )
    if request.method == "POST":
        try:
            services.revoke_special_categories(request.user, permission, request=request)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("%(name)s may no longer read special-category information.")
                % {"name": permission.user.get_full_name() or permission.user.get_username()},
            )
        return redirect("agencies:special_categories", pk=agency.pk)
    return render(
        request,
        "agencies/special_categories_revoke.html",
        {"agency": agency, "permission": permission},
    )


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
        {
            "form": form,
            "directions": directions,
            "municipality_names": Municipality.objects.filter(valid_to__isnull=True)
            .order_by("name")
            .values_list("name", flat=True),
        },
    )
