"""What users do with contact agreements and conversations (X11.6, X11.14, L23).

Each function takes the acting user first, checks permission, changes data and
writes the audit entry in one transaction. Edits carry the version the user
read (C5): a stale save raises `tverrnett.core.versions.StaleEdit` and
changes nothing. Audit details hold ids and codes, never names or free text.

Who may: the team and the coordinator, on an open identified case
(`policy.can_work_on_case`). An anonymous discussion has nobody to talk to.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.cases.models import Task, TaskStatus
from tverrnett.conversations.models import (
    Attendance,
    ContactAgreement,
    ContactChannel,
    Conversation,
)
from tverrnett.core.versions import claim

for _name, _description in [
    ("conversation.agreement_added", gettext_noop("Added a contact agreement to a case")),
    ("conversation.agreement_changed", gettext_noop("Changed a contact agreement")),
    ("conversation.planned", gettext_noop("Planned a conversation with the person")),
    ("conversation.changed", gettext_noop("Changed a planned conversation")),
    ("conversation.held", gettext_noop("Recorded a conversation as held")),
]:
    actions.register(_name, _description)

# Age of majority (myndighetsalder), vergemålsloven § 2: under it, the guardians'
# and child welfare's part in a conversation must be decided (X11.14).
AGE_OF_MAJORITY = 18
# The team reviews the work a week after the first conversation (L23). A working
# routine of this service, not a legal deadline; change it here.
REVIEW_AFTER_FIRST_CONVERSATION_DAYS = 7

AGREEMENT_FIELDS = (
    "agency",
    "contact_name",
    "channel",
    "when",
    "next_contact_on",
    "where",
    "not_to_contact",
    "note",
    "agreed_on",
)
CONVERSATION_FIELDS = (
    "is_first",
    "planned_at",
    "place",
    "purpose",
    "attendees",
    "guardians_attend",
    "guardians_reason",
    "child_welfare_attends",
    "child_welfare_reason",
    "trusted_person",
    "interpretation_needed",
    "interpreter_language",
)
_TEXT_FIELDS = {
    "contact_name",
    "when",
    "where",
    "not_to_contact",
    "note",
    "place",
    "purpose",
    "attendees",
    "guardians_reason",
    "child_welfare_reason",
    "trusted_person",
    "interpreter_language",
    "guardians_attend",
    "child_welfare_attends",
    "channel",
}


def _in_site_language(message):
    with translation.override(settings.LANGUAGE_CODE):
        return _(message)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_work(actor, case):
    """An identified case the actor works on (team or coordinator), still open."""
    _require(not case.is_anonymous)
    _require(policy.can_work_on_case(actor, case, policy.case_access_path(actor, case)))


def _only(fields, allowed):
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    cleaned = {}
    for name in allowed:
        value = fields.get(name)
        if name in _TEXT_FIELDS:
            value = (value or "").strip()
        cleaned[name] = value
    return cleaned


# Reading --------------------------------------------------------------------------


def agreements_for(case):
    """The case's contact agreements, newest first: one query."""
    return ContactAgreement.objects.filter(case=case).select_related("agency", "created_by")


def conversations_for(case):
    """The case's conversations, latest planned first: one query."""
    return Conversation.objects.filter(case=case).select_related(
        "held_by", "created_by", "review_task"
    )


def after_first_conversation_task(case):
    """The open review task of the first conversation (L23), or None once it is done
    (or before the first conversation is held)."""
    return (
        Task.objects.filter(
            case=case,
            pk__in=Conversation.objects.filter(
                case=case, is_first=True, review_task__isnull=False
            ).values("review_task"),
        )
        .exclude(status=TaskStatus.DONE)
        .select_related("owner_agency", "owner_role")
        .first()
    )


@dataclass(frozen=True)
class NextContact:
    """The next agreed contact with the person: a planned conversation or the next
    contact date of an agreement."""

    on: datetime.date
    conversation: Conversation | None = None
    agreement: ContactAgreement | None = None

    @property
    def at(self):
        return self.conversation.planned_at if self.conversation else None


