"""Consent and disclosure: what users do, and the rule every disclosure passes.

No information item passes from one agency to another without a consent that
covers the recipient, the item's categories and the day, or a statutory basis
from the catalogue with a necessity note (C1, L01–L08, L12, L13). Each function
takes the acting user first, checks permission, changes data and writes the
audit entry in one transaction. Audit details hold ids and codes only.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.agencies.models import Agency
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.cases.models import (
    CASE_PART_CATEGORIES,
    CasePart,
    InformationCategory,
    JournalEntry,
)
from tverrnett.consent import catalogue
from tverrnett.consent.models import (
    ConfidentialityDeclaration,
    Consent,
    ConsentCapacity,
    ConsentForm,
    ConsentStatus,
    ConsentWithdrawal,
    DisclosedItem,
    Disclosure,
    DisclosureFollowUp,
    DisclosureNotice,
    FollowUpKind,
    LegalBasisKind,
    NoticeKind,
    RecipientBasis,
)
from tverrnett.core import dates
from tverrnett.core.files import check_upload, clean_file_name

for _name, _description in [
    ("consent.prepared", gettext_noop("Prepared a consent declaration")),
    ("consent.given", gettext_noop("Recorded a consent as given")),
    ("consent.refused", gettext_noop("Recorded that consent was refused")),
    ("consent.withdrawn", gettext_noop("Recorded the withdrawal of a consent")),
    ("consent.disclosed", gettext_noop("Disclosed information items to another agency")),
    ("consent.case_opened", gettext_noop("Opened parts of a case to an agency on its team")),
    ("consent.follow_up_done", gettext_noop("Completed the follow-up of a disclosure")),
    (
        "consent.notice_acknowledged",
        gettext_noop("Acknowledged a notice about disclosed information"),
    ),
    ("consent.confidentiality_accepted", gettext_noop("Accepted the confidentiality declaration")),
    ("consent.access_report", gettext_noop("Made an access report for a person")),
    (
        "consent.own_basis_recorded",
        gettext_noop("Recorded the agency's own legal basis for keeping disclosed information"),
    ),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_work(actor, case):
    _require(
        not case.is_anonymous
        and policy.can_work_on_case(actor, case, policy.case_access_path(actor, case))
    )


# Consent ----------------------------------------------------------------------------


def age_guidance(person, thresholds=None):
    """Which of the configured age thresholds (L16) the person has passed, for the form
    and the declaration: a list of threshold names, lowest first."""
    thresholds = thresholds or settings.CONSENT_AGE_THRESHOLDS
    age = person.age_on(timezone.localdate()) if person else None
    if age is None:
        return []
    return [
        name for name, limit in sorted(thresholds.items(), key=lambda kv: kv[1]) if age >= limit
    ]


def _validate_scope(case, fields, guardians):
    errors = {}
    person = case.subject
    if not fields["consenter_name"].strip():
        errors["consenter_name"] = _("Give the name of who consents.")
    if fields["capacity"] not in ConsentCapacity.values:
        errors["capacity"] = _("Say who gives the consent.")
    if not fields["purpose"].strip():
        errors["purpose"] = _("Say what the information will be used for.")
    categories = fields["categories"]
    if not categories:
        errors["categories"] = _("Choose at least one category of information.")
    elif set(categories) - set(InformationCategory.values):
        errors["categories"] = _("Choose categories from the list.")
    if not fields["recipients"]:
        errors["recipients"] = _("Choose at least one service that may receive information.")
    if not fields.get("ends_on"):
        errors["ends_on"] = _("A consent must have an end date.")
    elif fields.get("starts_on") and fields["ends_on"] < fields["starts_on"]:
        errors["ends_on"] = _("The end date must be on or after the start date.")
    if not fields["language"].strip():
        errors["language"] = _("Give the language the conversation was held in.")
    if fields["interpreter_used"] and not fields["interpreter_language"].strip():
        errors["interpreter_language"] = _("Give the interpreter language.")
    if person.is_minor:
        # L16: a child's consent is given by the holders of parental responsibility, and
        # the child's own views are recorded.
        if fields["capacity"] != ConsentCapacity.GUARDIANS:
            errors["capacity"] = _(
                "The person is under 18: the holders of parental responsibility consent."
            )
        if not guardians:
            errors["guardians"] = _("Choose the holders of parental responsibility who consent.")
        elif any(
            guardian.person_id != person.pk or not guardian.has_parental_responsibility
            for guardian in guardians
        ):
            errors["guardians"] = _("Choose among the person's holders of parental responsibility.")
        if not fields["child_views"].strip():
            errors["child_views"] = _("Record the child's own views.")
    elif fields["capacity"] == ConsentCapacity.GUARDIANS:
        errors["capacity"] = _("The person is an adult and consents themselves.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def prepare_consent(actor, case, *, guardians=(), recipients, request=None, **fields):
    """Record a consent's scope (L11, L16) so the declaration can be printed and signed.

    `fields`: consenter_name, capacity, child_views, purpose, categories, starts_on,
    ends_on, language, interpreter_used, interpreter_language, and for an individual
    plan (L30) individual_plan and plan_confidential_access.
    """
    _require_work(actor, case)
    guardians = list(guardians)
    recipients = [agency for agency in recipients if agency.is_active]
    fields.setdefault("child_views", "")
    fields.setdefault("interpreter_language", "")
    fields.setdefault("starts_on", timezone.localdate())
    if fields.get("plan_confidential_access") and not fields.get("individual_plan"):
        raise ValidationError(
            {
                "individual_plan": _(
                    "Access for the plan's services is part of a consent to an individual plan."
                )
            }
        )
    _validate_scope(case, {**fields, "recipients": recipients}, guardians)
    agency = case_services.actor_agency(actor, case, request)
    consent = Consent.objects.create(case=case, prepared_by=actor, prepared_agency=agency, **fields)
    consent.guardians.set(guardians)
    consent.recipients.set(recipients)
    record(
        "consent.prepared",
        actor=actor,
        agency=agency,
        target=case,
        detail={
            "consent": consent.pk,
            "categories": sorted(consent.categories),
            "recipients": sorted(a.pk for a in recipients),
            "ends_on": consent.ends_on.isoformat(),
        },
        request=request,
    )
    return consent


@transaction.atomic
def record_consent_answer(
    actor,
    consent,
    *,
    decision,
    form="",
    declaration=None,
    oral_recorded_by="",
    oral_record_reference="",
    refusal_note="",
    request=None,
):
    """Record that the consent was given (written with the signed declaration, or oral
    with who recorded it and where) or refused (L11, L17)."""
    case = consent.case
    _require_work(actor, case)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.status != ConsentStatus.PREPARED:
        raise ValidationError(_("This consent has already been answered."))
    errors = {}
    if decision == ConsentStatus.GIVEN:
        if form == ConsentForm.WRITTEN:
            if declaration is None:
                errors["declaration"] = _("Upload the signed declaration.")
            else:
                try:
                    file_type = check_upload(declaration)
                except ValidationError as error:
                    errors["declaration"] = error.messages
        elif form == ConsentForm.ORAL:
            if not oral_recorded_by.strip():
                errors["oral_recorded_by"] = _(
                    "Give the name of who heard and recorded the consent."
                )
            if not oral_record_reference.strip():
                errors["oral_record_reference"] = _(
                    "Say where the oral consent is recorded (for example the journal reference)."
                )
        else:
            errors["form"] = _("Say whether the consent was written or oral.")
    elif decision != ConsentStatus.REFUSED:
        errors["decision"] = _("Say whether the consent was given or refused.")
    if errors:
        raise ValidationError(errors)

    locked.status = decision
    locked.answered_by = actor
    locked.answered_at = timezone.now()
    if decision == ConsentStatus.GIVEN:
        locked.form = form
        if form == ConsentForm.WRITTEN:
            locked.declaration_file_name = clean_file_name(declaration.name)
            locked.declaration_content_type = file_type.content_type
            locked.declaration_file.save("upload", declaration, save=False)
        else:
            locked.oral_recorded_by = oral_recorded_by
            locked.oral_record_reference = oral_record_reference
    else:
        locked.refusal_note = refusal_note
    try:
        locked.save()
        record(
            "consent.given" if decision == ConsentStatus.GIVEN else "consent.refused",
            actor=actor,
            target=case,
            detail={"consent": locked.pk, "form": locked.form},
            request=request,
        )
    except Exception:
        if locked.declaration_file:
            locked.declaration_file.delete(save=False)
        raise
    return locked


@transaction.atomic
def withdraw_consent(actor, consent, *, withdrawn_on, note, request=None):
    """Register a withdrawal (L13): from now on nothing is shared under the consent, the
    agencies that received information under it no longer read it in Tverrnett (unless
    they record their own basis, `record_own_basis`) and are told, the consent stays as
    it was."""
    case = consent.case
    _require_work(actor, case)
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.status != ConsentStatus.GIVEN:
        raise ValidationError(_("Only a consent that was given can be withdrawn."))
    if ConsentWithdrawal.objects.filter(consent=locked).exists():
        raise ValidationError(_("This consent has already been withdrawn."))
    if not note.strip():
        raise ValidationError({"note": _("Say how and to whom the consent was withdrawn.")})
    if withdrawn_on > timezone.localdate():
        raise ValidationError({"withdrawn_on": _("The date cannot be in the future.")})
    withdrawal = ConsentWithdrawal.objects.create(
        consent=locked, withdrawn_on=withdrawn_on, note=note, recorded_by=actor
    )
    notified = _notify_recipients(
        Disclosure.objects.filter(consent=locked),
        kind=NoticeKind.CONSENT_WITHDRAWN,
        case=case,
        consent=locked,
    )
    record(
        "consent.withdrawn",
        actor=actor,
        target=case,
        detail={"consent": locked.pk, "notified": notified},
        request=request,
    )
    return withdrawal


def _notify_recipients(disclosures, **notice):
    """One notice to each agency that received any of `disclosures`, pointing at the
    latest it received; returns the agencies' ids, sorted (L13, L41)."""
    latest = {}
    for disclosure in disclosures.order_by("shared_at", "id"):
        latest[disclosure.recipient_agency_id] = disclosure
    DisclosureNotice.objects.bulk_create(
        DisclosureNotice(recipient_agency_id=agency_id, disclosure=disclosure, **notice)
        for agency_id, disclosure in latest.items()
    )
    return sorted(latest)


