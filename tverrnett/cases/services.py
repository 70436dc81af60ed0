"""What users do with concern cases.

Each function takes the acting user first, checks permission, changes data
and writes the audit entry in one transaction. Edits to the case carry the
version the user read (C5): a stale save raises `StaleEdit` and changes
nothing. Audit details hold ids and codes, never names or free text.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from stdnum.no import fodselsnummer

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record, record_read
from tverrnett.cases import identity_encryption, undo
from tverrnett.cases.deadlines import refresh_next_deadline
from tverrnett.cases.models import (
    BreakGlassAccess,
    CaseState,
    ChecklistItem,
    ConcernCase,
    Guardian,
    InformationCategory,
    JournalEntry,
    Person,
    PoliceVerification,
    Removal,
    Resource,
    Responsibility,
    SecurityClarification,
    Source,
    StepStatus,
    Task,
    TaskStatus,
    TeamMember,
    TimelineEvent,
    anonymous_cutoff,
)
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.core.parsing import parse_case_reference
from tverrnett.core.versions import StaleEdit, claim
from tverrnett.networks.models import ForumAudience, NetworkLevel, RoleKind

for _name, _description in [
    ("case.registered", gettext_noop("Registered a concern case or an anonymous discussion")),
    ("case.viewed", gettext_noop("Read a concern case")),
    ("case.summary_printed", gettext_noop("Printed a summary of a concern case (PDF)")),
    ("case.list_viewed", gettext_noop("Listed concern cases")),
    ("case.task_assigned", gettext_noop("Gave a task to a colleague")),
    ("case.state_changed", gettext_noop("Moved a concern case to another state")),
    ("case.security_clarified", gettext_noop("Recorded the security clarification of a case")),
    ("case.converted", gettext_noop("Converted an anonymous discussion into an identified case")),
    ("case.coordinator_changed", gettext_noop("Changed the coordinator of a case")),
    ("case.summary_changed", gettext_noop("Changed the common summary of a case")),
    ("case.person_changed", gettext_noop("Changed the person a case is about")),
    ("case.identity_number_revealed", gettext_noop("Revealed a person's national identity number")),
    ("case.team_changed", gettext_noop("Changed the follow-up team of a case")),
    ("case.resource_changed", gettext_noop("Changed the person's own network in a case")),
    ("case.removal_undone", gettext_noop("Undid a removal from a case")),
    ("case.responsibility_added", gettext_noop("Added a line to a case's responsibility matrix")),
    ("case.task_added", gettext_noop("Added a task to a case")),
    ("case.task_changed", gettext_noop("Changed the status of a task")),
    ("case.journal_written", gettext_noop("Wrote a journal entry")),
    ("case.journal_corrected", gettext_noop("Corrected a journal entry with a new version")),
    ("case.checklist_done", gettext_noop("Ticked off a checklist step")),
    ("case.checklist_changed", gettext_noop("Changed the status of a checklist step")),
    ("case.break_glass", gettext_noop("Opened a case outside own access (break-glass)")),
    ("case.break_glass_reviewed", gettext_noop("Reviewed a break-glass access")),
    (
        "case.break_glass_attempted",
        gettext_noop("Asked for break-glass access and was refused or sent to a case already open"),
    ),
    (
        "case.anonymous_deleted",
        gettext_noop("Deleted an anonymous discussion after the retention period"),
    ),
]:
    actions.register(_name, _description)


ADVICE_BEFORE_CONTACT = "advice_before_contact"
CHECKLIST_LABELS = {
    ADVICE_BEFORE_CONTACT: gettext_lazy(
        "Ask the police radicalisation contact or RVTS for advice before anyone contacts the person"
    ),
}

# Who may coordinate a case (X2): often the SLT coordinator or the police
# radicalisation contact.
COORDINATOR_KINDS = (RoleKind.SLT_COORDINATOR, RoleKind.POLICE_RADICALISATION_CONTACT)

# Allowed moves; security clarification and closing have conditions of their own.
TRANSITIONS = {
    CaseState.REGISTERED: {CaseState.SECURITY_CLARIFICATION, CaseState.CLOSED},
    CaseState.ANONYMOUS_DISCUSSION: {CaseState.CLOSED},
    CaseState.SECURITY_CLARIFICATION: {CaseState.MAPPING, CaseState.CLOSED},
    CaseState.MAPPING: {CaseState.FOLLOW_UP, CaseState.CLOSED},
    CaseState.FOLLOW_UP: {CaseState.MAPPING, CaseState.CLOSED},
    CaseState.CLOSED: set(),
}


# Conditions other apps set on a state change: each gate is called as
# gate(case, to_state) and returns the messages that stop the move (empty: go on).
# Exit work uses it for its checklist and measures (tverrnett.exitwork).
_state_gates = []
# Called as hook(actor, case, from_state, to_state, request) inside the transaction
# of the change, after it was saved.
_after_state_change = []


def register_state_gate(gate):
    if gate not in _state_gates:
        _state_gates.append(gate)


def register_after_state_change(hook):
    if hook not in _after_state_change:
        _after_state_change.append(hook)


def identity_number_refused_message():
    return _(
        "The text contains a national identity number or D-number. An anonymous discussion "
        "must not identify the person: remove it."
    )


def identifiability_warning(age, school):
    """The L19 warning, or "" when the combination is not a risk.

    A municipality plus an exact age plus a school often narrows a concern down
    to fewer than 4–5 possible people. The reference data holds no population
    figures, so every municipality counts as possibly small.
    """
    if age is None or not (school or "").strip():
        return ""
    return _(
        "The municipality, an exact age and a school together may identify the person. "
        "An anonymous discussion should fit at least 4–5 possible people: give an age "
        "range in the text instead, or leave out the school."
    )


def coordinator_roles_for(municipality):
    """Roles that may coordinate a case in `municipality`: its SLT coordinator and the
    radicalisation contact of its police district."""
    from tverrnett.networks.models import Role

    covering = Q(kind=RoleKind.SLT_COORDINATOR, municipality=municipality)
    if municipality.police_district_id:
        covering |= Q(
            kind=RoleKind.POLICE_RADICALISATION_CONTACT,
            police_district_id=municipality.police_district_id,
        )
    return Role.objects.filter(covering).select_related("agency", "holder")


def registering_networks(user, agency):
    """The municipal networks `agency` is a member of: where the user may register concerns."""
    from tverrnett.networks.models import Network

    if agency is None or agency.pk not in policy.case_agency_ids(user):
        return Network.objects.none()
    return Network.objects.filter(
        level=NetworkLevel.MUNICIPAL, is_active=True, members__agency=agency
    ).distinct()


def forum_for(network, audience):
    """The network's standing forum for this audience, or one for both."""
    forums = list(network.forums.all())
    for wanted in (audience, ForumAudience.BOTH):
        for forum in forums:
            if forum.audience == wanted:
                return forum
    return None


