"""What users do with notices, and what the worker does with them (X11.12, X11.13, L26).

Each function takes the acting user first (the worker acts as nobody), checks
permission, changes data and writes the audit entry and the chain's timeline in one
transaction. A notice goes to a role: its holder and deputy see it and either may
acknowledge it. Acknowledging the last but one hop passes the chain on with content the
acknowledging user chooses; the hop that decides on special follow-up sends the
decision back along the chain. E-mails say only that there is a new notice, with a link
(emails.py).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases.services import refuse_identity_numbers
from tverrnett.consent import services as consent_services
from tverrnett.notices import chains, emails
from tverrnett.notices.models import (
    ChainStatus,
    CoordinatorChange,
    EventKind,
    Notice,
    NoticeChain,
    NoticeEvent,
)

for _name, _description in [
    ("notice.chain_started", gettext_noop("Started a notification chain")),
    ("notice.sent", gettext_noop("Sent a notice")),
    ("notice.acknowledged", gettext_noop("Acknowledged a notice")),
    ("notice.escalated", gettext_noop("Escalated an unacknowledged notice")),
    ("notice.decided", gettext_noop("Recorded the decision on special follow-up")),
    ("notice.case_linked", gettext_noop("Linked a notice chain to a case")),
    ("notice.case_unlinked", gettext_noop("Removed a notice chain's link to a case")),
    ("notice.viewed", gettext_noop("Opened a notice chain")),
    (
        "notice.coordinator_change_told",
        gettext_noop("Told the old and the new coordinator role that a case changed coordinator"),
    ),
    ("notice.coordinator_change_read", gettext_noop("Marked a coordinator change as read")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _role_or_error(hop, municipality):
    role = chains.role_for(hop, municipality)
    if role is None or role.holder_id is None and role.deputy_id is None:
        raise ValidationError(
            _(
                "Nobody holds the role that is to receive this notice (%(role)s). "
                "Contact the agency by phone."
            )
            % {"role": _role_label(hop.role)}
        )
    return role


def _role_label(kind):
    from tverrnett.networks.models import RoleKind

    return str(RoleKind(kind).label)


def _check_content(content, legal_basis, sender_agency, role, day):
    errors = {}
    if not (content or "").strip():
        errors["content"] = _("Write what the recipient needs to know, and nothing more.")
    else:
        try:
            refuse_identity_numbers({"content": content})
        except ValidationError as error:
            errors.update(error.error_dict)
    if legal_basis is not None:
        allowed = consent_services.statutory_bases(sender_agency, role.agency, day)
        if legal_basis not in allowed:
            errors["legal_basis"] = _(
                "This legal basis does not allow your agency to give information to the recipient."
            )
    if errors:
        raise ValidationError(errors)


def _send(
    actor, agency, chain, *, hop_number, hop, content, legal_basis, is_decision=False, request=None
):
    role = _role_or_error(hop, chain.municipality)
    now = timezone.now()
    _check_content(content, legal_basis, agency, role, timezone.localdate(now))
    notice = Notice.objects.create(
        chain=chain,
        hop=hop_number,
        is_decision=is_decision,
        sender_agency=agency,
        sender=actor,
        recipient_role=role,
        content=content.strip(),
        legal_basis=legal_basis,
        sent_at=now,
        deadline=now + datetime.timedelta(hours=hop.deadline_hours),
    )
    NoticeEvent.objects.create(
        chain=chain,
        notice=notice,
        kind=EventKind.SENT,
        at=now,
        actor=actor,
        detail=f"{agency.name} → {role}",
    )
    record(
        "notice.sent",
        actor=actor,
        agency=agency,
        target=chain,
        detail={"notice": notice.pk, "role": role.pk, "hop": hop_number, "decision": is_decision},
        request=request,
    )
    # The holder is told by e-mail at once; the deputy sees it in the inbox, and is
    # e-mailed if the deadline passes (escalate_overdue).
    emails.tell_about_notice(notice, [role.holder or role.deputy], reason="new")
    return notice


def _acting_agency(actor, agency):
    _require(policy.is_fully_authenticated(actor))
    _require(
        actor.memberships.filter(agency=agency, is_active=True, agency__is_active=True).exists()
    )


@transaction.atomic
def start_chain(
    actor,
    agency,
    *,
    template_code,
    municipality,
    subject,
    content,
    urgency,
    legal_basis=None,
    request=None,
):
    """Start a chain from `agency` (one the actor works for, of a type the chain allows)
    with the first hop's notice."""
    _acting_agency(actor, agency)
    template = chains.template(template_code)
    _require(agency.agency_type in template.starters)
    if not (subject or "").strip():
        raise ValidationError({"subject": _("Give the notice a subject that names no one.")})
    refuse_identity_numbers({"subject": subject})
    chain = NoticeChain.objects.create(
        template=template.code,
        municipality=municipality,
        subject=subject.strip(),
        urgency=urgency,
        started_by=actor,
        started_agency=agency,
    )
    record(
        "notice.chain_started",
        actor=actor,
        agency=agency,
        target=chain,
        detail={"template": template.code, "municipality": municipality.number},
        request=request,
    )
    _send(
        actor,
        agency,
        chain,
        hop_number=1,
        hop=template.hops[0],
        content=content,
        legal_basis=legal_basis,
        request=request,
    )
    return chain