def consents_for(case):
    return (
        Consent.objects.filter(case=case)
        .select_related("withdrawal", "prepared_agency")
        .prefetch_related("recipients", "guardians")
    )


def consents_ending_soon(user, today=None):
    """Given consents on open cases the user coordinates that end within the warning
    period (L14), soonest first."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=settings.CONSENT_EXPIRY_WARNING_DAYS)
    return (
        Consent.objects.valid_on(today)
        .filter(
            policy.holds_role_filter(user, "case__coordinator_role"),
            ends_on__lte=horizon,
        )
        .exclude(case__state="closed")
        .select_related("case")
        .order_by("ends_on", "id")
    )


# Disclosure -------------------------------------------------------------------------


def _sender(actor, case, request):
    agency = case_services.actor_agency(actor, case, request)
    _require(agency.pk in policy.case_agency_ids(actor))
    return agency


def recipients_for(case, sender):
    """The agencies on the case's team a sender may disclose to: everyone but itself."""
    return (
        Agency.objects.filter(case_teams__case=case, is_active=True)
        .exclude(pk=sender.pk)
        .order_by("name")
    )


def consent_recipient_choices(case):
    """The services a consent may name: the team's agencies and the network's members
    (a voluntary organisation joins the team only once a consent names it)."""
    return (
        Agency.objects.filter(
            Q(case_teams__case=case) | Q(network_members__network=case.network_id),
            is_active=True,
        )
        .distinct()
        .order_by("name")
    )


