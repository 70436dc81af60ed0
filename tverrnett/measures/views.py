"""Measure pages on a case. Each opens the case through `cases.views.open_case` (404
for anyone outside it, the read entry on GET); the rules are in services.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access.rules import member
from tverrnett.cases.services import StaleEdit
from tverrnett.cases.views import open_case
from tverrnett.core.form_errors import add_service_errors
from tverrnett.measures import forms, services
from tverrnett.measures.models import Measure, MeasureGroup, MeasureType

# The part of the case these pages show, named in the read entry (L44).
PARTS = ["measures"]


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _open(request, pk, *, write=False):
    """The identified case, or 404; a write also needs the right to work on it (403)."""
    case, access = open_case(request, pk, parts=PARTS)
    if case.is_anonymous:
        raise Http404  # an anonymous discussion has no measures
    if write:
        _require(access.can_work)
    return case, access


def _measure(case, measure_pk, access):
    """The measure on `case`, or 404; 403 unless the user may change it (its own agency
    or the coordinator's side)."""
    measure = get_object_or_404(
        Measure.objects.select_related("case", "measure_type", "responsible_agency"),
        pk=measure_pk,
        case=case,
    )
    _require(access.may_change_work_of(measure.responsible_agency_id))
    return measure


def _stale(request, case):
    messages.error(request, str(StaleEdit()))
    return redirect("measures:list", pk=case.pk)


def _form_page(request, case, access, form, *, title, submit, intro="", measure=None):
    return render(
        request,
        "measures/form.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "measure": measure,
            "title": title,
            "submit": submit,
            "intro": intro,
        },
    )


@member
@require_GET
def measure_list(request, pk):
    case, access = _open(request, pk)
    return render(
        request,
        "measures/list.html",
        {
            "case": case,
            "access": access,
            "measures": access.mark_changeable(
                list(services.measures_on(case)), "responsible_agency_id"
            ),
            "today": timezone.localdate(),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def add_measure(request, pk):
    case, access = _open(request, pk, write=True)
    form = forms.MeasureForm(
        request.POST or None,
        measure_types=MeasureType.objects.filter(is_active=True),
        agencies=services.assignable_agencies(case, access),
        initial={"start_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_measure(request.user, case, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The measure was added."))
            return redirect("measures:list", pk=case.pk)
    return _form_page(
        request,
        case,
        access,
        form,
        title=_("Add a measure"),
        submit=_("Add measure"),
        intro=_(
            "Choose the measure together with the person, from their needs, motivation and "
            "situation. Every measure has a responsible agency and an evaluation date."
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def edit_measure(request, pk, measure_pk):
    case, access = _open(request, pk, write=True)
    measure = _measure(case, measure_pk, access)
    form = forms.MeasureEditForm(
        request.POST or None,
        measure_types=MeasureType.objects.filter(is_active=True)
        | MeasureType.objects.filter(pk=measure.measure_type_id),
        agencies=services.assignable_agencies(case, access),
        current_status=measure.status,
        initial={
            **{name: getattr(measure, name) for name in services.MEASURE_FIELDS},
            "version": measure.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.change_measure(request.user, measure, version=version, request=request, **data)
        except StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The measure was saved."))
            return redirect("measures:list", pk=case.pk)
    return _form_page(
        request,
        case,
        access,
        form,
        measure=measure,
        title=_("Change the measure"),
        submit=_("Save"),
    )


@member
@require_http_methods(["GET", "POST"])
def evaluate_measure(request, pk, measure_pk):
    case, access = _open(request, pk, write=True)
    measure = _measure(case, measure_pk, access)
    form = forms.EvaluationForm(
        request.POST or None,
        initial={"outcome": measure.outcome, "version": measure.version},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.evaluate_measure(
                request.user,
                measure,
                version=data["version"],
                outcome=data["outcome"],
                status=data["status"],
                evaluation_on=data["evaluation_on"],
                request=request,
            )
        except StaleEdit:
            return _stale(request, case)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The evaluation was saved."))
            return redirect("measures:list", pk=case.pk)
    return _form_page(
        request,
        case,
        access,
        form,
        measure=measure,
        title=_("Evaluate the measure"),
        submit=_("Save evaluation"),
        intro=_(
            "Write what came of the measure, with the person's own view, and whether it is "
            "completed, stopped or goes on."
        ),
    )


@member
@require_GET
def catalogue(request):
    """The types of measure on offer, for any member: no case data. By group, then in
    the catalogue's order."""
    groups = list(MeasureGroup.values)
    measure_types = sorted(
        MeasureType.objects.filter(is_active=True),
        key=lambda measure_type: (groups.index(measure_type.group), measure_type.position),
    )
    return render(request, "measures/catalogue.html", {"measure_types": measure_types})
