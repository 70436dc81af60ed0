"""The records officer's pages (issue 20): the cases due for deletion with their legal
holds and the export to the archive, the archival packages and their receipts, the
retention schedule and the deleted cases. For the records officer of the agency the
user acts for (`policy.keeps_records_of`); anyone else gets the 404 of a missing page,
and a refused request changes nothing and writes no audit entry.

The views parse input and call `tverrnett.records.services`, which keeps the rules."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.paging import BoundedPaginator
from tverrnett.core.parsing import parse_case_reference, parse_id
from tverrnett.core.versions import StaleEdit
from tverrnett.records import forms, services
from tverrnett.records.models import RecordKind

PER_PAGE = 20

# deletion_blocker's codes, in words.
STATUS_WORDS = {
    "not_due": gettext_lazy("Not due yet"),
    "legal_hold": gettext_lazy("Legal hold"),
    "awaiting_archive": gettext_lazy("Awaiting archive: export and receipt"),
    "kept": gettext_lazy("Kept: the schedule does not delete it"),
    "": gettext_lazy("Will be deleted on the next run"),
}


def _kept_agency(request):
    """The agency whose records the user keeps, acting for it; otherwise a 404."""
    agency_id = policy.keeps_records_of(request.user)
    if agency_id is None or request.agency is None or request.agency.pk != agency_id:
        raise Http404
    return request.agency


def _render(request, template, context):
    context["awaiting_rules"] = services.rules_awaiting_confirmation()
    return render(request, template, context)


def _status(entry):
    code = services.deletion_blocker(entry)
    if code == "awaiting_archive" and entry.package_id is not None:
        return _("Awaiting the archive's receipt")
    return str(STATUS_WORDS[code])


def _with_reference(entries, query):
    """The entries whose case has the reference "2026-00042", or the number 42 (a case's
    reference is its year and id, not a column)."""
    parsed = parse_case_reference(query)
    if parsed is not None:
        year, number = parsed
        return entries.filter(case_id=number, case__created_at__year=year)
    number = parse_id(query.lstrip("0") or None)
    if number is not None:
        return entries.filter(case_id=number)
    return entries.none()


@member
@require_GET
def due(request):
    agency = _kept_agency(request)
    form = forms.DueListForm(request.GET or None)
    entries = services.due_list(agency.pk)
    query = form.query()
    if query:
        entries = _with_reference(entries, query)
    page = BoundedPaginator(entries.order_by(*form.ordering()), PER_PAGE).get_page(
        request.GET.get("side")
    )
    rows = [(entry, _status(entry)) for entry in page.object_list]
    return _render(
        request,
        "records/due.html",
        {
            "agency": agency,
            "form": form,
            "page": page,
            "rows": rows,
            "searched": bool(query),
            "exportable": any(entry.package_id is None for entry in page.object_list),
        },
    )


@member
@require_POST
def export(request):
    agency = _kept_agency(request)
    chosen = {parse_id(value) for value in request.POST.getlist("entry")}
    entries = list(services.due_list(agency.pk).filter(pk__in=chosen - {None}))
    if len(entries) != len(chosen):
        raise Http404  # an entry of another agency is answered as a missing one
    try:
        package = services.archive_cases(request.user, entries, request=request)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("records:due")
    messages.success(
        request,
        ngettext(
            "%(count)s case is exported as an archival package. Deliver it to the archive "
            "and record the archive's receipt here.",
            "%(count)s cases are exported as an archival package. Deliver it to the archive "
            "and record the archive's receipt here.",
            len(package.case_ids),
        )
        % {"count": len(package.case_ids)},
    )
    return redirect("records:packages")


@member
@require_http_methods(["GET", "POST"])
def place_hold(request, entry_pk):
    agency = _kept_agency(request)
    entry = get_object_or_404(services.due_list(agency.pk), pk=entry_pk)
    form = forms.HoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.place_hold(
                request.user, entry.case, reason=form.cleaned_data["reason"], request=request
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The legal hold is placed."))
            return redirect("records:due")
    return _render(request, "records/hold.html", {"entry": entry, "form": form})


@member
@require_http_methods(["GET", "POST"])
def lift_hold(request, hold_pk):
    agency = _kept_agency(request)
    hold = get_object_or_404(services.open_holds_kept_by(agency.pk), pk=hold_pk)
    form = forms.LiftHoldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.lift_hold(
                request.user, hold, reason=form.cleaned_data["reason"], request=request
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The legal hold is lifted."))
            return redirect("records:due")
    return _render(request, "records/lift_hold.html", {"hold": hold, "form": form})


def _render_packages(request, agency, bound=None):
    """The packages page; `bound` is a receipt form sent with errors, shown on its package."""
    page = BoundedPaginator(services.packages_of(agency.pk), PER_PAGE).get_page(
        request.GET.get("side")
    )
    rows = []
    for package in page.object_list:
        form = None
        if not package.is_receipted:
            if bound is not None and bound.package_pk == package.pk:
                form = bound
            else:
                form = forms.ReceiptForm(
                    prefix=f"p{package.pk}", initial={"version": package.version}
                )
        rows.append((package, form))
    return _render(request, "records/packages.html", {"agency": agency, "page": page, "rows": rows})


@member
@require_GET
def packages(request):
    return _render_packages(request, _kept_agency(request))


@member
@require_POST
def record_receipt(request, pk):
    agency = _kept_agency(request)
    package = get_object_or_404(services.packages_of(agency.pk), pk=pk)
    form = forms.ReceiptForm(request.POST, prefix=f"p{package.pk}")
    form.package_pk = package.pk
    if form.is_valid():
        try:
            services.record_receipt(
                request.user,
                package,
                reference=form.cleaned_data["reference"],
                version=form.cleaned_data["version"],
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        except StaleEdit as stale:
            messages.error(request, str(stale))
            return redirect("records:packages")
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The archive's receipt is recorded."))
            return redirect("records:packages")
    return _render_packages(request, agency, bound=form)


@member
@require_GET
def download_package(request, pk):
    agency = _kept_agency(request)
    package = get_object_or_404(services.packages_of(agency.pk), pk=pk)
    try:
        archive = services.read_package(request.user, package, request=request)
    except PermissionDenied:
        raise Http404 from None
    if archive is None:
        raise Http404
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"{package.directory}.zip",
        content_type="application/zip",
    )


def _period(rule):
    if rule.period_days is None:
        return ""
    if rule.period_days % 365 == 0:
        years = rule.period_days // 365
        return ngettext("%(count)s year", "%(count)s years", years) % {"count": years}
    return ngettext("%(count)s day", "%(count)s days", rule.period_days) % {
        "count": rule.period_days
    }


@member
@require_GET
def schedule(request):
    agency = _kept_agency(request)
    rules = [(rule, _period(rule)) for rule in services.schedule_rules()]
    return _render(request, "records/schedule.html", {"agency": agency, "rules": rules})


@member
@require_POST
def confirm_rule(request, pk):
    _kept_agency(request)
    rule = get_object_or_404(services.schedule_rules(), pk=pk)
    try:
        services.confirm_rule(request.user, rule, request=request)
    except PermissionDenied:
        raise Http404 from None
    messages.success(
        request, _("The rule for %(kind)s is confirmed.") % {"kind": rule.get_kind_display()}
    )
    return redirect("records:schedule")


@member
@require_GET
def deleted(request):
    agency = _kept_agency(request)
    form = forms.SearchForm(request.GET or None)
    tombstones = services.tombstones_of(agency.pk)
    query = form.query()
    if query:
        tombstones = tombstones.filter(reference__icontains=query)
    page = BoundedPaginator(tombstones, PER_PAGE).get_page(request.GET.get("side"))
    rules = dict(RecordKind.choices)
    rows = [(tombstone, rules.get(tombstone.rule_kind, tombstone.rule_kind)) for tombstone in page]
    return _render(
        request,
        "records/deleted.html",
        {"agency": agency, "form": form, "page": page, "rows": rows, "searched": bool(query)},
    )