def refuse_identity_numbers(fields):
    """Refuse free text that holds a national identity number (L18; notices use it too)."""
    errors = {
        name: identity_number_refused_message()
        for name, text in fields.items()
        if contains_identity_number(text)
    }
    if errors:
        raise ValidationError(errors)


def _refuse_in_anonymous(case, fields):
    """Free text in an anonymous discussion must not identify anyone (L18)."""
    if case.is_anonymous:
        refuse_identity_numbers(fields)


def _timeline(case, actor, kind, *, from_state="", to_state="", note=""):
    # The last guard for every note an anonymous discussion's timeline keeps (L18).
    _refuse_in_anonymous(case, {"note": note})
    TimelineEvent.objects.create(
        case=case, actor=actor, kind=kind, from_state=from_state, to_state=to_state, note=note
    )


def _claim_version(case, version):
    """Move the case to its next version, or refuse when someone else got there first.

    The conditional UPDATE takes the row lock on PostgreSQL, so of two
    concurrent saves from the same version exactly one matches.
    """
    claim(case, version, updated_at=timezone.now())


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _access(actor, case):
    return policy.case_access_path(actor, case)


def _require_work(actor, case):
    """Journal, tasks, summary, the person: the team and the coordinator, on an open case."""
    _require(policy.can_work_on_case(actor, case, _access(actor, case)))


def _require_manage(actor, case):
    """State, coordinator, team, responsibilities: the coordinator's side, on an open case."""
    _require(policy.can_manage_case(actor, case, _access(actor, case)) and not case.is_closed)


# Intake ---------------------------------------------------------------------


def same_person(*, name="", birth_date=None, birth_year=None, identity_number=""):
    """The filter on cases that may be about this person, or None when nothing identifies
    them: the same identity number, or the same name and birth date or year. Both duplicate
    checks at intake (visible cases and the hidden ones, tverrnett.duplicates) use it."""
    identity_number = fodselsnummer.compact(identity_number or "")
    if not (identity_number or name.strip()):
        return None
    same_person = Q()
    if identity_number:
        same_person |= Q(
            subject__identity_number_hash__in=identity_encryption.hashes_to_match(identity_number)
        )
    if name.strip():
        same_name = Q(subject__name__iexact=name.strip())
        if birth_date:
            same_name &= Q(subject__birth_date=birth_date) | Q(
                subject__birth_year=birth_date.year, subject__birth_date__isnull=True
            )
        elif birth_year:
            same_name &= Q(subject__birth_year=birth_year) | Q(subject__birth_date__year=birth_year)
        same_person |= same_name
    return same_person


def find_possible_duplicates(
    user, *, name="", birth_date=None, birth_year=None, identity_number=""
):
    """Open cases the user may see that may be about the same person (intake, item 1).

    Only cases the user may already see are offered: a possible match in
    another team's case must not tell an outsider that the case exists (that
    case's coordinator is told instead, tverrnett.duplicates).
    """
    matches = same_person(
        name=name, birth_date=birth_date, birth_year=birth_year, identity_number=identity_number
    )
    if matches is None:
        return ConcernCase.objects.none()
    return (
        policy.visible_cases(user)
        .filter(matches, is_anonymous=False)
        .exclude(state=CaseState.CLOSED)
        .select_related("subject", "municipality")
    )


def _validate_identity_number(agency, identity_number, reason):
    if not identity_number:
        return
    if not agency.records_identity_numbers:
        raise ValidationError(
            {
                "identity_number": _(
                    "Your agency does not record national identity numbers in concern cases."
                )
            }
        )
    if not fodselsnummer.is_valid(identity_number):
        raise ValidationError(
            {"identity_number": _("This is not a valid national identity number or D-number.")}
        )
    if not (reason or "").strip():
        raise ValidationError(
            {"identity_number_reason": _("Say why the identity number is needed.")}
        )


def _clean_person_fields(agency, person_fields, *, kept_number=""):
    """`kept_number`: the number already recorded, which an edit keeps without checking
    the agency's switch again (it is checked when a number is entered)."""
    fields = dict(person_fields)
    fields["identity_number"] = fodselsnummer.compact(fields.get("identity_number") or "")
    if fields["identity_number"] != kept_number:
        _validate_identity_number(
            agency, fields["identity_number"], fields.get("identity_number_reason")
        )
    if not fields["identity_number"]:
        fields["identity_number_reason"] = ""
    if fields.get("protected_address"):
        # A protected address is not kept at all: nobody may see it, no export may hold it.
        fields["address"] = ""
    if not fields.get("needs_interpreter"):
        fields["interpreter_language"] = ""
    return fields


@transaction.atomic
def register_concern(
    actor,
    agency,
    *,
    network,
    audience,
    municipality,
    coordinator_role,
    observation,
    source,
    urgency,
    observed_by="",
    observed_on=None,
    anonymous=False,
    approximate_age=None,
    school="",
    person=None,
    request=None,
):
    """Register a concern in a municipal network; return the new case.

    An anonymous discussion has no person. An identified case gets a new
    `Person` from the `person` dict (name, birth date or year, ...).
    """
    _require(registering_networks(actor, agency).filter(pk=network.pk).exists())
    if not network.municipalities.filter(pk=municipality.pk).exists():
        raise ValidationError(
            {"municipality": _("The municipality is not covered by this network.")}
        )
    if not coordinator_roles_for(municipality).filter(pk=coordinator_role.pk).exists():
        raise ValidationError(
            {"coordinator_role": _("Choose a coordinator role for this municipality.")}
        )
    if anonymous:
        refuse_identity_numbers(
            {"observation": observation, "school": school, "observed_by": observed_by}
        )
        subject = None
        state = CaseState.ANONYMOUS_DISCUSSION
    else:
        if not person or not (person.get("name") or "").strip():
            raise ValidationError({"name": _("Give the person's name.")})
        subject = Person.objects.create(**_clean_person_fields(agency, person))
        state = CaseState.REGISTERED
        approximate_age, school = None, ""
    case = ConcernCase.objects.create(
        state=state,
        is_anonymous=anonymous,
        subject=subject,
        network=network,
        forum=forum_for(network, audience),
        audience=audience,
        municipality=municipality,
        coordinator_role=coordinator_role,
        observation=observation,
        observed_by=observed_by,
        observed_on=observed_on,
        source=source,
        urgency=urgency,
        approximate_age=approximate_age,
        school=school,
        created_by=actor,
        created_agency=agency,
    )
    _seed_team(case, actor, agency)
    if source == Source.SOCIAL_MEDIA:
        # Contacting someone about what they post can warn a milieu: ask first.
        ChecklistItem.objects.create(case=case, code=ADVICE_BEFORE_CONTACT, position=0)
    _timeline(case, actor, "registered", to_state=state)
    record(
        "case.registered",
        actor=actor,
        agency=agency,
        target=case,
        detail={"anonymous": anonymous, "network": network.pk, "source": source},
        request=request,
    )
    if not anonymous:
        # A match in a case the actor cannot see tells that case's coordinator, and
        # the actor nothing (tverrnett.duplicates).
        from tverrnett.duplicates.services import notify_hidden_duplicates

        notify_hidden_duplicates(actor, agency, case, request=request)
    return case


