"""Consent and sharing pages on a case. Each opens the case through
`cases.views.open_case` (404 for anyone outside it, the read entry on GET); the
rules are in services.py and tverrnett.access.policy."""

from collections import defaultdict
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.agencies.models import Agency
from tverrnett.cases.services import actor_agency, record_case_read
from tverrnett.cases.views import open_case
from tverrnett.consent import access_report as reports
from tverrnett.consent import catalogue, forms, services
from tverrnett.consent.models import (
    AccessReport,
    Confirmation,
    ConsentStatus,
    DisclosureFollowUp,
    DisclosureNotice,
    FollowUpKind,
    LegalBasis,
)
from tverrnett.consent.pdf import declaration_pdf
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_id

DECLARATION_LANGUAGES = ("nb", "nn", "en")


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _identified(case):
    if case.is_anonymous:
        raise Http404


def _consent(case, consent_pk):
    return get_object_or_404(services.consents_for(case), pk=consent_pk)


@member
@require_GET
def overview(request, pk):
    case, access = open_case(request, pk, parts=["consents", "disclosures"])
    _identified(case)
    disclosures = list(
        services.disclosures_on(
            case, policy.visible_disclosures(request.user, case, access.agency_ids)
        )
    )
    for disclosure in disclosures:
        disclosure.access_ended = not policy.disclosure_opens_items(disclosure)
    return render(
        request,
        "consent/overview.html",
        {
            "case": case,
            "access": access,
            "today": timezone.localdate(),
            "consents": list(services.consents_for(case)),
            "disclosures": disclosures,
            # The requests for information on the case the user's agency sent or received.
            "information_requests": list(
                policy.information_requests(request.user)
                .filter(case=case)
                .select_related("asking_agency", "recipient_agency")
                .order_by("-asked_at", "-id")
            ),
            "awaiting_own_basis": set(
                policy.disclosures_awaiting_own_basis(
                    request.user, case, {request.agency.pk} if request.agency else set()
                ).values_list("pk", flat=True)
            ),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def prepare(request, pk):
    case, access = open_case(request, pk, parts=["person", "guardians", "team"])
    _identified(case)
    _require(access.can_work)
    person = case.subject
    form = forms.PrepareConsentForm(
        request.POST or None,
        guardians=person.guardians.filter(has_parental_responsibility=True),
        recipients=services.consent_recipient_choices(case),
        minor=person.is_minor,
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            consent = services.prepare_consent(
                request.user,
                case,
                guardians=data.pop("guardians", []),
                recipients=data.pop("recipients"),
                request=request,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The consent declaration is ready. Print it for the person to read and sign."),
            )
            return redirect("consent:detail", pk=case.pk, consent_pk=consent.pk)
    return render(
        request,
        "consent/prepare.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "minor": person.is_minor,
            "thresholds": services.age_guidance(person),
        },
    )


@member
@require_GET
def detail(request, pk, consent_pk):
    case, access = open_case(request, pk, parts=["consents"])
    _identified(case)
    consent = _consent(case, consent_pk)
    return render(
        request,
        "consent/detail.html",
        {
            "case": case,
            "access": access,
            "consent": consent,
            "today": timezone.localdate(),
            "answer_form": forms.ConsentAnswerForm()
            if consent.status == ConsentStatus.PREPARED
            else None,
            "languages": DECLARATION_LANGUAGES,
            # The overview's rule: what the user's agencies sent or received, and all
            # of it for the coordinator's oversight.
            "disclosures": list(
                services.disclosures_on(
                    case, policy.visible_disclosures(request.user, case, access.agency_ids)
                ).filter(consent=consent)
            ),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def answer(request, pk, consent_pk):
    case, access = open_case(request, pk, parts=["consents"])
    _identified(case)
    _require(access.can_work)
    consent = _consent(case, consent_pk)
    if consent.status != ConsentStatus.PREPARED:
        return redirect("consent:detail", pk=case.pk, consent_pk=consent.pk)
    form = forms.ConsentAnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            answered = services.record_consent_answer(
                request.user, consent, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The consent was recorded as given.")
                if answered.status == ConsentStatus.GIVEN
                else _("The refusal was recorded. It is shown on the case overview."),
            )
            return redirect("consent:detail", pk=case.pk, consent_pk=consent.pk)
    return render(
        request,
        "consent/answer.html",
        {"case": case, "access": access, "consent": consent, "form": form},
    )


@member
@require_http_methods(["GET", "POST"])
def withdraw(request, pk, consent_pk):
    case, access = open_case(request, pk, parts=["consents"])
    _identified(case)
    _require(access.can_work)
    consent = _consent(case, consent_pk)
    form = forms.WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(request.user, consent, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "The withdrawal was recorded. Nothing more is shared under the consent, "
                    "the agencies that received information under it can no longer read it "
                    "in Tverrnett, and they have been told."
                ),
            )
            return redirect("consent:detail", pk=case.pk, consent_pk=consent.pk)
    return render(
        request,
        "consent/withdraw.html",
        {"case": case, "access": access, "consent": consent, "form": form},
    )


@member
@require_GET
def declaration(request, pk, consent_pk, language):
    """The declaration and information sheet as PDF, for the person to read and sign."""
    if language not in DECLARATION_LANGUAGES:
        raise Http404
    case, _access = open_case(request, pk, parts=["consents", "declaration"])
    _identified(case)
    consent = _consent(case, consent_pk)
    response = HttpResponse(declaration_pdf(consent, language), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="samtykke-{case.reference}-{consent.pk}-{language}.pdf"'
    )
    return response


@member
@require_GET
def signed_declaration(request, pk, consent_pk):
    case, _access = open_case(request, pk, parts=["consents", "signed_declaration"])
    _identified(case)
    consent = _consent(case, consent_pk)
    if not consent.declaration_file:
        raise Http404
    extension = consent.declaration_file_name.rpartition(".")[2][:10] or "pdf"
    return FileResponse(
        consent.declaration_file.open("rb"),
        as_attachment=True,
        filename=f"samtykke-signert-{case.reference}-{consent.pk}.{extension}",
        content_type=consent.declaration_content_type,
    )


# Sharing ------------------------------------------------------------------------------


def _ground(case, value):
    """(consent, basis) from the ground parameter, or (None, None)."""
    kind, _dash, ident = (value or "").partition("-")
    ident = parse_id(ident)
    if ident is None:
        return None, None
    if kind == "consent":
        return _consent(case, ident), None
    if kind == "basis":
        return None, get_object_or_404(LegalBasis, pk=ident)
    return None, None


@member
@require_http_methods(["GET", "POST"])
def share(request, pk):
    case, access = open_case(request, pk, parts=["journal", "consents", "team"])
    _identified(case)
    _require(access.can_work)
    sender = actor_agency(request.user, case, request)
    today = timezone.localdate()
    consent, basis = _ground(case, request.GET.get("grunnlag"))
    if consent is None and basis is None:
        ground_form = forms.GroundForm(
            consents=services.valid_consents(case, today),
            bases=services.statutory_bases(sender, day=today),
        )
        return render(
            request,
            "consent/share_ground.html",
            {"case": case, "access": access, "form": ground_form, "sender": sender},
        )
    if consent is not None and not consent.is_valid_on(today):
        messages.error(
            request,
            _("That consent is not valid today. Choose another ground."),
        )
        return redirect("consent:share", pk=case.pk)
    recipients, items = services.share_choices(
        request.user, case, sender, consent=consent, basis=basis
    )
    form = forms.ShareForm(
        request.POST or None,
        recipients=recipients,
        items=items,
        basis=basis,
        reads_special_categories=policy.may_read_special_categories(request.user, request.agency),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.disclose(
                request.user,
                case,
                items=data["items"],
                recipient=data["recipient"],
                purpose=data["purpose"],
                consent=consent,
                legal_basis=basis,
                necessity_note=data.get("necessity_note", ""),
                confirmations=data.get("confirmations", []),
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The information was shared with %(agency)s. The disclosure is recorded.")
                % {"agency": data["recipient"].name},
            )
            return redirect("consent:overview", pk=case.pk)
    return render(
        request,
        "consent/share.html",
        {
            "case": case,
            "access": access,
            "form": form,
            "consent": consent,
            "basis": basis,
            "sender": sender,
            "ground_url": reverse("consent:share", args=[case.pk]),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def follow_up(request, pk, follow_up_pk):
    case, access = open_case(request, pk, parts=["disclosures"])
    follow_up = get_object_or_404(
        DisclosureFollowUp.objects.select_related(
            "disclosure__recipient_agency", "disclosure__shared_by"
        ),
        pk=follow_up_pk,
        case=case,
        agency_id__in=access.agency_ids,
    )
    review = follow_up.kind == FollowUpKind.REVIEW
    if review:
        _require(policy.manages_agency(request.user, follow_up.agency_id))
    form_class = forms.ReviewForm if review else forms.InformPersonForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_follow_up(
                request.user, follow_up, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Recorded."))
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "consent/follow_up.html",
        {
            "case": case,
            "access": access,
            "follow_up": follow_up,
            "form": form,
            "items": policy.withhold_special_categories(
                request.user, follow_up.disclosure.items.all(), request.agency
            ),
            "confirmations": [
                Confirmation(code).label for code in follow_up.disclosure.confirmations
            ],
        },
    )


@member
@require_http_methods(["GET", "POST"])
def own_basis(request, pk, disclosure_pk):
    """The recipient of items shared under a consent that was withdrawn records its own
    basis for keeping them (L13). Only the agency the user acts for, when it received the
    disclosure; for anyone else the page does not exist. The read entry is written only
    once the page is known to be theirs."""
    case, access = open_case(request, pk, parts=["disclosures"], record_read=False)
    _identified(case)
    worker = policy.records_own_basis_by(access.path)
    acting = {request.agency.pk} if request.agency and worker else set()
    awaiting = policy.disclosures_awaiting_own_basis(request.user, case, acting)
    disclosure = get_object_or_404(
        awaiting.select_related("sender_agency", "recipient_agency", "consent__withdrawal"),
        pk=disclosure_pk,
    )
    if request.method == "GET":
        record_case_read(
            request.user, case, parts=["disclosures"], access_path=access.path, request=request
        )
    bases = LegalBasis.objects.filter(
        pk__in=[basis.pk for basis in services.own_basis_choices(request.agency)]
    )
    form = forms.OwnBasisForm(request.POST or None, bases=bases)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_own_basis(
                request.user, disclosure, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Your agency's own legal basis is recorded. Your agency can read the "
                    "information again."
                ),
            )
            return redirect("cases:detail", pk=case.pk)
    return render(
        request,
        "consent/own_basis.html",
        {
            "case": case,
            "access": access,
            "disclosure": disclosure,
            "items": list(disclosure.items.order_by("written_at", "id")),
            "others": list(awaiting.exclude(pk=disclosure.pk).select_related("sender_agency")),
            "form": form,
        },
    )


@member
@require_POST
def acknowledge_notice(request, notice_pk):
    """Mark a notice to one of the user's agencies as read. Not under the case: a
    voluntary organisation is told of a withdrawal that has closed the case to it."""
    agency_ids = policy.case_agency_ids(request.user) | policy.volunteer_agency_ids(request.user)
    notice = get_object_or_404(DisclosureNotice, pk=notice_pk, recipient_agency_id__in=agency_ids)
    services.acknowledge_notice(request.user, notice, request=request)
    next_url = request.POST.get("next", "")
    if next_url == "case":
        return redirect("cases:detail", pk=notice.case_id)
    return redirect("core:home")


# The person's access report (L40) ---------------------------------------------------


# The redaction step is paged: a case read thousands of times has thousands of lines, and
# one form field per line broke the page (issue 18). The choices made on each page are
# kept on the server, in the session, until the report is made; reads are held back in
# bulk by rule (consent.access_report, "Redaction rules"). Two fields per line, so a
# page stays well under Django's DATA_UPLOAD_MAX_NUMBER_FIELDS whatever the report holds.
ACCESS_REPORT_PAGE_SIZE = 40
_SECTIONS = ("person", *reports.LIST_SECTIONS)


def _draft_key(person):
    return f"access-report-draft:{person.pk}"


def _draft(request, person):
    """The redactions chosen so far: {"lines": {key: reason}, "rules": [rule]}."""
    draft = request.session.get(_draft_key(person)) or {}
    lines = draft.get("lines") if isinstance(draft.get("lines"), dict) else {}
    rules = draft.get("rules") if isinstance(draft.get("rules"), list) else []
    return {"lines": dict(lines), "rules": list(rules)}


def _keep_draft(request, person, draft):
    request.session[_draft_key(person)] = draft


def _section(value):
    return value if value in _SECTIONS else ""


def _lines_page_url(case, section, page_number):
    query = {"del": section} if section else {}
    if page_number and page_number != 1:
        query["side"] = page_number
    url = reverse("consent:access_report", args=[case.pk])
    return f"{url}?{urlencode(query)}" if query else url


def _lines_page(entries, section, page_number):
    shown = [entry for entry in entries if not section or entry.section == section]
    return Paginator(shown, ACCESS_REPORT_PAGE_SIZE).get_page(page_number)


def _save_page(request, entries, draft):
    """The choices posted for the lines of one page: a ticked line needs a reason; a line
    shown and not ticked is no longer redacted. Returns the lines ticked without one."""
    keys = {entry.key for entry in entries}
    shown = [key for key in request.POST.get("shown", "").split() if key in keys]
    ticked = [key for key in request.POST.getlist("redact") if key in keys]
    # No NUL: PostgreSQL's jsonb, where the report stores the reasons, cannot hold one.
    reasons = {
        key: request.POST.get(f"reason-{key}", "").replace("\x00", "").strip()[:500]
        for key in ticked
    }
    missing = {key for key, reason in reasons.items() if not reason}
    if not missing:
        for key in shown:
            draft["lines"].pop(key, None)
        draft["lines"].update(reasons)
    return missing


@member
@require_http_methods(["GET", "POST"])
def access_report(request, pk):
    case, access = open_case(request, pk, parts=["access_report"])
    _identified(case)
    person = case.subject
    _require(policy.can_make_access_report(request.user, person))
    entries = reports.report_entries(person, request.user)
    draft = _draft(request, person)
    section = _section(request.GET.get("del", ""))
    page_number = request.GET.get("side")
    agencies = reports.reader_agencies(entries)
    rule_form = forms.RedactionRuleForm(agencies=agencies)
    errors, missing_reasons = [], set()
    if request.method == "POST":
        if "add-rule" in request.POST:
            rule_form = forms.RedactionRuleForm(request.POST, agencies=agencies)
            if rule_form.is_valid():
                draft["rules"].append(rule_form.rule())
                _keep_draft(request, person, draft)
                return redirect(_lines_page_url(case, section, page_number))
        elif "remove-rule" in request.POST:
            index = request.POST["remove-rule"]
            if index.isascii() and index.isdigit() and int(index) < len(draft["rules"]):
                del draft["rules"][int(index)]
                _keep_draft(request, person, draft)
            return redirect(_lines_page_url(case, section, page_number))
        else:
            missing_reasons = _save_page(request, entries, draft)
            if missing_reasons:
                errors = [_("Give a reason for every redaction.")]
            elif "go" in request.POST:
                _keep_draft(request, person, draft)
                target, _sep, number = request.POST["go"].partition(":")
                page = _lines_page(entries, _section(target), number)
                return redirect(_lines_page_url(case, _section(target), page.number))
            else:
                _keep_draft(request, person, draft)
                # A line the data no longer has holds back nothing: left out.
                keys = {entry.key for entry in entries}
                try:
                    report = reports.make_report(
                        request.user,
                        person,
                        redactions=[
                            {"key": key, "reason": reason}
                            for key, reason in draft["lines"].items()
                            if key in keys
                        ],
                        rules=draft["rules"],
                        request=request,
                    )
                except ValidationError as error:
                    errors = error.messages
                else:
                    request.session.pop(_draft_key(person), None)
                    messages.success(request, _("The access report was made. Download it below."))
                    return redirect(
                        f"{reverse('consent:access_report', args=[case.pk])}#rapport-{report.pk}"
                    )
    page = _lines_page(entries, section, page_number)
    posted = request.method == "POST" and bool(missing_reasons)
    if posted:
        ticked = set(request.POST.getlist("redact"))
        reasons = {key: request.POST.get(f"reason-{key}", "") for key in ticked}
    else:
        ticked, reasons = set(draft["lines"]), draft["lines"]
    lines = [
        {
            "entry": entry,
            "ticked": entry.key in ticked,
            "reason": reasons.get(entry.key, ""),
            "rule": next(
                (rule for rule in draft["rules"] if reports.rule_matches(rule, entry)), None
            ),
        }
        for entry in page.object_list
    ]
    counts = defaultdict(int)
    for entry in entries:
        counts[entry.section] += 1
    return render(
        request,
        "consent/access_report.html",
        {
            "case": case,
            "access": access,
            "entries": page.object_list,
            "lines": lines,
            "page": page,
            "section": section,
            "sections": [
                (name, reports.SECTION_LABELS[name], counts[name])
                for name in _SECTIONS
                if counts[name]
            ],
            "entry_count": len(entries),
            "rules": [
                {
                    **rule,
                    "hides": sum(1 for entry in entries if reports.rule_matches(rule, entry)),
                    "hide_label": dict(reports.HIDE_CHOICES).get(rule.get("hide"), ""),
                }
                for rule in draft["rules"]
            ],
            "redacted_lines": len(draft["lines"]),
            "rule_form": rule_form,
            "errors": errors,
            "missing_reasons": missing_reasons,
            "reports": AccessReport.objects.filter(person=person).select_related("made_by")[:20],
        },
    )


@member
@require_GET
def access_report_file(request, pk, report_pk, file_format):
    case, _access = open_case(request, pk, parts=["access_report"])
    _identified(case)
    _require(policy.can_make_access_report(request.user, case.subject))
    report = get_object_or_404(AccessReport, pk=report_pk, person=case.subject)
    if file_format == "json":
        body, content_type = reports.report_json(report), "application/json"
    elif file_format == "pdf":
        body, content_type = reports.report_pdf(report), "application/pdf"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="innsyn-{case.reference}-{report.pk}.{file_format}"'
    )
    return response


# Outside a case ----------------------------------------------------------------------


@member
@require_http_methods(["GET", "POST"])
def confidentiality_declaration(request):
    """A voluntary organisation's user accepts the duty of confidentiality (L49)."""
    pending = services.needs_confidentiality_declaration(request.user)
    if not pending:
        raise Http404
    form = forms.DeclarationForm(
        request.POST or None,
        agencies=Agency.objects.filter(pk__in=[agency.pk for agency in pending]),
        initial={"agency": pending[0].pk},
    )
    if request.method == "POST" and form.is_valid():
        services.accept_confidentiality_declaration(
            request.user, form.cleaned_data["agency"], request=request
        )
        messages.success(request, _("Thank you. The declaration is recorded."))
        return redirect("core:home")
    return render(
        request,
        "consent/confidentiality_declaration.html",
        {"form": form, "agency": pending[0]},
    )


@member
@require_GET
def legal_bases(request):
    """The legal-basis catalogue as it stands today, and what is coming."""
    today = timezone.localdate()
    bases = sorted(LegalBasis.objects.all(), key=lambda basis: (basis.law.lower(), basis.section))
    return render(
        request,
        "consent/legal_bases.html",
        {
            "current": [basis for basis in bases if basis.is_valid_on(today)],
            "future": [basis for basis in bases if basis.valid_from > today],
            "profiles": list(catalogue.profiles_by_sector().values()),
            "version": bases[0].catalogue_version if bases else "",
        },
    )
