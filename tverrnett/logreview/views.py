"""The log review page (etterkontroll av logg, L45) for the privacy and security officer
of the agency the user acts for. Anyone else gets the 404 of a missing page
(`policy.reviews_log_of`), and a refused request writes no audit entry."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.core.form_errors import add_service_errors
from tverrnett.logreview import forms, services
from tverrnett.logreview.models import ReviewKind


def _reviewed_agency(request):
    agency_id = policy.reviews_log_of(request.user)
    if agency_id is None or request.agency is None or request.agency.pk != agency_id:
        raise Http404
    return request.agency


def _select(items, rule, status):
    if rule:
        items = [item for item in items if rule in item.rules]
    if status == forms.WAITING:
        items = [item for item in items if item.review is None]
    elif status == forms.REVIEWED:
        items = [item for item in items if item.review is not None]
    return items


@member
@require_GET
def review(request):
    agency = _reviewed_agency(request)
    first, last = services.default_period()
    form = forms.ReviewFilterForm(request.GET or None, initial={"start": first, "end": last})
    first_day, last_day, rule, status, sort = form.filters()
    start, end = services.period_bounds(first_day, last_day)
    flagged = services.flagged(agency, start, end)
    waiting = sum(1 for item in flagged if item.review is None)
    shown = _select(flagged, rule, status)
    if sort == "-time":
        shown.reverse()
    page = Paginator(shown, settings.LOG_REVIEW["PER_PAGE"]).get_page(request.GET.get("side"))
    sample, sample_items = services.latest_sample(agency)
    services.record_page_read(
        request.user,
        agency,
        detail={
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "rule": rule,
            "status": status,
            "page": page.number,
            "entries": [item.entry.pk for item in page.object_list],
            "sample": sample.pk if sample else None,
        },
        request=request,
    )
    return render(
        request,
        "logreview/review.html",
        {
            "agency": agency,
            "form": form,
            "page": page,
            "first_day": first_day,
            "last_day": last_day,
            "flagged_count": len(flagged),
            "waiting_count": waiting,
            "filtered": bool(rule or status),
            "sample": sample,
            "sample_items": sample_items,
            "back": request.get_full_path(),
            "settings": settings.LOG_REVIEW,
        },
    )


def _back_to_list(request):
    """Where to return: the list as the officer left it (a local path only)."""
    back = request.POST.get("back") or request.GET.get("back") or ""
    list_url = reverse("logreview:review")
    if back.startswith(list_url) and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
        return back
    return list_url


@member
@require_http_methods(["GET", "POST"])
def mark_reviewed(request, entry_id):
    agency = _reviewed_agency(request)
    item = services.reviewable_item(agency, entry_id)
    if item is None:
        raise Http404
    back = _back_to_list(request)
    form = forms.ReviewForm(request.POST or None, note_required=item.kind == ReviewKind.FLAGGED)
    if request.method == "POST" and item.review is None and form.is_valid():
        try:
            services.mark_reviewed(
                request.user, agency, entry_id, note=form.cleaned_data["note"], request=request
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The entry is marked as reviewed."))
            return redirect(back)
    if request.method == "GET":
        services.record_page_read(
            request.user, agency, detail={"entry": item.entry.pk}, request=request
        )
    return render(
        request,
        "logreview/mark.html",
        {"agency": agency, "item": item, "form": form, "back": back},
    )