def next_contact(case, now=None):
    """The earliest of the next planned, not yet held conversation from `now` and the
    nearest next contact date of an agreement (today or later); None when neither.
    Two queries."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    conversation = (
        Conversation.objects.filter(case=case, held_at__isnull=True, planned_at__gte=now)
        .order_by("planned_at", "id")
        .first()
    )
    agreement = (
        ContactAgreement.objects.filter(case=case, next_contact_on__gte=today)
        .select_related("agency")
        .order_by("next_contact_on", "id")
        .first()
    )
    planned_on = timezone.localdate(conversation.planned_at) if conversation else None
    if conversation and (agreement is None or planned_on <= agreement.next_contact_on):
        return NextContact(on=planned_on, conversation=conversation)
    if agreement:
        return NextContact(on=agreement.next_contact_on, agreement=agreement)
    return None


def is_minor_on(person, day):
    """Under the age of majority on `day`. A person of unknown age counts as an adult."""
    age = person.age_on(day) if person is not None else None
    return age is not None and age < AGE_OF_MAJORITY


# Contact agreements -----------------------------------------------------------------


def _check_agreement(case, fields):
    errors = {}
    agency = fields["agency"]
    if agency is None:
        errors["agency"] = _("Choose the agency that makes contact.")
    elif not case.team.filter(agency=agency).exists():
        errors["agency"] = _("The agency that makes contact must be on the follow-up team.")
    if not fields["contact_name"]:
        errors["contact_name"] = _("Say who makes contact.")
    if fields["channel"] not in ContactChannel.values:
        errors["channel"] = _("Choose how contact is made.")
    if not fields["when"]:
        errors["when"] = _("Say when contact is made, for example “Tuesdays after school”.")
    if fields["agreed_on"] is None:
        errors["agreed_on"] = _("Give the date the contact was agreed.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_contact_agreement(actor, case, *, request=None, **fields):
    """Agree who contacts the person, how, when and where, and who must not (X11.6).
    `fields`: agency (on the team), contact_name, channel, when, agreed_on, and
    optionally next_contact_on, where, not_to_contact, note."""
    _require_work(actor, case)
    fields = _only(fields, AGREEMENT_FIELDS)
    _check_agreement(case, fields)
    agreement = ContactAgreement.objects.create(case=case, created_by=actor, **fields)
    record(
        "conversation.agreement_added",
        actor=actor,
        target=case,
        detail={
            "agreement": agreement.pk,
            "agency": agreement.agency_id,
            "channel": agreement.channel,
        },
        request=request,
    )
    return agreement


@transaction.atomic
def change_contact_agreement(actor, agreement, *, version, request=None, **fields):
    case = agreement.case
    _require_work(actor, case)
    fields = _only(fields, AGREEMENT_FIELDS)
    _check_agreement(case, fields)
    changed = sorted(name for name, value in fields.items() if getattr(agreement, name) != value)
    now = timezone.now()
    claim(agreement, version, **fields, changed_at=now)
    record(
        "conversation.agreement_changed",
        actor=actor,
        target=case,
        detail={"agreement": agreement.pk, "fields": changed},
        request=request,
    )
    return agreement


# Conversations ------------------------------------------------------------------------


def _attendance_errors(errors, fields, answer_field, reason_field, *, missing, reason):
    answer = fields[answer_field]
    if answer not in Attendance.values:
        errors[answer_field] = missing
    elif answer == Attendance.NO and not fields[reason_field]:
        errors[reason_field] = reason


def check_conversation(case, fields, *, conversation=None):
    """The rules of a conversation plan (L23, X11.14), for the service and the form alike.

    Returns the cleaned fields, or raises ValidationError keyed by field. `fields`
    may miss names (the form calls this with what it has): missing ones count as empty.
    """
    fields = _only(fields, CONVERSATION_FIELDS)
    fields["is_first"] = bool(fields["is_first"])
    fields["interpretation_needed"] = bool(fields["interpretation_needed"])
    errors = {}
    planned_at = fields["planned_at"]
    if planned_at is None:
        errors["planned_at"] = _("Give the date and time of the conversation.")
    attendees = [line.strip() for line in fields["attendees"].splitlines() if line.strip()]
    if not attendees:
        errors["attendees"] = _(
            "List who attends the conversation: at least one name or role, one per line."
        )
    fields["attendees"] = "\n".join(attendees)
    day = timezone.localdate(planned_at) if planned_at else timezone.localdate()
    if is_minor_on(case.subject, day):
        _attendance_errors(
            errors,
            fields,
            "guardians_attend",
            "guardians_reason",
            missing=_("The person is under 18: decide whether the parents or guardians attend."),
            reason=_("Say why the parents or guardians do not attend."),
        )
        _attendance_errors(
            errors,
            fields,
            "child_welfare_attends",
            "child_welfare_reason",
            missing=_("The person is under 18: decide whether child welfare attends."),
            reason=_("Say why child welfare does not attend."),
        )
    else:
        # An adult's conversation needs no answer, but one given must be a real choice.
        for name in ("guardians_attend", "child_welfare_attends"):
            if fields[name] and fields[name] not in Attendance.values:
                errors[name] = _("Choose one of the answers.")
    for answer_field, reason_field in (
        ("guardians_attend", "guardians_reason"),
        ("child_welfare_attends", "child_welfare_reason"),
    ):
        if fields[answer_field] == Attendance.YES:
            fields[reason_field] = ""
    if fields["interpretation_needed"]:
        if not fields["interpreter_language"]:
            errors["interpreter_language"] = _(
                "Interpretation is needed: give the language to interpret."
            )
    else:
        fields["interpreter_language"] = ""
    if fields["is_first"]:
        others = Conversation.objects.filter(case=case, is_first=True)
        if conversation is not None:
            others = others.exclude(pk=conversation.pk)
        if others.exists():
            errors["is_first"] = _(
                "This case already has a first conversation. Untick “first conversation”."
            )
    if errors:
        raise ValidationError(errors)
    return fields


def _conversation_detail(conversation):
    return {
        "conversation": conversation.pk,
        "first": conversation.is_first,
        "guardians": conversation.guardians_attend,
        "child_welfare": conversation.child_welfare_attends,
        "interpretation": conversation.interpretation_needed,
    }


@transaction.atomic
def plan_conversation(actor, case, *, request=None, **fields):
    """Plan a conversation with the person (X11.14, L23). `fields`: planned_at, attendees
    (one per line, at least one), place, purpose, is_first, the guardians' and child
    welfare's attendance with reasons (required for a child), trusted_person,
    interpretation_needed and interpreter_language."""
    _require_work(actor, case)
    fields = check_conversation(case, fields)
    conversation = Conversation.objects.create(case=case, created_by=actor, **fields)
    record(
        "conversation.planned",
        actor=actor,
        target=case,
        detail=_conversation_detail(conversation),
        request=request,
    )
    return conversation


def _refuse_held(conversation):
    if conversation.is_held:
        raise ValidationError(
            _(
                "The conversation has been held and its plan can no longer be changed. "
                "Write what happened in the journal."
            )
        )


@transaction.atomic
def change_conversation(actor, conversation, *, version, request=None, **fields):
    """Change a planned conversation under the same rules as planning it. A held
    conversation's plan is kept as it was."""
    case = conversation.case
    _require_work(actor, case)
    _refuse_held(conversation)
    fields = check_conversation(case, fields, conversation=conversation)
    changed = sorted(name for name, value in fields.items() if getattr(conversation, name) != value)
    now = timezone.now()
    claim(conversation, version, only_if={"held_at__isnull": True}, **fields, changed_at=now)
    record(
        "conversation.changed",
        actor=actor,
        target=case,
        detail={**_conversation_detail(conversation), "fields": changed},
        request=request,
    )
    return conversation