def _seed_team(case, actor, agency):
    """The registering agency and the coordinator role's agency start the team; the
    coordinator's agency has the lead."""
    role = case.coordinator_role
    holder = role.holder
    TeamMember.objects.create(
        case=case,
        agency=role.agency,
        contact_name=holder.get_full_name() or holder.get_username() if holder else "",
        contact_phone=role.phone,
        contact_email=role.email,
        has_lead=True,
    )
    if agency.pk != role.agency_id:
        TeamMember.objects.create(
            case=case,
            agency=agency,
            contact_name=actor.get_full_name() or actor.get_username(),
            contact_email=actor.email,
        )


# Lifecycle ------------------------------------------------------------------


def next_states(case):
    return sorted(TRANSITIONS[CaseState(case.state)], key=list(CaseState).index)


@transaction.atomic
def change_state(
    actor, case, to_state, *, version, evaluation="", review_on=None, note="", request=None
):
    """Move the case on. Security clarification must be answered before the case leaves
    it (L10, L22); closing needs an evaluation and a review date."""
    # A closed case is refused by the transitions, with a message that says so.
    _require(policy.can_manage_case(actor, case, _access(actor, case)))
    _refuse_in_anonymous(case, {"note": note, "evaluation": evaluation})
    if to_state not in TRANSITIONS[CaseState(case.state)]:
        raise ValidationError(_("A case cannot move from this state to that one."))
    if (
        case.state == CaseState.SECURITY_CLARIFICATION
        and to_state != CaseState.CLOSED
        and not SecurityClarification.objects.filter(case=case).exists()
    ):
        raise ValidationError(
            _("Record the answers of the security clarification before the case moves on.")
        )
    refusals = [message for gate in _state_gates for message in gate(case, to_state)]
    if refusals:
        raise ValidationError(refusals)
    if to_state == CaseState.CLOSED:
        errors = {}
        if not evaluation.strip():
            errors["evaluation"] = _("Write an evaluation before closing the case.")
        if review_on is None:
            errors["review_on"] = _("Set a review date before closing the case.")
        elif review_on <= timezone.localdate():
            errors["review_on"] = _("The review date must be in the future.")
        if errors:
            raise ValidationError(errors)
    _claim_version(case, version)
    from_state = case.state
    fields = {"state": to_state}
    if to_state == CaseState.CLOSED:
        fields.update(evaluation=evaluation, review_on=review_on, closed_at=timezone.now())
    ConcernCase.objects.filter(pk=case.pk).update(**fields)
    for name, value in fields.items():
        setattr(case, name, value)
    _timeline(case, actor, "state", from_state=from_state, to_state=to_state, note=note)
    for hook in _after_state_change:
        hook(actor, case, from_state, to_state, request)
    record(
        "case.state_changed",
        actor=actor,
        target=case,
        detail={"from": from_state, "to": to_state},
        request=request,
    )
    return case


@transaction.atomic
def reopen(actor, case, *, version, reason, request=None):
    """A closed case opens again in mapping; the reason goes on the timeline."""
    if case.state != CaseState.CLOSED or case.is_anonymous:
        raise ValidationError(_("Only a closed identified case can be reopened."))
    # Whoever could manage the case while it was open may open it again.
    _require(policy.can_manage_case(actor, case, _access(actor, case)))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is reopened.")})
    _claim_version(case, version)
    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.MAPPING, closed_at=None)
    case.state, case.closed_at = CaseState.MAPPING, None
    _timeline(
        case,
        actor,
        "reopened",
        from_state=CaseState.CLOSED,
        to_state=CaseState.MAPPING,
        note=reason,
    )
    record(
        "case.state_changed",
        actor=actor,
        target=case,
        detail={"from": CaseState.CLOSED, "to": CaseState.MAPPING, "reopened": True},
        request=request,
    )
    return case


@transaction.atomic
def record_security_clarification(actor, case, *, version, answers, request=None):
    """Save the answers (all required by the form) while the case is in security
    clarification. A later save replaces them and is audited again."""
    _require_manage(actor, case)
    if case.state != CaseState.SECURITY_CLARIFICATION:
        raise ValidationError(
            _(
                "The security clarification can only be recorded while the case is in "
                "security clarification."
            )
        )
    clarification = SecurityClarification.objects.filter(case=case).first()
    clarification = clarification or SecurityClarification(case=case)
    for name, value in answers.items():
        setattr(clarification, name, value)
    clarification.answered_by, clarification.answered_at = actor, timezone.now()
    # Every answer and every reasoning the model requires, whoever calls (L10).
    clarification.full_clean()
    _claim_version(case, version)
    clarification.save()
    _timeline(case, actor, "security_clarified")
    record(
        "case.security_clarified",
        actor=actor,
        target=case,
        detail={
            key: answers[key]
            for key in (
                "police_contact_consulted",
                "pst_to_be_told",
                "child_welfare_duty",
                "averting_duty",
            )
        },
        request=request,
    )