def _lock(notice):
    return (
        Notice.objects.select_for_update()
        .select_related("chain", "recipient_role")
        .get(pk=notice.pk)
    )


@transaction.atomic
def acknowledge(actor, notice, *, request=None):
    """The holder or deputy of the receiving role confirms they have the notice. Doing it
    twice is harmless: the first acknowledgement stands."""
    notice = _lock(notice)
    _require(
        policy.holds_role(actor, notice.recipient_role)
        or policy.notice_escalated_to_manager(actor, notice)
    )
    if notice.acknowledged_at is not None:
        return notice
    now = timezone.now()
    notice.acknowledged_at, notice.acknowledged_by = now, actor
    notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    NoticeEvent.objects.create(
        chain=notice.chain, notice=notice, kind=EventKind.ACKNOWLEDGED, at=now, actor=actor
    )
    record(
        "notice.acknowledged",
        actor=actor,
        agency=notice.recipient_role.agency,
        target=notice.chain,
        detail={"notice": notice.pk, "level": notice.escalation_level},
        request=request,
    )
    if notice.is_decision or _next_hop(notice) is None and not _decides(notice):
        _complete_if_done(notice.chain)
    return notice


def _template_of(chain):
    return chains.template(chain.template)


def _next_hop(notice):
    hops = _template_of(notice.chain).hops
    if notice.is_decision or notice.hop >= len(hops):
        return None
    return hops[notice.hop]


def _decides(notice):
    if notice.is_decision:
        return False
    return _template_of(notice.chain).hops[notice.hop - 1].decision


def can_forward(user, notice):
    return (
        policy.holds_role(user, notice.recipient_role)
        and notice.acknowledged_at is not None
        and not notice.forwarded
        and _next_hop(notice) is not None
    )


def can_decide(user, notice):
    return (
        policy.holds_role(user, notice.recipient_role)
        and notice.acknowledged_at is not None
        and _decides(notice)
        and notice.chain.decided_at is None
    )


@transaction.atomic
def forward(actor, notice, *, content, legal_basis=None, request=None):
    """Pass the chain on to its next hop, with the content the actor chooses (it may be
    less than what they received)."""
    notice = _lock(notice)
    _require(can_forward(actor, notice))
    agency = notice.recipient_role.agency
    sent = _send(
        actor,
        agency,
        notice.chain,
        hop_number=notice.hop + 1,
        hop=_next_hop(notice),
        content=content,
        legal_basis=legal_basis,
        request=request,
    )
    notice.forwarded = True
    notice.save(update_fields=["forwarded"])
    return sent


