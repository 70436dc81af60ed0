"""Requests for information between agencies (issue 21, item 3; exit checklist step 11).

A user on a case asks another agency (the police district's radicalisation contact,
PST, NAV, child welfare) for information on a named ground: a statutory basis from
the catalogue that lets the asked agency disclose to the asking one, or a valid consent
of the case that names both. The asked agency sees the request, not the case; it
answers by disclosing its own information items through the ordinary disclosure rules
(`services.record_disclosure`: the same ground checks, the same immutable record, the
same audit entry), writing the answer as an item of its own first when it has none on
the case, or it declines with a reason. The asker is told by e-mail, without personal
data (notices.emails).

The question is free text and may hold personal data: it is a disclosure from the asking
agency to the asked one on the named ground, recorded by the request itself (written
once, never changed) and its audit entry (docs/security.md).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.consent import catalogue, services
from tverrnett.consent.models import (
    InformationRequest,
    InformationRequestStatus,
    LegalBasisKind,
)
from tverrnett.core import dates
from tverrnett.core.texts import TEXT_MAX
from tverrnett.core.versions import StaleEdit, claim

for _name, _description in [
    ("consent.information_requested", gettext_noop("Asked another agency for information")),
    (
        "consent.information_request_answered",
        gettext_noop("Answered a request for information with a disclosure"),
    ),
    ("consent.information_request_declined", gettext_noop("Declined a request for information")),
    ("consent.information_request_withdrawn", gettext_noop("Withdrew a request for information")),
    ("consent.information_request_viewed", gettext_noop("Read a request for information")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def recipient_choices(asker):
    """The agencies a request may go to: every active agency doing case work but the
    asker (a voluntary organisation is never asked for information)."""
    return (
        Agency.objects.filter(is_active=True)
        .exclude(pk=asker.pk)
        .exclude(agency_type=AgencyType.VOLUNTARY_ORG)
        .order_by("name")
    )


def ground_choices(case, asker, day=None):
    """(consents, bases) a request from `asker` may name: the case's valid consents that
    name the asker, and the statutory bases under which the asker may receive."""
    day = day or timezone.localdate()
    consents = [
        consent
        for consent in services.valid_consents(case, day)
        if asker.pk in {agency.pk for agency in consent.recipients.all()}
    ]
    bases = [
        basis
        for basis in catalogue.bases_valid_on(day).filter(kind=LegalBasisKind.STATUTORY)
        if asker.agency_type in basis.recipient_agency_types
    ]
    return consents, bases


def _citation(basis):
    return f"{basis.law} {basis.section} ({basis.catalogue_version})"


def _check_ground(case, asker, recipient, consent, legal_basis, day):
    if (consent is None) == (legal_basis is None):
        raise ValidationError(
            {"ground": _("Choose a consent or a legal basis from the catalogue.")}
        )
    if consent is not None:
        if consent.case_id != case.pk:
            raise PermissionDenied
        if not consent.is_valid_on(day):
            raise ValidationError({"ground": _("That consent is not valid today.")})
        named = {agency.pk for agency in consent.recipients.all()}
        for agency in (asker, recipient):
            if agency.pk not in named:
                raise ValidationError(
                    {
                        "recipient": _("The consent does not name %(agency)s as a recipient.")
                        % {"agency": agency.name}
                    }
                )
        return
    if (
        legal_basis.kind != LegalBasisKind.STATUTORY
        or not legal_basis.is_valid_on(day)
        or asker.agency_type not in legal_basis.recipient_agency_types
    ):
        raise ValidationError({"ground": _("This legal basis cannot be used today.")})
    if recipient.agency_type not in legal_basis.agency_types:
        raise ValidationError(
            {
                "recipient": _("%(agency)s cannot disclose information under this basis.")
                % {"agency": recipient.name}
            }
        )


@transaction.atomic
def ask(
    actor,
    case,
    *,
    recipient,
    question,
    deadline,
    consent=None,
    legal_basis=None,
    request=None,
    today=None,
):
    """Ask `recipient` for information on `case`. The asker must work on the case (the
    team or the coordinator). Refuses, changing nothing, with a ValidationError naming
    the field. `today` is for tests only."""
    services._require_work(actor, case)
    day = today or timezone.localdate()
    asker = services._sender(actor, case, request)
    errors = {}
    if (
        recipient is None
        or recipient.pk == asker.pk
        or not recipient_choices(asker).filter(pk=recipient.pk).exists()
    ):
        errors["recipient"] = _("Choose the agency you are asking.")
    question = (question or "").strip()
    if not question:
        errors["question"] = _("Write what you are asking about.")
    elif len(question) > TEXT_MAX:
        errors["question"] = _("The question can be at most %(max)s characters.") % {
            "max": TEXT_MAX
        }
    if deadline is None:
        errors["deadline"] = _("Give a deadline for the answer.")
    elif deadline < day:
        errors["deadline"] = _("The date has passed. Choose today or a later date.")
    if errors:
        raise ValidationError(errors)
    _check_ground(case, asker, recipient, consent, legal_basis, day)
    info_request = InformationRequest.objects.create(
        case=case,
        asking_agency=asker,
        asked_by=actor,
        recipient_agency=recipient,
        consent=consent,
        legal_basis=legal_basis,
        legal_basis_citation=_citation(legal_basis) if legal_basis else "",
        question=question,
        deadline=deadline,
    )
    record(
        "consent.information_requested",
        actor=actor,
        agency=asker,
        target=case,
        detail={
            "information_request": info_request.pk,
            "recipient": recipient.pk,
            "legal_basis": legal_basis.code if legal_basis else None,
            "consent": consent.pk if consent else None,
            "deadline": deadline.isoformat(),
        },
        request=request,
    )
    return info_request


def answer_items(info_request):
    """The items the asked agency may disclose in its answer: the current versions of its
    own entries on the case."""
    return (
        info_request.case.journal.filter(
            agency_id=info_request.recipient_agency_id, superseded_by__isnull=True
        )
        .exclude(category="assessment")
        .order_by("-written_at", "-id")
    )


def _lock_open(actor, info_request, version, check):
    _require(check(actor, info_request))
    locked = InformationRequest.objects.select_for_update().get(pk=info_request.pk)
    if locked.status != InformationRequestStatus.OPEN:
        # Someone else acted on it since this user read it: refused as any stale edit (C5).
        raise StaleEdit(_("The request has already been answered, declined or withdrawn."))
    return locked


def _tell(user, info_request, what):
    """E-mail without personal data: only that something waits (notices.emails)."""
    from tverrnett.notices import emails

    if user is None or not user.is_active:
        return
    emails.deliver(user, key=f"rfi-{what}:{info_request.pk}:{user.pk}", kind=f"reminder:rfi-{what}")


@transaction.atomic
def answer(
    actor,
    info_request,
    *,
    version,
    items=(),
    text="",
    confidentiality="confidential",
    necessity_note="",
    confirmations=(),
    request=None,
    today=None,
    **tags,
):
    """Answer by disclosing `items` (the asked agency's own items on the case) and, when
    `text` is given, a new item of the asked agency written now, to the asking agency,
    under the request's ground and the ordinary disclosure rules."""
    locked = _lock_open(actor, info_request, version, policy.answers_information_request)
    case = locked.case
    day = today or timezone.localdate()
    sender = locked.recipient_agency
    allowed = set(answer_items(locked).values_list("pk", flat=True))
    items = list(items)
    if any(item.pk not in allowed for item in items):
        raise PermissionDenied
    text = (text or "").strip()
    if not items and not text:
        raise ValidationError({"items": _("Choose information to disclose, or write the answer.")})
    if case.is_closed:
        raise ValidationError(_("The case is closed. Decline the request instead."))
    # The answer item and the disclosure are one transaction: a ground that does not
    # hold refuses both.
    if text:
        items.append(
            case_services.write_answer_item(
                actor,
                case,
                sender,
                text=text,
                confidentiality=confidentiality,
                request=request,
                **tags,
            )
        )
    disclosure = services.record_disclosure(
        actor,
        case,
        sender=sender,
        recipient=locked.asking_agency,
        items=items,
        purpose=_("Answer to a request for information of %(day)s")
        % {"day": dates.day(locked.asked_at)},
        consent=locked.consent,
        legal_basis=locked.legal_basis,
        necessity_note=necessity_note if locked.consent_id is None else "",
        confirmations=confirmations,
        request=request,
        day=day,
    )
    claim(
        locked,
        version,
        status=InformationRequestStatus.ANSWERED,
        answered_by=actor,
        answered_at=timezone.now(),
        disclosure=disclosure,
    )
    record(
        "consent.information_request_answered",
        actor=actor,
        agency=sender,
        target=case,
        detail={"information_request": locked.pk, "disclosure": disclosure.pk},
        request=request,
    )
    _tell(locked.asked_by, locked, "answered")
    return locked


@transaction.atomic
def decline(actor, info_request, *, version, reason, request=None):
    locked = _lock_open(actor, info_request, version, policy.answers_information_request)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the request is declined.")})
    claim(
        locked,
        version,
        status=InformationRequestStatus.DECLINED,
        answered_by=actor,
        answered_at=timezone.now(),
        decline_reason=reason,
    )
    record(
        "consent.information_request_declined",
        actor=actor,
        agency=locked.recipient_agency,
        target=locked.case,
        detail={"information_request": locked.pk},
        request=request,
    )
    _tell(locked.asked_by, locked, "declined")
    return locked


@transaction.atomic
def withdraw(actor, info_request, *, version, request=None):
    locked = _lock_open(actor, info_request, version, policy.asked_information_request)
    claim(locked, version, status=InformationRequestStatus.WITHDRAWN)
    record(
        "consent.information_request_withdrawn",
        actor=actor,
        agency=locked.asking_agency,
        target=locked.case,
        detail={"information_request": locked.pk},
        request=request,
    )
    return locked


def record_view(actor, info_request, *, side, request=None):
    """The read entry of a request's page: its question may hold personal data (L44)."""
    from tverrnett.audit.services import record_read

    return record_read(
        "consent.information_request_viewed",
        actor=actor,
        target=info_request.case,
        detail={
            "information_request": info_request.pk,
            "side": side,
            "person": info_request.case.subject_id,
        },
        request=request,
    )


def requests_for(user, *, side, search="", order="deadline"):
    """The requests the user's agency received (`side` "received") or sent ("sent"),
    searched in the asking or asked agency's name and the question."""
    agency_ids = policy.case_agency_ids(user)
    rows = policy.information_requests(user)
    if side == "sent":
        rows = rows.filter(asking_agency_id__in=agency_ids)
    else:
        rows = rows.filter(recipient_agency_id__in=agency_ids)
    if search:
        rows = rows.filter(
            Q(question__icontains=search)
            | Q(asking_agency__name__icontains=search)
            | Q(recipient_agency__name__icontains=search)
        )
    ordering = {
        "deadline": ["deadline", "id"],
        "-deadline": ["-deadline", "-id"],
        "asked": ["asked_at", "id"],
        "-asked": ["-asked_at", "-id"],
    }.get(order, ["deadline", "id"])
    return rows.select_related("asking_agency", "recipient_agency", "case").order_by(*ordering)


def open_received_count(agency_ids):
    """How many open requests wait for the answer of `agency_ids` (the start page passes
    the acting agency when the user does case work for it, from the memberships it has
    already read)."""
    if not agency_ids:
        return 0
    return InformationRequest.objects.filter(
        recipient_agency_id__in=agency_ids, status=InformationRequestStatus.OPEN
    ).count()


def reminder_people(agency_id):
    """Who in the asked agency is reminded of a deadline: its active case-work members."""
    from tverrnett.accounts.models import Membership

    memberships = (
        Membership.objects.filter(agency_id=agency_id, is_active=True, user__is_active=True)
        .exclude(role__in=policy._NO_CASE_WORK_ROLES)
        .select_related("user")
    )
    return list({m.user.pk: m.user for m in memberships}.values())


def due_for_reminder(today, days):
    horizon = today + datetime.timedelta(days=days)
    return InformationRequest.objects.filter(
        status=InformationRequestStatus.OPEN, deadline__gte=today, deadline__lte=horizon
    )
