"""Assessment pages on a case, the instrument catalogue and rater certifications.

Each case page opens the case through `cases.views.open_case` (404 for anyone outside
it) and then the assessment through `policy.visible_assessments` (the same 404 for an
assessment of another agency that was not disclosed). A GET records the read (L44)
only once the page is known to show. The rules are in services.py.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.assessments import charts, forms, services
from tverrnett.assessments.models import Instrument, RaterCertification
from tverrnett.cases import services as case_services
from tverrnett.cases.services import POLICE_SECTORS, StaleEdit
from tverrnett.cases.views import open_identified_case
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_id
from tverrnett.measures import services as measure_services
from tverrnett.measures.forms import MeasureForm
from tverrnett.measures.models import MeasureType

# The part of the case these pages show, named in the read entry (L44).
PARTS = ["assessments"]


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _open_case(request, pk, *, write=False):
    """The identified case; the read is recorded by the caller (`_record_read`)."""
    return open_identified_case(request, pk, parts=PARTS, write=write)


def _record_read(request, case, access, shown=()):
    """The read entry; `shown`: the assessments whose content the page shows, those
    signed with special-category tags marked as read or withheld (L34)."""
    if request.method == "GET":
        entries = [assessment.entry for assessment in shown if assessment.entry_id]
        case_services.record_case_read(
            request.user,
            case,
            parts=PARTS,
            access_path=access.path,
            special_items=[entry.pk for entry in entries if entry.special_categories],
            withheld_items=[entry.pk for entry in entries if entry.withheld],
            request=request,
        )


def _visible(request, case, access):
    """The assessments the user may read, those signed with special-category tags the
    user may not read marked `withheld` (L34)."""
    return policy.withhold_special_assessments(
        request.user,
        services.assessments_on(request.user, case, access.path, access.memberships),
        request.agency,
    )


def _assessment(request, case, access, assessment_pk):
    """One assessment the user may read, or 404."""
    assessment = get_object_or_404(
        services.assessments_on(request.user, case, access.path, access.memberships),
        pk=assessment_pk,
    )
    assessment.case = case
    policy.withhold_special_assessments(request.user, [assessment], request.agency)
    return assessment


def _draft_of_user(request, case, access, assessment_pk):
    """The user's own draft: anyone else gets 403 (they may read it, not work on it)."""
    assessment = _assessment(request, case, access, assessment_pk)
    _require(assessment.assessor_id == request.user.pk and access.can_work)
    if assessment.is_signed:
        messages.error(
            request,
            _("A signed assessment cannot be changed. Make a new assessment that supersedes it."),
        )
        return assessment, redirect("assessments:detail", pk=case.pk, assessment_pk=assessment.pk)
    return assessment, None


def _stale(request, case, assessment):
    messages.error(request, str(StaleEdit()))
    return redirect("assessments:detail", pk=case.pk, assessment_pk=assessment.pk)