@transaction.atomic
def decide(actor, notice, *, special_follow_up, note, content, legal_basis=None, request=None):
    """The municipality's decision on special follow-up (X11.12), sent back along the chain
    to the role `decision_to` names."""
    notice = _lock(notice)
    _require(can_decide(actor, notice))
    if special_follow_up is None:
        raise ValidationError(
            {"special_follow_up": _("Say whether the municipality starts special follow-up.")}
        )
    chain = NoticeChain.objects.select_for_update().get(pk=notice.chain_id)
    now = timezone.now()
    chain.special_follow_up, chain.decision_note = special_follow_up, (note or "").strip()
    chain.decided_at, chain.decided_by = now, actor
    chain.save(update_fields=["special_follow_up", "decision_note", "decided_at", "decided_by"])
    NoticeEvent.objects.create(
        chain=chain,
        notice=notice,
        kind=EventKind.DECIDED,
        at=now,
        actor=actor,
        detail=_("Special follow-up") if special_follow_up else _("No special follow-up"),
    )
    record(
        "notice.decided",
        actor=actor,
        agency=notice.recipient_role.agency,
        target=chain,
        detail={"notice": notice.pk, "special_follow_up": special_follow_up},
        request=request,
    )
    back = _template_of(chain).decision_to
    if back is None:
        _complete_if_done(chain)
        return None
    return _send(
        actor,
        notice.recipient_role.agency,
        chain,
        hop_number=notice.hop + 1,
        hop=back,
        content=content,
        legal_basis=legal_basis,
        is_decision=True,
        request=request,
    )


def _complete_if_done(chain):
    if not chain.notices.filter(acknowledged_at__isnull=True).exists():
        NoticeChain.objects.filter(pk=chain.pk).update(status=ChainStatus.COMPLETED)


@transaction.atomic
def link_case(actor, chain, case, *, agency, request=None):
    """A notice that led to a case links to it (the case must be one the actor sees), for
    `agency`, the one the actor acts for. A link already made is changed only by the agency
    that made it or the case's coordinator (policy). The timeline names the agency, never
    the case: everyone on the chain reads it."""
    _require(agency is not None)
    # Only the chain is locked (PostgreSQL refuses FOR UPDATE on the outer join to the case).
    chain = (
        NoticeChain.objects.select_for_update(of=("self",)).select_related("case").get(pk=chain.pk)
    )
    _require(
        policy.can_change_notice_case_link(actor, chain, agency)
        if chain.case_id is not None
        else policy.can_link_notice_case(actor, chain, agency)
    )
    _require(policy.visible_cases(actor).filter(pk=case.pk).exists())
    previous = chain.case_id
    chain.case, chain.case_linked_by_agency = case, agency
    chain.save(update_fields=["case", "case_linked_by_agency"])
    NoticeEvent.objects.create(
        chain=chain, kind=EventKind.CASE_LINKED, actor=actor, detail=agency.name
    )
    record(
        "notice.case_linked",
        actor=actor,
        agency=agency,
        target=chain,
        detail={"case": case.pk, "previous_case": previous},
        request=request,
    )
    return chain


@transaction.atomic
def unlink_case(actor, chain, *, agency, request=None):
    """Remove a chain's link to a case: the agency that made it, or the case's coordinator."""
    _require(agency is not None)
    chain = (
        NoticeChain.objects.select_for_update(of=("self",)).select_related("case").get(pk=chain.pk)
    )
    _require(policy.can_change_notice_case_link(actor, chain, agency))
    previous = chain.case_id
    chain.case, chain.case_linked_by_agency = None, None
    chain.save(update_fields=["case", "case_linked_by_agency"])
    NoticeEvent.objects.create(
        chain=chain, kind=EventKind.CASE_UNLINKED, actor=actor, detail=agency.name
    )
    record(
        "notice.case_unlinked",
        actor=actor,
        agency=agency,
        target=chain,
        detail={"previous_case": previous},
        request=request,
    )
    return chain


# Coordinator changes (L21) ---------------------------------------------------------------


def tell_coordinator_change(actor, case, *, from_role, to_role, request=None):
    """The holder and deputy of the old and of the new coordinator role are told that `case`
    changed coordinator: in the app (the inbox) and by one e-mail each that says only that a
    notice waits, with a link to the inbox. Called by `cases.services.change_coordinator`,
    in its transaction: a change that is rolled back tells nobody."""
    now = timezone.now()
    told = [
        CoordinatorChange.objects.create(
            role=role,
            case=case,
            from_role=from_role,
            to_role=to_role,
            changed_at=now,
            changed_by=actor,
        )
        for role in (from_role, to_role)
    ]
    users = {
        user.pk: user
        for role in (from_role, to_role)
        for user in (role.holder, role.deputy)
        if user is not None
    }
    # One e-mail per person, even one who holds or deputises both roles.
    for user in users.values():
        emails.deliver(
            user, key=f"coordinator-change:{told[-1].pk}:{user.pk}", kind="notice:coordinator"
        )
    record(
        "notice.coordinator_change_told",
        actor=actor,
        target=case,
        detail={
            "from_role": from_role.pk,
            "to_role": to_role.pk,
            "changes": [change.pk for change in told],
            "told": sorted(users),
        },
        request=request,
    )
    return told