def share_choices(actor, case, sender, *, consent=None, basis=None):
    """(recipients, items) a share form offers under a ground (L12): for a consent only
    the recipients it names and the items whose categories it covers; for a basis the
    recipients it allows and the items whose sector profile does not exclude it."""
    recipients = recipients_for(case, sender)
    own = list(policy.own_journal(actor, case))
    if consent is not None:
        named = [agency.pk for agency in consent.recipients.all()]
        recipients = recipients.filter(pk__in=named)
        allowed = [item.pk for item in own if item.required_categories <= set(consent.categories)]
    else:
        recipients = recipients.filter(agency_type__in=basis.recipient_agency_types)
        profiles = catalogue.profiles_by_sector()
        allowed = [
            item.pk for item in own if not catalogue.sector_excludes(profiles, item.sector, basis)
        ]
    items = JournalEntry.objects.filter(pk__in=allowed).order_by("-written_at", "-id")
    return recipients, items


def valid_consents(case, day=None):
    day = day or timezone.localdate()
    return [consent for consent in consents_for(case) if consent.is_valid_on(day)]


def statutory_bases(sender, recipient=None, day=None):
    return catalogue.statutory_bases_for(
        sender.agency_type,
        recipient.agency_type if recipient else None,
        day or timezone.localdate(),
    )