@member
@require_GET
def assessment_list(request, pk):
    case, access = _open_case(request, pk)
    assessments = _visible(request, case, access)
    _record_read(request, case, access)
    signed = [assessment for assessment in assessments if assessment.is_signed]
    instruments = {}
    for assessment in signed:
        instruments.setdefault(assessment.instrument.code, assessment.instrument)
    return render(
        request,
        "assessments/list.html",
        {
            "case": case,
            "access": access,
            "assessments": assessments,
            "charted_instruments": list(instruments.values()),
            "can_compare": len(signed) >= 2,
            "today": timezone.localdate(),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def start_assessment(request, pk):
    case, access = _open_case(request, pk, write=True)
    supersedes = None
    superseding = request.GET.get("erstatter") or request.POST.get("supersedes")
    if superseding:
        superseding = parse_id(superseding)
        if superseding is None:
            raise Http404
        supersedes = _assessment(request, case, access, superseding)
    current = services.current_instruments()
    if supersedes is not None:
        current = [i for i in current if i.code == supersedes.instrument.code]
    form = forms.StartForm(
        request.POST or None,
        instruments=Instrument.objects.filter(pk__in=[i.pk for i in current]),
        initial={
            "assessed_on": timezone.localdate(),
            "instrument": current[0].pk if len(current) == 1 else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.start_assessment(
                request.user,
                case,
                instrument=form.cleaned_data["instrument"],
                assessed_on=form.cleaned_data["assessed_on"],
                supersedes=supersedes,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment was started as a draft."))
            return redirect("assessments:edit", pk=case.pk, assessment_pk=assessment.pk)
    _record_read(request, case, access)
    return render(
        request,
        "assessments/start.html",
        {"case": case, "access": access, "form": form, "supersedes": supersedes},
    )


@member
@require_GET
def assessment_detail(request, pk, assessment_pk):
    case, access = _open_case(request, pk)
    assessment = _assessment(request, case, access, assessment_pk)
    _record_read(request, case, access, [assessment])
    own_agency = assessment.agency_id in access.agency_ids
    return render(
        request,
        "assessments/detail.html",
        {
            "case": case,
            "access": access,
            "assessment": assessment,
            "domains": [] if assessment.withheld else services.rated_domains(assessment),
            "missing": [] if assessment.is_signed else services.missing_for_signing(assessment),
            "is_assessor": assessment.assessor_id == request.user.pk,
            "can_supersede": (
                access.can_work
                and own_agency
                and assessment.is_signed
                and not hasattr(assessment, "superseded_by")
            ),
            "proposed_measures": [] if assessment.withheld else _proposed_measures(assessment),
        },
    )


def _proposed_measures(assessment):
    """The measures proposed from this assessment; each names its items through the
    assessment already loaded, not a query per measure."""
    measures = list(
        assessment.proposed_measures.select_related("measure_type", "responsible_agency")
    )
    for measure in measures:
        measure.assessment = assessment
    return measures


@member
@require_http_methods(["GET", "POST"])
def edit_assessment(request, pk, assessment_pk):
    case, access = _open_case(request, pk, write=True)
    assessment, refused = _draft_of_user(request, case, access, assessment_pk)
    if refused:
        return refused
    domains = services.rated_domains(assessment)
    form = forms.RatingForm(
        request.POST or None,
        domains=domains,
        initial={
            "version": assessment.version,
            "assessed_on": assessment.assessed_on,
            "review_on": assessment.review_on,
            "summary": assessment.summary,
            "recommended_measures": assessment.recommended_measures,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_draft(
                request.user,
                assessment,
                version=data["version"],
                ratings=form.ratings(),
                summary=data["summary"],
                recommended_measures=data["recommended_measures"],
                assessed_on=data["assessed_on"],
                review_on=data["review_on"],
                request=request,
            )
        except StaleEdit:
            return _stale(request, case, assessment)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if "sign" in request.POST:
                return redirect("assessments:sign", pk=case.pk, assessment_pk=assessment.pk)
            messages.success(request, _("The draft was saved."))
            return redirect("assessments:detail", pk=case.pk, assessment_pk=assessment.pk)
    _record_read(request, case, access)
    return render(
        request,
        "assessments/edit.html",
        {"case": case, "access": access, "assessment": assessment, "form": form},
    )


@member
@require_http_methods(["GET", "POST"])
def sign_assessment(request, pk, assessment_pk):
    case, access = _open_case(request, pk, write=True)
    assessment, refused = _draft_of_user(request, case, access, assessment_pk)
    if refused:
        return refused
    missing = services.missing_for_signing(assessment)
    form = forms.SignForm(
        request.POST or None,
        police=assessment.agency.agency_type in POLICE_SECTORS,
        initial={"version": assessment.version},
    )
    if request.method == "POST" and not missing and form.is_valid():
        try:
            services.sign_assessment(
                request.user,
                assessment,
                version=form.cleaned_data["version"],
                confidentiality=form.cleaned_data["confidentiality"],
                request=request,
                **form.tags(),
            )
        except StaleEdit:
            return _stale(request, case, assessment)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The assessment was signed. It can no longer be changed."))
            return redirect("assessments:detail", pk=case.pk, assessment_pk=assessment.pk)
    _record_read(request, case, access)
    return render(
        request,
        "assessments/sign.html",
        {
            "case": case,
            "access": access,
            "assessment": assessment,
            "form": form,
            "missing": missing,
            "domains": [] if assessment.withheld else services.rated_domains(assessment),
        },
    )


@member
@require_POST
def discard_assessment(request, pk, assessment_pk):
    case, access = _open_case(request, pk, write=True)
    assessment, refused = _draft_of_user(request, case, access, assessment_pk)
    if refused:
        return refused
    services.discard_draft(request.user, assessment, request=request)
    messages.success(request, _("The draft was discarded."))
    return redirect("assessments:list", pk=case.pk)


@member
@require_http_methods(["GET", "POST"])
def propose_measure(request, pk, assessment_pk):
    case, access = _open_case(request, pk, write=True)
    assessment = _assessment(request, case, access, assessment_pk)
    if not assessment.is_signed:
        raise Http404  # a draft proposes nothing
    _require(not assessment.withheld)  # proposing from it means reading it (L34)
    items = [
        (item["code"], f"{item['question']} ({item['label']})")
        for domain in services.rated_domains(assessment)
        for item in domain["items"]
    ]
    chosen = forms.ProposeMeasureForm(request.POST or None, items=items)
    measure_form = _measure_form(request, case, access, assessment)
    if request.method == "POST" and chosen.is_valid() and measure_form.is_valid():
        try:
            services.propose_measure(
                request.user,
                assessment,
                item_codes=chosen.cleaned_data["items"],
                request=request,
                **measure_form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(measure_form, error)
            if hasattr(error, "error_dict") and "items" in error.error_dict:
                chosen.add_error("items", error.error_dict["items"])
        else:
            messages.success(request, _("The measure was added to the case."))
            return redirect("measures:list", pk=case.pk)
    _record_read(request, case, access, [assessment])
    return render(
        request,
        "assessments/propose.html",
        {
            "case": case,
            "access": access,
            "assessment": assessment,
            "chosen": chosen,
            "form": measure_form,
        },
    )


def _measure_form(request, case, access, assessment):
    return MeasureForm(
        request.POST or None,
        measure_types=MeasureType.objects.filter(is_active=True),
        # A team agency proposes measures for itself; the coordinator's side for any.
        agencies=measure_services.assignable_agencies(case, access),
        initial={
            "start_on": timezone.localdate(),
            "responsible_agency": assessment.agency_id,
            "goal": assessment.recommended_measures,
        },
    )


def _pair(request, signed):
    """The two assessments to compare: ?fra= and ?til=, else the two newest signed ones
    of the newest instrument used."""
    by_pk = {assessment.pk: assessment for assessment in signed}
    chosen = []
    for name in ("fra", "til"):
        value = request.GET.get(name, "")
        if value:
            if parse_id(value) not in by_pk:
                raise Http404
            chosen.append(by_pk[parse_id(value)])
    if len(chosen) == 2:
        return sorted(chosen, key=lambda a: (a.assessed_on, a.pk))
    if chosen:
        raise Http404
    newest = signed[0] if signed else None
    same = [a for a in signed if newest and a.instrument.code == newest.instrument.code]
    if len(same) < 2:
        return None
    return [same[1], same[0]]


@member
@require_GET
def compare_assessments(request, pk):
    case, access = _open_case(request, pk)
    # A withheld assessment (L34) cannot be read, so it is not compared either.
    signed = [a for a in _visible(request, case, access) if a.is_signed and not a.withheld]
    pair = _pair(request, signed)
    if pair is not None and pair[0].instrument.code != pair[1].instrument.code:
        messages.error(
            request, _("Only assessments made with the same instrument can be compared.")
        )
        pair = None
    _record_read(request, case, access, pair or [])
    rows = services.compare(*pair) if pair else []
    return render(
        request,
        "assessments/compare.html",
        {
            "case": case,
            "access": access,
            "signed": signed,
            "older": pair[0] if pair else None,
            "newer": pair[1] if pair else None,
            "domains": rows,
            "only_changed": request.GET.get("endret") == "1",
            "changed_count": sum(row["changed"] for domain in rows for row in domain["rows"]),
        },
    )


@member
@require_GET
def development(request, pk):
    case, access = _open_case(request, pk)
    # A withheld assessment (L34) is left out of the chart.
    signed = [a for a in _visible(request, case, access) if a.is_signed and not a.withheld]
    codes = []
    for assessment in signed:
        if assessment.instrument.code not in codes:
            codes.append(assessment.instrument.code)
    code = request.GET.get("instrument") or (codes[0] if codes else "")
    if code and code not in codes:
        raise Http404
    chosen = [a for a in signed if a.instrument.code == code]
    _record_read(request, case, access, chosen)
    domains = services.development(chosen)
    for domain in domains:
        domain["chart"] = charts.domain_chart(domain)
    instruments = {a.instrument.code: a.instrument for a in signed}
    return render(
        request,
        "assessments/development.html",
        {
            "case": case,
            "access": access,
            "domains": domains,
            "assessments": sorted(chosen, key=lambda a: (a.assessed_on, a.pk)),
            "instrument": instruments.get(code),
            "instruments": [instruments[c] for c in codes],
        },
    )


# Outside a case ---------------------------------------------------------------------


@member
@require_GET
def instrument_list(request):
    """The published instruments and their versions, for any member: no case data."""
    return render(
        request,
        "assessments/instruments.html",
        {
            "instruments": Instrument.objects.order_by("code", "-published_on", "-id"),
            "can_certify": policy.manages_any_agency(request.user),
        },
    )


@member
@require_GET
def instrument_detail(request, instrument_pk):
    instrument = get_object_or_404(Instrument, pk=instrument_pk)
    return render(
        request,
        "assessments/instrument.html",
        {"instrument": instrument, "is_current": services.is_current(instrument)},
    )


@member
@require_http_methods(["GET", "POST"])
def certifications(request):
    """The managers of an agency register which of their users are certified raters."""
    _require(policy.manages_any_agency(request.user))
    users = services.certifiable_users(request.user)
    needing = Instrument.objects.filter(raters="certified").order_by("code", "-published_on")
    instruments = list({i.code: i for i in reversed(list(needing))}.values())
    form = forms.CertificationForm(request.POST or None, users=users, instruments=instruments)
    if request.method == "POST" and form.is_valid():
        try:
            services.register_certification(request.user, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The certification was registered."))
            return redirect("assessments:certifications")
    names = {instrument.code: instrument.name for instrument in instruments}
    registered = list(
        RaterCertification.objects.filter(user__in=users)
        .select_related("user", "registered_by")
        .order_by("user__first_name", "user__last_name", "instrument_code", "-certified_on")
    )
    for certification in registered:
        certification.instrument_name = names.get(
            certification.instrument_code, certification.instrument_code
        )
    return render(
        request,
        "assessments/certifications.html",
        {
            "form": form,
            "has_instruments": bool(instruments),
            "certifications": registered,
            "today": timezone.localdate(),
        },
    )


@member
@require_POST
def end_certification(request, certification_pk):
    _require(policy.manages_any_agency(request.user))
    certification = get_object_or_404(
        RaterCertification.objects.filter(user__in=services.certifiable_users(request.user)),
        pk=certification_pk,
    )
    services.end_certification(request.user, certification, request=request)
    messages.success(request, _("The certification was ended."))
    return redirect("assessments:certifications")