@transaction.atomic
def convert_anonymous(
    actor, case, *, version, legal_basis, person, copy_entry_ids=(), request=None
):
    """Turn an anonymous discussion into an identified case (L20).

    A new case is created and linked; the anonymous discussion is closed. No
    note comes along unless the user picked it, and only entries the user
    may read can be picked. `legal_basis` is an entry of the legal-basis
    catalogue (tverrnett.consent.LegalBasis) the acting agency may use today.
    """
    _require(case.is_anonymous and case.state == CaseState.ANONYMOUS_DISCUSSION)
    _require_manage(actor, case)
    agency = actor_agency(actor, case, request)
    if (
        legal_basis is None
        or not legal_basis.is_valid_on(timezone.localdate())
        or agency.agency_type not in legal_basis.agency_types
    ):
        raise ValidationError(
            {"legal_basis": _("Choose the legal basis for identifying the person.")}
        )
    if not (person.get("name") or "").strip():
        raise ValidationError({"name": _("Give the person's name.")})
    _claim_version(case, version)
    subject = Person.objects.create(**_clean_person_fields(agency, person))
    identified = ConcernCase.objects.create(
        state=CaseState.REGISTERED,
        is_anonymous=False,
        subject=subject,
        network=case.network,
        forum=case.forum,
        audience=case.audience,
        municipality=case.municipality,
        coordinator_role=case.coordinator_role,
        observation=case.observation,
        observed_by=case.observed_by,
        observed_on=case.observed_on,
        source=case.source,
        urgency=case.urgency,
        summary=case.summary,
        converted_from=case,
        legal_basis=legal_basis.code,
        created_by=actor,
        created_agency=agency,
    )
    TeamMember.objects.bulk_create(
        TeamMember(
            case=identified,
            agency_id=member.agency_id,
            contact_name=member.contact_name,
            contact_phone=member.contact_phone,
            contact_email=member.contact_email,
            has_lead=member.has_lead,
        )
        for member in case.team.all()
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(case=identified, code=item.code, position=item.position)
        for item in case.checklist.all()
    )
    copied = list(policy.visible_journal(actor, case).filter(pk__in=list(copy_entry_ids)))
    JournalEntry.objects.bulk_create(
        JournalEntry(
            case=identified,
            agency_id=entry.agency_id,
            author_id=entry.author_id,
            confidentiality=entry.confidentiality,
            text=entry.text,
            written_at=entry.written_at,
            **{field: getattr(entry, field) for field in ITEM_CLASS_FIELDS},
        )
        for entry in copied
    )
    ConcernCase.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED,
        closed_at=timezone.now(),
    )
    case.state = CaseState.CLOSED
    _timeline(
        case,
        actor,
        "converted",
        from_state=CaseState.ANONYMOUS_DISCUSSION,
        to_state=CaseState.CLOSED,
    )
    _timeline(identified, actor, "registered", to_state=CaseState.REGISTERED)
    record(
        "case.converted",
        actor=actor,
        agency=agency,
        target=identified,
        detail={
            "from_case": case.pk,
            "legal_basis": legal_basis.code,
            "copied_entries": [entry.pk for entry in copied],
        },
        request=request,
    )
    from tverrnett.duplicates.services import notify_hidden_duplicates

    notify_hidden_duplicates(actor, agency, identified, request=request)
    return identified


def actor_agency(actor, case, request=None):
    """The agency the actor works on the case for: the one they act for now when it is
    on the team, otherwise the first of theirs that is."""
    current = getattr(request, "agency", None) if request is not None else None
    agency_ids = policy.case_agency_ids(actor)
    team_ids = set(case.team.values_list("agency_id", flat=True))
    if current is not None and current.pk in agency_ids and current.pk in team_ids:
        return current
    from tverrnett.agencies.models import Agency

    on_team = sorted(agency_ids & team_ids)
    if on_team:
        return Agency.objects.get(pk=on_team[0])
    if current is not None and current.pk in agency_ids:
        return current
    return Agency.objects.get(pk=sorted(agency_ids)[0])


def coordinated_open_cases(user):
    """The open cases the user coordinates (holder or deputy of the coordinator role, for
    the agency acted for), last changed first: "My cases" on the start page."""
    return (
        ConcernCase.objects.filter(policy.holds_role_filter(user, "coordinator_role"))
        .exclude(state=CaseState.CLOSED)
        .only("id", "created_at", "state", "updated_at")
        .order_by("-updated_at", "-pk")
    )


def overdue_first_decisions_for_coordinator(user, now=None):
    """Registered cases the user coordinates (holder or deputy of the role) that have waited
    longer than FIRST_DECISION_DAYS for their first decision (L27), the oldest first."""
    from django.conf import settings

    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.FIRST_DECISION_DAYS)
    return (
        ConcernCase.objects.filter(
            policy.holds_role_filter(user, "coordinator_role"),
            state=CaseState.REGISTERED,
            created_at__lt=cutoff,
        )
        .select_related("subject")
        .order_by("created_at", "pk")
    )