def _check_items(actor, case, items):
    """The items must be current versions the sender's agencies wrote on this case."""
    if not items:
        raise ValidationError({"items": _("Choose the information to share.")})
    own = set(policy.own_journal(actor, case).values_list("pk", flat=True))
    if any(item.pk not in own or item.case_id != case.pk for item in items):
        raise PermissionDenied


def _check_consent(consent, case, recipient, items, day):
    needed = set().union(*(item.required_categories for item in items))
    _check_consent_covers(consent, case, recipient, needed, day, field="items")


def _check_consent_covers(consent, case, recipient, needed, day, *, field):
    """The consent is valid on `day`, names `recipient` and covers the categories
    `needed`; otherwise a ValidationError (the uncovered categories under `field`)."""
    if consent.case_id != case.pk:
        raise PermissionDenied
    if not consent.is_valid_on(day):
        if consent.is_withdrawn:
            message = _("The consent has been withdrawn. Nothing more can be shared under it.")
        elif consent.status != ConsentStatus.GIVEN:
            message = _("The consent has not been given.")
        elif day < consent.starts_on:
            message = _("The consent is not valid yet: it starts on %(day)s.") % {
                "day": dates.day(consent.starts_on)
            }
        else:
            message = _("The consent ended on %(day)s.") % {"day": dates.day(consent.ends_on)}
        raise ValidationError({"consent": message})
    if recipient.pk not in {agency.pk for agency in consent.recipients.all()}:
        raise ValidationError(
            {
                "recipient": _("The consent does not name %(agency)s as a recipient.")
                % {"agency": recipient.name}
            }
        )
    outside = set(needed) - set(consent.categories)
    if outside:
        labels = ", ".join(str(InformationCategory(code).label).lower() for code in sorted(outside))
        raise ValidationError(
            {
                field: _("The consent does not cover these categories: %(categories)s.")
                % {"categories": labels}
            }
        )


def _check_basis(basis, sender, recipient, items, day, necessity_note, confirmations):
    _check_basis_for_sectors(
        basis,
        sender,
        recipient,
        {item.sector for item in items},
        day,
        necessity_note,
        confirmations,
    )


def check_statutory_basis(basis, sender, recipient, necessity_note, confirmations, day=None):
    """The checks of a disclosure under `basis` for information the sender itself holds
    (a team join, a returnee's child case): a ValidationError when it may not be used."""
    _check_basis_for_sectors(
        basis,
        sender,
        recipient,
        {sender.agency_type},
        day or timezone.localdate(),
        necessity_note,
        confirmations,
    )


def record_case_opening(
    actor,
    case,
    *,
    sender,
    recipient,
    parts,
    purpose,
    legal_basis,
    consent=None,
    necessity_note="",
    confirmations=(),
    request=None,
    day=None,
):
    """The immutable record that `parts` of `case` went to `recipient` under a ground
    already checked (a consent, with the consent basis of the sender's sector as
    `legal_basis`, or a statutory basis), its review follow-up and its audit entry."""
    parts = sorted(set(parts))
    disclosure = Disclosure.objects.record(
        parts=parts,
        case=case,
        sender_agency=sender,
        recipient_agency=recipient,
        shared_by=actor,
        purpose=purpose,
        legal_basis=legal_basis,
        legal_basis_citation=(
            f"{legal_basis.law} {legal_basis.section} ({legal_basis.catalogue_version})"
        ),
        consent=consent,
        necessity_note=necessity_note if consent is None else "",
        confirmations=sorted(confirmations) if consent is None else [],
    )
    follow_ups = []
    if consent is None and legal_basis.review_task:
        follow_ups.append(FollowUpKind.REVIEW)
        DisclosureFollowUp.objects.create(
            kind=FollowUpKind.REVIEW,
            disclosure=disclosure,
            case=case,
            agency=sender,
            due_on=(day or timezone.localdate())
            + datetime.timedelta(days=settings.DISCLOSURE_FOLLOW_UP_DAYS),
        )
    record(
        "consent.case_opened",
        actor=actor,
        agency=sender,
        target=case,
        detail={
            "disclosure": disclosure.pk,
            "recipient": recipient.pk,
            "parts": parts,
            "legal_basis": legal_basis.code,
            "consent": consent.pk if consent else None,
            "follow_ups": follow_ups,
        },
        request=request,
    )
    return disclosure