def unread_coordinator_changes(user):
    """Coordinator changes told to the user's roles and not yet marked as read, the newest
    first; `case_visible` says whether the case's reference may be shown (policy)."""
    return (
        policy.coordinator_changes_for(user)
        .filter(read_at__isnull=True)
        .select_related("case", "from_role__agency", "to_role__agency", "role")
        .order_by("-changed_at", "-id")
    )


@transaction.atomic
def mark_coordinator_change_read(actor, change, *, request=None):
    """The holder or deputy of the role marks the change as read (for both of them)."""
    change = CoordinatorChange.objects.select_for_update().select_related("role").get(pk=change.pk)
    _require(policy.can_read_coordinator_change(actor, change))
    if change.read_at is not None:
        return change
    change.read_at, change.read_by = timezone.now(), actor
    change.save(update_fields=["read_at", "read_by"])
    record(
        "notice.coordinator_change_read",
        actor=actor,
        target=change.case,
        detail={"change": change.pk, "role": change.role_id},
        request=request,
    )
    return change


# Escalation (the worker) ----------------------------------------------------------------


def _managers_of(agency):
    from tverrnett.accounts.models import User

    return list(
        User.objects.filter(
            memberships__agency=agency,
            memberships__is_active=True,
            memberships__role__in=policy.AGENCY_MANAGER_ROLES,
            is_active=True,
        ).distinct()
    )


@transaction.atomic
def escalate_overdue(now=None):
    """Escalate every unacknowledged notice past its deadline one level: to the deputy,
    then, after the same time again, to the agency's managers. Returns how many notices
    moved. Running it twice at the same moment changes nothing the second time."""
    now = now or timezone.now()
    moved = 0
    overdue = (
        # Only the notices are locked: PostgreSQL refuses to lock the nullable side of the
        # outer join to the role's deputy.
        Notice.objects.select_for_update(of=("self",))
        .filter(acknowledged_at__isnull=True, deadline__lt=now, escalation_level__lt=2)
        .select_related("chain", "recipient_role__agency", "recipient_role__deputy")
        .order_by("pk")
    )
    for notice in overdue:
        period = notice.deadline - notice.sent_at
        if notice.escalation_level == 1 and now < notice.escalated_at + period:
            continue  # the deputy has the same time again before the managers are told
        role = notice.recipient_role
        if notice.escalation_level == 0 and role.deputy_id:
            level, kind, told = 1, EventKind.ESCALATED_TO_DEPUTY, [role.deputy]
        else:
            level, kind, told = 2, EventKind.ESCALATED_TO_MANAGERS, _managers_of(role.agency)
            if not told:
                kind = EventKind.NOBODY_TO_ESCALATE_TO
        notice.escalation_level, notice.escalated_at = level, now
        notice.save(update_fields=["escalation_level", "escalated_at"])
        NoticeEvent.objects.create(
            chain=notice.chain,
            notice=notice,
            kind=kind,
            at=now,
            detail=", ".join(user.get_full_name() or user.username for user in told),
        )
        record(
            "notice.escalated",
            target=notice.chain,
            detail={"notice": notice.pk, "level": level, "told": [user.pk for user in told]},
        )
        emails.tell_about_notice(notice, told, reason=f"escalated-{level}")
        moved += 1
    return moved


# Reading ------------------------------------------------------------------------------


def inbox(user, agency_ids=None):
    """Unacknowledged notices to the user's roles (and escalated to them), the most
    overdue first; and the user's agencies' sent notices that are overdue. `agency_ids`:
    the user's active agencies, when the caller has them already."""
    waiting = (
        policy.received_notices(user)
        .filter(acknowledged_at__isnull=True)
        .order_by("deadline", "pk")
    )
    overdue_sent = (
        policy.notices_sent_by_agencies_of(user, agency_ids)
        .filter(acknowledged_at__isnull=True, deadline__lt=timezone.now())
        .order_by("deadline", "pk")
    )
    return waiting, overdue_sent