@transaction.atomic
def purge_anonymous_discussions(now=None):
    """Delete anonymous discussions older than the retention period; return how many."""
    expired = list(
        ConcernCase.objects.filter(is_anonymous=True, created_at__lt=anonymous_cutoff(now))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    purged = 0
    for pk in expired:
        with transaction.atomic():
            # Locked and read again: a second worker running the same round waits here
            # and then finds the discussion gone (deleted and audited once, issue 22).
            case = ConcernCase.objects.select_for_update().filter(pk=pk).first()
            if case is None:
                continue
            record(
                "case.anonymous_deleted",
                target=case,
                detail={"registered": str(case.created_at.date())},
            )
            case.delete()
        purged += 1
    return purged


# Coordinator, person, summary --------------------------------------------------


@transaction.atomic
def change_coordinator(actor, case, *, version, role, reason, request=None):
    """Give the case another coordinator role (L21). There is always exactly one."""
    _require_manage(actor, case)
    if not coordinator_roles_for(case.municipality).filter(pk=role.pk).exists():
        raise ValidationError({"role": _("Choose a coordinator role for this municipality.")})
    if role.pk == case.coordinator_role_id:
        raise ValidationError({"role": _("This role already coordinates the case.")})
    if not policy.agency_sees_every_part(case, role.agency_id):
        # The coordinator sees every part: handing the case to another agency is a
        # disclosure, recorded first by opening the whole case to it on the team.
        raise ValidationError(
            {
                "role": _(
                    "%(agency)s does not see the whole case yet. Put it on the team and open "
                    "every part of the case to it under a consent or a legal basis first."
                )
                % {"agency": role.agency.name}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the coordinator changes.")})
    _refuse_in_anonymous(case, {"reason": reason})
    _claim_version(case, version)
    previous = case.coordinator_role_id
    previous_role = case.coordinator_role
    ConcernCase.objects.filter(pk=case.pk).update(coordinator_role=role)
    case.coordinator_role = role
    if not case.team.filter(agency_id=role.agency_id).exists():
        holder = role.holder
        TeamMember.objects.create(
            case=case,
            agency_id=role.agency_id,
            contact_name=(holder.get_full_name() or holder.get_username()) if holder else "",
            contact_phone=role.phone,
            contact_email=role.email,
        )
    _timeline(case, actor, "coordinator", note=reason)
    record(
        "case.coordinator_changed",
        actor=actor,
        target=case,
        detail={"from_role": previous, "to_role": role.pk},
        request=request,
    )
    # L21: the old and the new role are told (notices build on cases, so imported here).
    from tverrnett.notices.services import tell_coordinator_change

    tell_coordinator_change(actor, case, from_role=previous_role, to_role=role, request=request)
    return case


@transaction.atomic
def change_summary(actor, case, *, version, summary, request=None):
    _require_work(actor, case)
    _refuse_in_anonymous(case, {"summary": summary})
    _claim_version(case, version)
    ConcernCase.objects.filter(pk=case.pk).update(summary=summary)
    case.summary = summary
    record("case.summary_changed", actor=actor, target=case, request=request)


@transaction.atomic
def change_person(actor, case, *, version, fields, guardians=None, request=None):
    """Change the person's details. The identity number is kept when the form leaves it
    empty (it is never sent back to the browser) unless `remove_identity_number`."""
    _require(not case.is_anonymous)
    _require_work(actor, case)
    agency = actor_agency(actor, case, request)
    fields = dict(fields)
    person = case.subject
    kept = "" if fields.pop("remove_identity_number", False) else person.identity_number
    if kept and not fields.get("identity_number"):
        fields["identity_number"] = kept
        fields["identity_number_reason"] = (
            fields.get("identity_number_reason") or person.identity_number_reason
        )
    cleaned = _clean_person_fields(agency, fields, kept_number=kept)
    _claim_version(case, version)
    changed = sorted(name for name, value in cleaned.items() if getattr(person, name) != value)
    for name, value in cleaned.items():
        setattr(person, name, value)
    person.save()
    if guardians is not None:
        person.guardians.all().delete()
        Guardian.objects.bulk_create(Guardian(person=person, **guardian) for guardian in guardians)
        changed.append("guardians")
    record(
        "case.person_changed",
        actor=actor,
        agency=agency,
        target=case,
        detail={"fields": changed},
        request=request,
    )


@transaction.atomic
def reveal_identity_number(actor, case, *, request=None):
    """The one way to see an identity number: audited every time."""
    _require(not case.is_anonymous and case.subject.identity_number)
    _require(_access(actor, case) in ("team", "coordinator"))
    record(
        "case.identity_number_revealed",
        actor=actor,
        target=case,
        detail={"person": case.subject_id},
        request=request,
    )
    return case.subject.identity_number


# Team, own network, responsibilities --------------------------------------------


@transaction.atomic
def add_team_member(
    actor,
    case,
    *,
    agency,
    contact_name,
    contact_phone="",
    contact_email="",
    asked_for="",
    request=None,
):
    """Put an agency on the team with the reduced view: the case opens to it only by a
    disclosure (tverrnett.consent.services.join_team and open_case_to)."""
    _require_manage(actor, case)
    if case.team.filter(agency=agency).exists():
        raise ValidationError({"agency": _("This agency is already on the team.")})
    if not agency.is_active:
        raise ValidationError({"agency": _("This agency is no longer active.")})
    refuse_identity_numbers({"asked_for": asked_for})
    _refuse_in_anonymous(case, {"contact_name": contact_name, "contact_phone": contact_phone})
    member = TeamMember.objects.create(
        case=case,
        agency=agency,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        asked_for=asked_for.strip(),
    )
    _timeline(case, actor, "team_added", note=agency.name)
    record(
        "case.team_changed",
        actor=actor,
        target=case,
        detail={"added_agency": agency.pk},
        request=request,
    )
    return member


@transaction.atomic
def remove_team_member(actor, case, member, *, request=None):
    """Take an agency off the team. Only the row goes: the disclosures that opened parts
    of the case to it are append-only and stay, but the case opens to the agency only
    while it is on the team. Returns the `Removal` to undo it with."""
    _require_manage(actor, case)
    _require(member.case_id == case.pk)
    if member.has_lead:
        raise ValidationError(_("Give the lead to another agency before removing this one."))
    if member.agency_id == case.coordinator_role.agency_id:
        raise ValidationError(_("The coordinator's agency cannot be removed from the team."))
    agency_id, name = member.agency_id, member.agency.name
    removal = undo.keep(actor, case, Removal.Kind.TEAM_MEMBER, member, name)
    member.delete()
    _timeline(case, actor, "team_removed", note=name)
    record(
        "case.team_changed",
        actor=actor,
        target=case,
        detail={"removed_agency": agency_id, "removal": removal.pk},
        request=request,
    )
    return removal


@transaction.atomic
def undo_remove_team_member(actor, case, removal, *, request=None):
    """Put the agency back on the team exactly as it was (same row, contact, what it was
    asked for, lead flag, added date), so the disclosures made to it count again; or
    refuse with the reason when that is no longer possible."""
    _require(removal.case_id == case.pk)
    removal = undo.take(actor, removal, Removal.Kind.TEAM_MEMBER)
    _require_manage(actor, case)
    values = removal.values
    if case.team.filter(agency_id=values["agency_id"]).exists():
        raise ValidationError(_("The agency has been added to the team again meanwhile."))
    if values["has_lead"] and case.team.filter(has_lead=True).exists():
        raise ValidationError(_("Another agency has been given the lead meanwhile."))
    from tverrnett.agencies.models import Agency

    if not Agency.objects.filter(pk=values["agency_id"], is_active=True).exists():
        raise ValidationError(_("The agency is no longer active."))
    member = undo.rebuild(TeamMember, removal)
    _timeline(case, actor, "team_restored", note=removal.label)
    record(
        "case.removal_undone",
        actor=actor,
        target=case,
        detail={"kind": removal.kind, "removal": removal.pk, "restored_agency": member.agency_id},
        request=request,
    )
    return member


@transaction.atomic
def give_lead(actor, case, member, *, request=None):
    """Exactly one agency on the team has the lead responsibility."""
    _require_manage(actor, case)
    _require(member.case_id == case.pk)
    case.team.filter(has_lead=True).update(has_lead=False)
    TeamMember.objects.filter(pk=member.pk).update(has_lead=True)
    _timeline(case, actor, "lead", note=member.agency.name)
    record(
        "case.team_changed",
        actor=actor,
        target=case,
        detail={"lead_agency": member.agency_id},
        request=request,
    )


@transaction.atomic
def add_resource(actor, case, *, request=None, **fields):
    _require(not case.is_anonymous)
    _require_work(actor, case)
    resource = Resource.objects.create(case=case, **fields)
    record(
        "case.resource_changed",
        actor=actor,
        target=case,
        detail={"added": resource.pk, "relation": resource.relation},
        request=request,
    )
    return resource


@transaction.atomic
def remove_resource(actor, case, resource, *, request=None):
    """Returns the `Removal` to undo it with."""
    _require_work(actor, case)
    _require(resource.case_id == case.pk)
    pk = resource.pk
    removal = undo.keep(actor, case, Removal.Kind.RESOURCE, resource, resource.name)
    resource.delete()
    record(
        "case.resource_changed",
        actor=actor,
        target=case,
        detail={"removed": pk, "removal": removal.pk},
        request=request,
    )
    return removal


@transaction.atomic
def undo_remove_resource(actor, case, removal, *, request=None):
    """Put the person back in the person's own network as they were recorded."""
    _require(removal.case_id == case.pk)
    removal = undo.take(actor, removal, Removal.Kind.RESOURCE)
    _require(not case.is_anonymous)
    _require_work(actor, case)
    resource = undo.rebuild(Resource, removal)
    record(
        "case.removal_undone",
        actor=actor,
        target=case,
        detail={"kind": removal.kind, "removal": removal.pk, "restored": resource.pk},
        request=request,
    )
    return resource


@transaction.atomic
def add_responsibility(actor, case, *, agency, what, agreed_on, request=None):
    _require_manage(actor, case)
    _refuse_in_anonymous(case, {"what": what})
    if not case.team.filter(agency=agency).exists():
        raise ValidationError({"agency": _("Add the agency to the team first.")})
    line = Responsibility.objects.create(case=case, agency=agency, what=what, agreed_on=agreed_on)
    record(
        "case.responsibility_added",
        actor=actor,
        target=case,
        detail={"agency": agency.pk, "line": line.pk},
        request=request,
    )
    return line


# Tasks and journal ----------------------------------------------------------------


@transaction.atomic
def add_task(
    actor, case, *, title, owner_agency, deadline, owner_role=None, owner_name="", request=None
):
    _require_work(actor, case)
    # A team agency gives tasks to itself; the coordinator's side to any team agency.
    _require(policy.can_change_agency_work(actor, case, owner_agency.pk, _access(actor, case)))
    return _create_task(
        actor,
        case,
        title=title,
        owner_agency=owner_agency,
        deadline=deadline,
        owner_role=owner_role,
        owner_name=owner_name,
        request=request,
    )


@transaction.atomic
def add_coordinator_task(actor, case, *, title, deadline, request=None):
    """A task a rule gives the case's coordinator role (e.g. the review after the first
    conversation, tverrnett.conversations): whoever may work on the case sets it off,
    though they could not give the coordinator a task of their own accord."""
    _require_work(actor, case)
    role = case.coordinator_role
    return _create_task(
        actor,
        case,
        title=title,
        owner_agency=role.agency,
        deadline=deadline,
        owner_role=role,
        request=request,
    )


def _create_task(
    actor, case, *, title, owner_agency, deadline, owner_role=None, owner_name="", request=None
):
    _refuse_in_anonymous(case, {"title": title, "owner_name": owner_name})
    if not case.team.filter(agency=owner_agency).exists():
        raise ValidationError({"owner_agency": _("The task's agency must be on the team.")})
    if owner_role is not None and owner_role.agency_id != owner_agency.pk:
        raise ValidationError({"owner_role": _("The role must belong to the task's agency.")})
    task = Task.objects.create(
        case=case,
        title=title,
        owner_agency=owner_agency,
        owner_role=owner_role,
        owner_name=owner_name,
        deadline=deadline,
        created_by=actor,
    )
    refresh_next_deadline([case.pk])
    record("case.task_added", actor=actor, target=case, detail={"task": task.pk}, request=request)
    return task


@transaction.atomic
def change_task_status(actor, task, *, status, version, request=None):
    case = task.case
    # The task's own agency and the coordinator's side (policy.can_change_agency_work).
    _require(policy.can_change_agency_work(actor, case, task.owner_agency_id, _access(actor, case)))
    if status not in TaskStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    claim(task, version, status=status)
    refresh_next_deadline([case.pk])
    record(
        "case.task_changed",
        actor=actor,
        target=case,
        detail={"task": task.pk, "status": status},
        request=request,
    )


@transaction.atomic
def assign_task(actor, task, *, assignee, version, request=None):
    """Give a task to a named colleague in its agency, or to nobody in particular
    (`assignee` None). The task's own agency does this, acting for it
    (policy.can_assign_task); the colleague must be an active case worker there."""
    case = task.case
    _require(
        policy.can_assign_task(actor, task, _access(actor, case), policy.case_agency_ids(actor))
    )
    if assignee is not None and not (
        policy.task_assignees(task.owner_agency).filter(pk=assignee.pk).exists()
    ):
        raise ValidationError({"assignee": _("Choose a colleague in the task's agency.")})
    claim(task, version, assignee=assignee)
    record(
        "case.task_assigned",
        actor=actor,
        target=case,
        detail={"task": task.pk, "assignee": assignee.pk if assignee else None},
        request=request,
    )


POLICE_SECTORS = ("police_district", "pst")
# What an information item carries besides its text (L08, L34).
ITEM_CLASS_FIELDS = (
    "category",
    "sector",
    "health_data",
    "religious_beliefs",
    "political_opinions",
    "offences",
    "police_verification",
    "topic",
    "factor",
)


def _item_fields(case, agency, text, tags, *, assessment=False):
    """The information item's text and class (L08, L34), checked; with its sector."""
    _refuse_in_anonymous(case, {"text": text})
    fields = {
        "category": tags.get("category") or InformationCategory.CONCERN,
        "health_data": bool(tags.get("health_data")),
        "religious_beliefs": bool(tags.get("religious_beliefs")),
        "political_opinions": bool(tags.get("political_opinions")),
        "offences": bool(tags.get("offences")),
        "police_verification": tags.get("police_verification") or "",
        "sector": agency.agency_type,
        "topic": tags.get("topic") or "",
        "factor": tags.get("factor") or "",
    }
    if fields["category"] not in InformationCategory.values:
        raise ValidationError({"category": _("Choose a category from the list.")})
    if fields["category"] == InformationCategory.ASSESSMENT and not assessment:
        # Only a signed assessment is such an item, and it is never corrected: a new
        # assessment supersedes it.
        raise ValidationError(
            {"category": _("An assessment is written and signed on the assessment pages.")}
        )
    if agency.agency_type in POLICE_SECTORS:
        if fields["police_verification"] not in PoliceVerification.values:
            raise ValidationError(
                {"police_verification": _("Say whether the information is verified.")}
            )
    else:
        fields["police_verification"] = ""
    return fields


@transaction.atomic
def write_journal_entry(actor, case, *, text, confidentiality, request=None, **tags):
    """Write an information item. `tags`: category, the special-category flags
    (health_data, religious_beliefs, political_opinions, offences) and, for police
    agencies, police_verification."""
    _require_work(actor, case)
    agency = actor_agency(actor, case, request)
    return _write_item(
        actor,
        case,
        agency,
        _item_fields(case, agency, text, tags),
        text=text,
        confidentiality=confidentiality,
        request=request,
    )


@transaction.atomic
def write_assessment_item(actor, case, agency, *, text, confidentiality, request=None, **tags):
    """The information item of a signed assessment, owned by the assessment's agency
    (tverrnett.assessments.services.sign_assessment is the caller)."""
    _require_work(actor, case)
    _require(agency.pk in policy.case_agency_ids(actor))
    tags["category"] = InformationCategory.ASSESSMENT
    fields = _item_fields(case, agency, text, tags, assessment=True)
    return _write_item(
        actor, case, agency, fields, text=text, confidentiality=confidentiality, request=request
    )


@transaction.atomic
def write_answer_item(actor, case, agency, *, text, confidentiality, request=None, **tags):
    """The information item an agency asked for information writes as its answer
    (consent.information_requests), owned by that agency, on a case it may not otherwise
    reach. The caller has checked that the request is open and addressed to `agency`;
    here: the actor does case work for `agency` and the case is open."""
    _require(agency.pk in policy.case_agency_ids(actor) and not case.is_closed)
    _require(not case.is_anonymous)
    return _write_item(
        actor,
        case,
        agency,
        _item_fields(case, agency, text, tags),
        text=text,
        confidentiality=confidentiality,
        request=request,
    )


def _write_item(actor, case, agency, fields, *, text, confidentiality, request):
    entry = JournalEntry.objects.create(
        case=case, agency=agency, author=actor, confidentiality=confidentiality, text=text, **fields
    )
    record(
        "case.journal_written",
        actor=actor,
        agency=agency,
        target=case,
        detail={
            "entry": entry.pk,
            "confidentiality": confidentiality,
            "category": entry.category,
            "special_categories": entry.special_categories,
        },
        request=request,
    )
    return entry


@transaction.atomic
def correct_journal_entry(actor, entry, *, text, confidentiality, reason, request=None, **tags):
    """A correction is a new version; the old one stays, marked as superseded.

    Earlier recipients are told by `tverrnett.consent.services.correct_item`, which
    the pages call.
    """
    case = entry.case
    _require_work(actor, case)
    # Only the writing agency corrects its entries. Checked on the entry itself, not on
    # the visible (current) versions, so a second correction of one version is a stale
    # edit rather than a refusal.
    _require(entry.case_id == case.pk and entry.agency_id in policy.case_agency_ids(actor))
    if entry.category == InformationCategory.ASSESSMENT:
        raise ValidationError(
            _("A signed assessment is not corrected: make a new assessment that supersedes it.")
        )
    if JournalEntry.objects.filter(pk=entry.pk, document_version__isnull=False).exists():
        # The item carries a document version (tverrnett.documents): a new version of
        # the document is uploaded instead, and the file stays with its item.
        raise ValidationError(
            _("This entry belongs to a document. Upload a new version of the document instead.")
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is corrected.")})
    _refuse_in_anonymous(case, {"reason": reason})
    # A tag the caller does not name is kept: a correction never un-tags by omission.
    kept = {field: getattr(entry, field) for field in ITEM_CLASS_FIELDS if field != "sector"}
    fields = _item_fields(case, entry.agency, text, {**kept, **tags})
    # Locks the old version so two corrections of it cannot both succeed.
    current = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    if JournalEntry.objects.filter(supersedes=current).exists():
        raise StaleEdit()
    correction = JournalEntry.objects.create(
        case=case,
        agency_id=current.agency_id,
        author=actor,
        confidentiality=confidentiality,
        text=text,
        supersedes=current,
        version_number=current.version_number + 1,
        correction_reason=reason,
        **fields,
    )
    record(
        "case.journal_corrected",
        actor=actor,
        target=case,
        detail={"entry": correction.pk, "supersedes": current.pk},
        request=request,
    )
    return correction


@transaction.atomic
def tick_checklist_item(actor, item, *, request=None):
    """Mark a step done from the case page (the first-step advice)."""
    if item.status != StepStatus.DONE:
        set_checklist_status(
            actor, item, status=StepStatus.DONE, version=item.version, request=request
        )


@transaction.atomic
def set_checklist_status(actor, item, *, status, version, note=None, reason="", request=None):
    """Set a step's status (X11). A step marked not relevant needs a reason; the step
    keeps who changed it and when. A stale save is refused (C5)."""
    case = item.case
    _require_work(actor, case)
    if status not in StepStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status == StepStatus.NOT_RELEVANT and not reason.strip():
        raise ValidationError(
            {"not_relevant_reason": _("Say why the step is not relevant for this case.")}
        )
    now = timezone.now()
    fields = {
        "status": status,
        "not_relevant_reason": reason.strip() if status == StepStatus.NOT_RELEVANT else "",
        "changed_at": now,
        "changed_by": actor,
        "done_at": now if status == StepStatus.DONE else None,
        "done_by": actor if status == StepStatus.DONE else None,
    }
    if note is not None:
        fields["note"] = note
    claim(item, version, **fields)
    item.refresh_from_db()
    record(
        "case.checklist_done" if status == StepStatus.DONE else "case.checklist_changed",
        actor=actor,
        target=case,
        detail={"step": item.code, "status": status},
        request=request,
    )
    return item


# Break-glass and the read audit ---------------------------------------------------


def find_case_by_reference(reference):
    """The case a reference such as "2026-00042" names, or None."""
    parsed = parse_case_reference(reference)
    if parsed is None:
        return None
    year, number = parsed
    return ConcernCase.objects.filter(pk=number, created_at__year=year).first()


# The shortest reason a break-glass access accepts (L43): enough for a manager's review.
BREAK_GLASS_MIN_REASON = 20


def break_glass_reason_error():
    return _("Explain in at least %(count)d characters why you need to open the case.") % {
        "count": BREAK_GLASS_MIN_REASON
    }


def break_glass_refused_message():
    """The one answer for a reference that names no case and for a case the user's agency
    may not open: it must not tell them apart (issue 16, item 10)."""
    return _(
        "You cannot open a case with this reference. Check the reference; if it is right, "
        "ask the case's coordinator to add your agency to the team."
    )


def _reference_digest(reference):
    """A keyed hash of the normalised reference: repeated probes for one reference can be
    told apart in the log, and the log names no case the user may not see."""
    import hashlib
    import hmac

    key = settings.SECRET_KEY.encode()
    text = (reference or "").strip().lower().encode()
    return hmac.new(key, b"break-glass:" + text, hashlib.sha256).hexdigest()[:16]


def record_break_glass_attempt(actor, agency, reference, *, outcome, request=None):
    """Audit an attempt that opened nothing: `outcome` is "refused_agency" (a kind of agency
    that never breaks the glass), "refused_form" or "refused_reason" (the form was
    incomplete or the reason too short: checked before any lookup),
    "refused" (no case, or one the agency may not open: deliberately one outcome) or
    "already_visible" (the user reaches the case anyway). No case id, no free text."""
    return record(
        "case.break_glass_attempted",
        actor=actor,
        agency=agency,
        detail={"outcome": outcome, "reference": _reference_digest(reference)},
        request=request,
    )


def request_break_glass(actor, agency, *, reference, reason, request=None):
    """What the break-glass form does (L43): (case, opened) — the case to send the user
    to and whether an access was opened for it (False: they reach it already) — or a
    ValidationError whose message is the same for a reference that names no case and a
    case the agency may not open. Every attempt is audited."""
    if not policy.may_offer_break_glass(actor, agency):
        record_break_glass_attempt(
            actor, agency, reference, outcome="refused_agency", request=request
        )
        raise PermissionDenied
    if len((reason or "").strip()) < BREAK_GLASS_MIN_REASON:
        record_break_glass_attempt(
            actor, agency, reference, outcome="refused_reason", request=request
        )
        raise ValidationError({"reason": break_glass_reason_error()})
    case = find_case_by_reference(reference)
    if case is not None and policy.visible_cases(actor).filter(pk=case.pk).exists():
        record_break_glass_attempt(
            actor, agency, reference, outcome="already_visible", request=request
        )
        return case, False
    if case is None or not policy.may_break_glass(actor, agency, case):
        record_break_glass_attempt(actor, agency, reference, outcome="refused", request=request)
        raise ValidationError({"reference": break_glass_refused_message()})
    break_glass(actor, agency, case, reason=reason, request=request)
    return case, True


@transaction.atomic
def break_glass(actor, agency, case, *, reason, request=None):
    """Open `case` for a limited time with a reason (L43). The access is also a review
    item for the managers of `agency`. Only for an agency that could plausibly need it
    (`policy.may_break_glass`)."""
    _require(agency.pk in policy.case_agency_ids(actor))
    _require(policy.may_break_glass(actor, agency, case))
    if len(reason.strip()) < BREAK_GLASS_MIN_REASON:
        raise ValidationError({"reason": break_glass_reason_error()})
    now = timezone.now()
    access = BreakGlassAccess.objects.create(
        case=case,
        user=actor,
        agency=agency,
        reason=reason.strip(),
        granted_at=now,
        expires_at=now + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES),
    )
    record(
        "case.break_glass",
        actor=actor,
        agency=agency,
        target=case,
        detail={"access": access.pk, "minutes": settings.BREAK_GLASS_MINUTES},
        request=request,
    )
    return access


@transaction.atomic
def review_break_glass(actor, access, *, note, request=None):
    _require(policy.can_review_break_glass(actor, access))
    if access.reviewed_at is not None:
        raise ValidationError(_("This access has already been reviewed."))
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        reviewed_by=actor, reviewed_at=timezone.now(), review_note=note
    )
    record(
        "case.break_glass_reviewed",
        actor=actor,
        target=access.case,
        detail={"access": access.pk},
        request=request,
    )


def break_glass_reviews_for(user):
    """Break-glass accesses awaiting review by `user` as a manager of the agency the
    other user acted for (the same rule as policy.can_review_break_glass)."""
    return (
        BreakGlassAccess.objects.filter(
            agency_id__in=policy.managed_acting_agencies(user), reviewed_at__isnull=True
        )
        .exclude(user=user)
        .select_related("user", "agency", "case")
    )


def record_case_list_read(actor, case_ids, *, searched, request=None):
    """A list shows people's names: one entry naming the cases on the page (L44)."""
    return record(
        "case.list_viewed",
        actor=actor,
        detail={"cases": case_ids, "search": searched},
        request=request,
    )


def record_case_read(
    actor,
    case,
    *,
    parts,
    access_path,
    special_items=(),
    withheld_items=(),
    request=None,
    action="case.viewed",
):
    """One read entry per view of a case page (L44): who, the membership acted for (its
    agency and role), which parts, the access path that granted the read, which items
    tagged GDPR Art. 9 or 10 were shown, and which were listed but withheld because the
    user lacks the permission (L34): those were not read.

    In a request the entry is written only once the response is a success: a page that
    ends in 403 or 404 showed nothing and leaves no read entry (`record_read`). The
    printed summary (cases.summary) is the same read under its own `action`,
    "case.summary_printed"."""
    membership = getattr(request, "membership", None) if request is not None else None
    detail = {
        "parts": sorted(parts),
        "path": access_path,
        "membership": getattr(membership, "pk", None),
        "role": getattr(membership, "role", ""),
        "person": case.subject_id,
    }
    if special_items:
        detail["special_items"] = sorted(special_items)
    if withheld_items:
        detail["withheld_items"] = sorted(withheld_items)
    return record_read(action, actor=actor, target=case, detail=detail, request=request)


def overdue_tasks_for_coordinator(user, today=None, first=None):
    """Overdue tasks in open cases the user coordinates (holder or deputy of the role).

    From the coordinated cases whose stored next open deadline has passed (an index on
    the coordinator role and that date, cases.deadlines), then their tasks: never the
    overdue tasks of the whole country. `first`: only the first that many tasks are
    wanted (the start page), so only that many cases need be read: the cases with the
    earliest next open deadline hold the earliest tasks (each has a task due then)."""
    today = today or timezone.localdate()
    cases = (
        ConcernCase.objects.filter(
            policy.holds_role_filter(user, "coordinator_role"), next_open_deadline__lt=today
        )
        .exclude(state=CaseState.CLOSED)
        .order_by("next_open_deadline", "pk")
        .values("pk")
    )
    if first is not None:
        cases = cases[:first]
    return (
        Task.objects.filter(case__in=cases, deadline__lt=today)
        .exclude(status=TaskStatus.DONE)
        .select_related("case", "owner_agency")
        .order_by("deadline", "id")
    )