def _check_basis_for_sectors(basis, sender, recipient, sectors, day, necessity_note, confirmations):
    """The sender may use the statutory `basis` today towards `recipient`, no sector the
    information comes from (`sectors`) excludes it (L04), and the necessity note and the
    confirmations it requires are there."""
    errors = {}
    if (
        basis.kind != LegalBasisKind.STATUTORY
        or not basis.is_valid_on(day)
        or sender.agency_type not in basis.agency_types
    ):
        errors["legal_basis"] = _("Your agency cannot use this legal basis today.")
    elif recipient.agency_type not in basis.recipient_agency_types:
        errors["recipient"] = _("%(agency)s cannot receive information under this basis.") % {
            "agency": recipient.name
        }
    profiles = catalogue.profiles_by_sector()
    blocked = any(catalogue.sector_excludes(profiles, sector, basis) for sector in sectors)
    if blocked and "legal_basis" not in errors:
        errors["legal_basis"] = _(
            "The confidentiality rules of the sector that recorded some of the information "
            "do not allow it to be shared under this basis."
        )
    if not necessity_note.strip():
        errors["necessity_note"] = _("Explain why sharing is necessary.")
    missing = set(basis.confirmations) - set(confirmations)
    if missing:
        errors["confirmations"] = _("Confirm every statement this basis requires.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def disclose(
    actor,
    case,
    *,
    items,
    recipient,
    purpose,
    consent=None,
    legal_basis=None,
    necessity_note="",
    confirmations=(),
    request=None,
    today=None,
):
    """Share `items` with `recipient` under a consent or a statutory basis (L01–L08, L12).

    Returns the immutable Disclosure. Refuses, changing nothing, when the ground does
    not cover the recipient, every item's categories and today. `today` is for tests
    only; no page passes it.
    """
    _require_work(actor, case)
    day = today or timezone.localdate()
    sender = _sender(actor, case, request)
    items = list(items)
    _check_items(actor, case, items)
    if (
        recipient.pk == sender.pk
        or not recipients_for(case, sender).filter(pk=recipient.pk).exists()
    ):
        raise ValidationError({"recipient": _("Choose an agency on the case's team.")})
    if not purpose.strip():
        raise ValidationError({"purpose": _("Say what the information is shared for.")})
    return record_disclosure(
        actor,
        case,
        sender=sender,
        recipient=recipient,
        items=items,
        purpose=purpose,
        consent=consent,
        legal_basis=legal_basis,
        necessity_note=necessity_note,
        confirmations=confirmations,
        request=request,
        day=day,
    )


def record_disclosure(
    actor,
    case,
    *,
    sender,
    recipient,
    items,
    purpose,
    consent=None,
    legal_basis=None,
    necessity_note="",
    confirmations=(),
    request=None,
    day,
):
    """The ground checks of a disclosure of `items` (the sender's own, already checked)
    from `sender` to `recipient`, then its immutable record, follow-ups and audit entry.
    `disclose` and the answer to a request for information
    (consent.information_requests) both end here; call it inside a transaction."""
    if (consent is None) == (legal_basis is None):
        raise ValidationError(
            {"ground": _("Choose a consent or a legal basis from the catalogue.")}
        )
    if consent is not None:
        # Lock the consent so a withdrawal registered at the same moment wins or waits.
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        _check_consent(consent, case, recipient, items, day)
        legal_basis = catalogue.consent_basis_for(sender.agency_type, day)
        if legal_basis is None:
            raise ValidationError(
                {"consent": _("The catalogue has no consent basis for your agency's sector.")}
            )
    else:
        _check_basis(legal_basis, sender, recipient, items, day, necessity_note, confirmations)

    disclosure = Disclosure.objects.record(
        items=items,
        case=case,
        sender_agency=sender,
        recipient_agency=recipient,
        shared_by=actor,
        purpose=purpose,
        legal_basis=legal_basis,
        legal_basis_citation=(
            f"{legal_basis.law} {legal_basis.section} ({legal_basis.catalogue_version})"
        ),
        consent=consent,
        necessity_note=necessity_note,
        confirmations=sorted(confirmations) if consent is None else [],
    )
    due = day + datetime.timedelta(days=settings.DISCLOSURE_FOLLOW_UP_DAYS)
    follow_ups = []
    if consent is None and legal_basis.review_task:
        follow_ups.append(FollowUpKind.REVIEW)
    if consent is None and any(item.health_data for item in items):
        follow_ups.append(FollowUpKind.INFORM_PERSON)
    DisclosureFollowUp.objects.bulk_create(
        DisclosureFollowUp(kind=kind, disclosure=disclosure, case=case, agency=sender, due_on=due)
        for kind in follow_ups
    )
    record(
        "consent.disclosed",
        actor=actor,
        agency=sender,
        target=case,
        detail={
            "disclosure": disclosure.pk,
            "recipient": recipient.pk,
            "items": sorted(item.pk for item in items),
            "legal_basis": legal_basis.code,
            "consent": consent.pk if consent else None,
            "follow_ups": follow_ups,
        },
        request=request,
    )
    return disclosure