@transaction.atomic
def record_conversation_held(actor, conversation, *, version, held_at, request=None):
    """Record that the conversation took place. When it is the first conversation, a
    review task opens for the coordinator role, due a week later; it stays on the
    case's task list until its status is done (L23)."""
    case = conversation.case
    _require_work(actor, case)
    _refuse_held(conversation)
    if held_at is None:
        raise ValidationError({"held_at": _("Give the date and time the conversation was held.")})
    if held_at > timezone.now():
        raise ValidationError(
            {"held_at": _("A conversation can only be recorded as held once it has taken place.")}
        )
    claim(conversation, version, only_if={"held_at__isnull": True}, held_at=held_at, held_by=actor)
    task = None
    if conversation.is_first:
        # add_coordinator_task checks the same permission and audits the task; the
        # coordinator role's agency is always on the team (cases.services keeps it there).
        task = case_services.add_coordinator_task(
            actor,
            case,
            # Stored text: in the site's language, whatever the user reads in.
            title=_in_site_language("Review after the first conversation"),
            deadline=timezone.localdate(held_at)
            + datetime.timedelta(days=REVIEW_AFTER_FIRST_CONVERSATION_DAYS),
            request=request,
        )
        Conversation.objects.filter(pk=conversation.pk).update(review_task=task)
        conversation.review_task = task
    record(
        "conversation.held",
        actor=actor,
        target=case,
        detail={
            "conversation": conversation.pk,
            "first": conversation.is_first,
            "review_task": task.pk if task else None,
        },
        request=request,
    )
    return conversation