# Joining the team: the parts of a case opened to an agency (C1) ---------------------


def team_join_grounds(case, sender, day=None):
    """(consents, statutory bases) a case may be opened to a team agency under: the case's
    valid consents, and the bases the sender's sector may use (the recipient and the
    parts are checked when the form is sent)."""
    day = day or timezone.localdate()
    return valid_consents(case, day), statutory_bases(sender, day=day)


@transaction.atomic
def open_case_to(
    actor,
    case,
    *,
    recipient,
    parts,
    purpose,
    consent=None,
    legal_basis=None,
    necessity_note="",
    confirmations=(),
    request=None,
    today=None,
):
    """Open `parts` (cases.CasePart) of the case to `recipient`, an agency on its team,
    under a consent that names it and covers the parts' categories, or a statutory
    basis the sending agency may use (C1, L01, L05). Returns the immutable disclosure
    that records exactly which parts opened. `today` is for tests only."""
    _require(policy.can_manage_case(actor, case, policy.case_access_path(actor, case)))
    _require(not case.is_closed)
    day = today or timezone.localdate()
    sender = _sender(actor, case, request)
    errors = {}
    if recipient.pk == sender.pk or not case.team.filter(agency=recipient).exists():
        errors["recipient"] = _("Choose an agency on the case's team.")
    parts = sorted(set(parts))
    if not parts:
        errors["parts"] = _("Choose what the agency may see.")
    elif set(parts) - set(CasePart.values):
        errors["parts"] = _("Choose parts of the case from the list.")
    if not purpose.strip():
        errors["purpose"] = _("Say what the agency needs the information for.")
    if (consent is None) == (legal_basis is None):
        errors["ground"] = _("Choose a consent or a legal basis from the catalogue.")
    if errors:
        raise ValidationError(errors)
    if consent is not None:
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        needed = {CASE_PART_CATEGORIES[part] for part in parts}
        _check_consent_covers(consent, case, recipient, needed, day, field="parts")
        legal_basis = catalogue.consent_basis_for(sender.agency_type, day)
        if legal_basis is None:
            raise ValidationError(
                {"ground": _("The catalogue has no consent basis for your agency's sector.")}
            )
    else:
        check_statutory_basis(legal_basis, sender, recipient, necessity_note, confirmations, day)
    return record_case_opening(
        actor,
        case,
        sender=sender,
        recipient=recipient,
        parts=parts,
        purpose=purpose,
        legal_basis=legal_basis,
        consent=consent,
        necessity_note=necessity_note,
        confirmations=confirmations,
        request=request,
        day=day,
    )


@transaction.atomic
def join_team(
    actor,
    case,
    *,
    agency,
    contact_name,
    contact_phone="",
    contact_email="",
    asked_for="",
    parts=(),
    purpose="",
    consent=None,
    legal_basis=None,
    necessity_note="",
    confirmations=(),
    request=None,
):
    """Put an agency on the follow-up team. Without a consent or a legal basis it has the
    reduced view (asked to contribute, seeing nothing of the person); with one, the
    parts named open to it by a disclosure, in the same transaction."""
    member = case_services.add_team_member(
        actor,
        case,
        agency=agency,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        asked_for=asked_for,
        request=request,
    )
    if consent is not None or legal_basis is not None:
        open_case_to(
            actor,
            case,
            recipient=agency,
            parts=parts,
            purpose=purpose,
            consent=consent,
            legal_basis=legal_basis,
            necessity_note=necessity_note,
            confirmations=confirmations,
            request=request,
        )
    return member


def own_basis_choices(agency, day=None):
    """The statutory bases an agency may record as its own basis for keeping information
    it received under a consent that was withdrawn: those its sector may use (L03)."""
    return catalogue.statutory_bases_for(agency.agency_type, None, day or timezone.localdate())


@transaction.atomic
def record_own_basis(
    actor,
    disclosure,
    *,
    legal_basis,
    necessity_note,
    confirmations=(),
    request=None,
    today=None,
):
    """The recipient of a disclosure whose consent was withdrawn records its own basis for
    keeping the items (L13): a statutory basis from the catalogue that its sector may use
    and the items' sectors do not exclude, with a necessity note and the confirmations the
    basis asks for. Without it the withdrawal has ended the recipient's access to them.
    Immutable once recorded; one per disclosure. `today` is for tests only."""
    day = today or timezone.localdate()
    agency = getattr(request, "agency", None) if request is not None else None
    if agency is None:
        agency = disclosure.recipient_agency
    _require(policy.can_record_own_basis(actor, disclosure, agency))
    # Lock the disclosure so two users of the agency cannot both record one.
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if RecipientBasis.objects.filter(disclosure=locked).exists():
        raise ValidationError(_("Your agency has already recorded its own basis for this."))
    errors = {}
    if legal_basis is None:
        errors["legal_basis"] = _("Choose the legal basis your agency keeps the information on.")
    elif legal_basis.pk not in {basis.pk for basis in own_basis_choices(agency, day)}:
        errors["legal_basis"] = _("Your agency cannot use this legal basis today.")
    else:
        profiles = catalogue.profiles_by_sector()
        items = list(locked.items.all())
        if any(catalogue.sector_excludes(profiles, item.sector, legal_basis) for item in items):
            errors["legal_basis"] = _(
                "The confidentiality rules of the sector that recorded some of the information "
                "do not allow it to be kept under this basis."
            )
        if set(legal_basis.confirmations) - set(confirmations):
            errors["confirmations"] = _("Confirm every statement this basis requires.")
    if not necessity_note.strip():
        errors["necessity_note"] = _("Explain why your agency must keep the information.")
    if errors:
        raise ValidationError(errors)
    kept = RecipientBasis.objects.create(
        disclosure=locked,
        agency=agency,
        legal_basis=legal_basis,
        legal_basis_citation=(
            f"{legal_basis.law} {legal_basis.section} ({legal_basis.catalogue_version})"
        ),
        necessity_note=necessity_note,
        confirmations=sorted(set(confirmations) & set(legal_basis.confirmations)),
        recorded_by=actor,
    )
    record(
        "consent.own_basis_recorded",
        actor=actor,
        agency=agency,
        target=locked.case,
        detail={
            "disclosure": locked.pk,
            "own_basis": kept.pk,
            "legal_basis": legal_basis.code,
            "consent": locked.consent_id,
        },
        request=request,
    )
    return kept


@transaction.atomic
def correct_item(actor, entry, *, text, confidentiality, reason, request=None, **tags):
    """Correct an information item (a new version) and tell every agency it was
    disclosed to (L41)."""
    correction = case_services.correct_journal_entry(
        actor,
        entry,
        text=text,
        confidentiality=confidentiality,
        reason=reason,
        request=request,
        **tags,
    )
    # Every earlier version of the item: the agency's entries on the case in one query,
    # then the chain walked back in memory.
    supersedes = dict(
        JournalEntry.objects.filter(case_id=entry.case_id, agency_id=entry.agency_id).values_list(
            "pk", "supersedes_id"
        )
    )
    versions = [entry.pk]
    while supersedes.get(versions[-1]):
        versions.append(supersedes[versions[-1]])
    _notify_recipients(
        Disclosure.objects.filter(
            pk__in=DisclosedItem.objects.filter(entry_id__in=versions).values("disclosure_id")
        ),
        kind=NoticeKind.ITEM_CORRECTED,
        case=entry.case,
        corrected_entry=correction,
    )
    return correction


@transaction.atomic
def complete_follow_up(
    actor, follow_up, *, informed_on=None, postponement_reason="", review_note="", request=None
):
    """Close a review (with its note) or an inform-the-person task (with the date the
    person was told, or why telling them is postponed) (L06, L07)."""
    _require(follow_up.agency_id in policy.case_agency_ids(actor))
    locked = DisclosureFollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if not locked.is_open:
        raise ValidationError(_("This has already been done."))
    if locked.kind == FollowUpKind.REVIEW:
        _require(policy.manages_agency(actor, locked.agency_id))
        if not review_note.strip():
            raise ValidationError({"review_note": _("Write what the review found.")})
        locked.review_note = review_note
    else:
        if informed_on is None and not postponement_reason.strip():
            raise ValidationError(
                {"informed_on": _("Give the date the person was informed, or why it is postponed.")}
            )
        if informed_on is not None and informed_on > timezone.localdate():
            raise ValidationError({"informed_on": _("The date cannot be in the future.")})
        locked.informed_on = informed_on
        locked.postponement_reason = postponement_reason
    locked.done_by = actor
    locked.done_at = timezone.now()
    locked.save()
    record(
        "consent.follow_up_done",
        actor=actor,
        target=locked.case,
        detail={"follow_up": locked.pk, "kind": locked.kind},
        request=request,
    )
    return locked


@transaction.atomic
def acknowledge_notice(actor, notice, *, request=None):
    agency_ids = policy.case_agency_ids(actor) | policy.volunteer_agency_ids(actor)
    _require(notice.recipient_agency_id in agency_ids)
    updated = DisclosureNotice.objects.filter(pk=notice.pk, acknowledged_at__isnull=True).update(
        acknowledged_by=actor, acknowledged_at=timezone.now()
    )
    if updated:
        record(
            "consent.notice_acknowledged",
            actor=actor,
            target=notice.case,
            detail={"notice": notice.pk, "kind": notice.kind},
            request=request,
        )


def disclosures_on(case, visible=None):
    """The case's disclosure records, ready to list; `visible` narrows them
    (policy.visible_disclosures)."""
    return (
        (visible if visible is not None else Disclosure.objects.filter(case=case))
        .select_related(
            "sender_agency",
            "recipient_agency",
            "legal_basis",
            "consent__withdrawal",
            "shared_by",
            "recipient_basis",
        )
        .prefetch_related("items", "parts")
    )


def open_sharing_work(user, limit):
    """(follow-ups, notices) waiting for the user's agencies: the follow-ups their
    agencies owe on cases they may see (L06, L07; reviews only for the agency's
    managers), and the notices sent to them (L13, L41). A withdrawal notice is shown
    even when the withdrawal closed the case to a voluntary organisation; each notice
    says whether its case still opens (`case_opens`) and, for a withdrawal, the first
    disclosure under that consent its agency may still record an own basis for
    (`own_basis_disclosure`, L13). Three queries."""
    memberships = policy.case_memberships(user)
    agency_ids, volunteer_ids = memberships
    visible = policy.visible_cases(user, memberships=memberships)
    follow_ups = (
        DisclosureFollowUp.objects.filter(
            follow_ups_for(user, agency_ids), done_at__isnull=True, case__in=visible
        )
        .select_related("case", "disclosure__recipient_agency")
        .order_by("due_on", "id")[:limit]
    )
    notices = list(
        DisclosureNotice.objects.filter(
            Q(case__in=visible) | Q(kind=NoticeKind.CONSENT_WITHDRAWN),
            recipient_agency_id__in=agency_ids | volunteer_ids,
            acknowledged_at__isnull=True,
        )
        .annotate(
            case_opens=Exists(visible.filter(pk=OuterRef("case_id"))),
            own_basis_disclosure=Subquery(
                policy.disclosures_awaiting_own_basis(user, None, agency_ids, memberships)
                .filter(
                    case_id=OuterRef("case_id"),
                    recipient_agency_id=OuterRef("recipient_agency_id"),
                    consent_id=OuterRef("consent_id"),
                )
                .order_by("shared_at", "id")
                .values("pk")[:1]
            ),
        )
        .select_related("case", "disclosure__sender_agency")
        .order_by("-created_at", "-id")[:limit]
    )
    return list(follow_ups), notices


def follow_ups_for(user, agency_ids):
    """The follow-ups a user acts on: informing the person for their agencies, reviews
    only for the agencies they manage."""
    return Q(agency_id__in=agency_ids) & (
        Q(kind=FollowUpKind.INFORM_PERSON) | Q(agency_id__in=policy.managed_agencies(user))
    )


# Voluntary organisations ------------------------------------------------------------


def needs_confidentiality_declaration(user):
    """The user's voluntary organisations whose current declaration they have not
    accepted (L49)."""
    return list(
        Agency.objects.filter(pk__in=policy.agencies_awaiting_declaration(user)).order_by("name")
    )


@transaction.atomic
def accept_confidentiality_declaration(actor, agency, *, request=None):
    _require(agency in needs_confidentiality_declaration(actor))
    declaration = ConfidentialityDeclaration.objects.create(
        user=actor, agency=agency, text_version=settings.CONFIDENTIALITY_DECLARATION_VERSION
    )
    record(
        "consent.confidentiality_accepted",
        actor=actor,
        agency=agency,
        detail={"version": declaration.text_version},
        request=request,
    )
    return declaration
