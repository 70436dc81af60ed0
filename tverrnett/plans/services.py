"""What users do with individual plans (N10, L30-L33).

Each function takes the acting user first, checks permission through
`tverrnett.access.policy`, changes data and writes the audit entry in one
transaction. The plan carries a version (C5): a stale save raises
`tverrnett.core.versions.StaleEdit` and changes nothing.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import undo
from tverrnett.cases.deadlines import refresh_next_deadline
from tverrnett.cases.models import CaseState, Removal, Task, TaskStatus
from tverrnett.cases.services import register_state_gate
from tverrnett.core import dates
from tverrnett.core.versions import StaleEdit, claim
from tverrnett.plans.models import (
    CURRENT_STATUSES,
    IndividualPlan,
    PlanContribution,
    PlanGoal,
    PlanMeasure,
    PlanRevision,
    PlanStatus,
    PlanVersion,
)

for _name, _description in [
    ("plan.created", gettext_noop("Created an individual plan")),
    ("plan.changed", gettext_noop("Changed an individual plan")),
    ("plan.contribution_written", gettext_noop("Wrote a service's part of an individual plan")),
    ("plan.finalised", gettext_noop("Finalised a version of an individual plan")),
    ("plan.ended", gettext_noop("Ended an individual plan")),
]:
    actions.register(_name, _description)

# The content an individual plan must have before it is finalised (L32), after the
# regulation's § 21, in the order the plan shows them.
SECTIONS = (
    ("overview", gettext_lazy("Goals, resources and needs")),
    ("own_goals", gettext_lazy("The person's own goals, in their own words")),
    ("measures", gettext_lazy("Measures: responsible service, extent and time")),
    ("coordinator", gettext_lazy("Coordinator")),
    ("participation", gettext_lazy("Who takes part, and how the person takes part")),
    ("consent", gettext_lazy("Consent")),
    ("period", gettext_lazy("Plan period and revision dates")),
    ("follow_up", gettext_lazy("How the plan is followed up and evaluated")),
    ("if_service_declined", gettext_lazy("If the person does not want a service")),
)
SECTION_LABELS = dict(SECTIONS)
TEXT_FIELDS = ("overview", "participation", "follow_up", "if_service_declined", "internal_note")
PLAN_FIELDS = (*TEXT_FIELDS, "period_start", "period_end")
MEASURE_FIELDS = ("description", "responsible_agency", "extent", "timing", "measure")


class PlanExists(ValidationError):
    """The person already has a current plan (L31); `plan` is it."""

    def __init__(self, plan):
        super().__init__(_("The person already has an individual plan. Open it instead."))
        self.plan = plan


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _agency_ids(actor):
    return policy.case_agency_ids(actor)


def _require_coordinator_side(actor, plan):
    _require(plan.is_current and policy.can_edit_plan(actor, plan, _agency_ids(actor)))


def plan_consents(case, day=None):
    """The consents on `case` that allow an individual plan on `day` (L30): given, not
    withdrawn, in their period, with both of the plan's statements."""
    from tverrnett.consent.models import Consent

    return (
        Consent.objects.valid_on(day or timezone.localdate())
        .filter(case=case, individual_plan=True, plan_confidential_access=True)
        .order_by("-ends_on", "-id")
    )


def current_plan_of(person):
    return (
        IndividualPlan.objects.filter(person=person, status__in=CURRENT_STATUSES)
        .select_related("case")
        .first()
    )


# Creating ---------------------------------------------------------------------------


@transaction.atomic
def create_plan(actor, case, *, consent, request=None):
    """A new plan for the case's person, coordinated by the case's coordinator role.

    No consent for a plan, no plan (L30); a second current plan is refused with the
    first (`PlanExists`, L31)."""
    path = policy.case_access_path(actor, case)
    _require(policy.can_manage_case(actor, case, path) and not case.is_closed)
    if case.is_anonymous:
        raise ValidationError(_("An anonymous discussion cannot have an individual plan."))
    if consent is None or not plan_consents(case).filter(pk=consent.pk).exists():
        raise ValidationError(
            {
                "consent": _(
                    "An individual plan needs a valid consent in which the person wants a plan "
                    "and lets its services use the information it needs. Record that consent "
                    "first."
                )
            }
        )
    existing = current_plan_of(case.subject)
    if existing is not None:
        raise PlanExists(existing)
    try:
        with transaction.atomic():
            plan = IndividualPlan.objects.create(
                person=case.subject,
                case=case,
                consent=consent,
                coordinator_role=case.coordinator_role,
                created_by=actor,
            )
    except IntegrityError:  # created by someone else a moment ago
        raise PlanExists(current_plan_of(case.subject)) from None
    record(
        "plan.created",
        actor=actor,
        target=case,
        detail={"plan": plan.pk, "consent": consent.pk},
        request=request,
    )
    return plan


# Changing -----------------------------------------------------------------------------


def _claim_version(plan, version):
    claim(plan, version, updated_at=timezone.now())


def _audit_change(actor, plan, what, request, **detail):
    record(
        "plan.changed",
        actor=actor,
        target=plan.case,
        detail={"plan": plan.pk, "what": what, **detail},
        request=request,
    )


@transaction.atomic
def change_plan(actor, plan, *, version, request=None, **fields):
    """The coordinator's side writes the plan's text sections and its period."""
    _require_coordinator_side(actor, plan)
    unknown = set(fields) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"Unknown plan fields: {sorted(unknown)}")
    start = fields.get("period_start", plan.period_start)
    end = fields.get("period_end", plan.period_end)
    if start and end and end < start:
        raise ValidationError({"period_end": _("The plan period must end after it starts.")})
    _claim_version(plan, version)
    for name, value in fields.items():
        value = value.strip() if name in TEXT_FIELDS else value
        setattr(plan, name, value)
    IndividualPlan.objects.filter(pk=plan.pk).update(
        **{name: getattr(plan, name) for name in fields}
    )
    _audit_change(actor, plan, "sections", request, fields=sorted(fields))
    return plan


@transaction.atomic
def add_goal(actor, plan, *, text, by_person, request=None):
    """A goal; `by_person`: the person's own, in their own words (L33)."""
    _require_coordinator_side(actor, plan)
    if not (text or "").strip():
        raise ValidationError({"text": _("Write the goal.")})
    goal = PlanGoal.objects.create(
        plan=plan, text=text.strip(), by_person=bool(by_person), recorded_by=actor
    )
    _audit_change(actor, plan, "goal_added", request, goal=goal.pk, by_person=goal.by_person)
    return goal


@transaction.atomic
def remove_goal(actor, goal, *, request=None):
    """Returns the `Removal` to undo it with."""
    plan = goal.plan
    _require_coordinator_side(actor, plan)
    goal_id = goal.pk
    removal = undo.keep(actor, plan.case, Removal.Kind.PLAN_GOAL, goal, goal.text[:80])
    goal.delete()
    _audit_change(actor, plan, "goal_removed", request, goal=goal_id, removal=removal.pk)
    return removal


def _take_plan_removal(actor, plan, removal, kind):
    _require(removal.case_id == plan.case_id and removal.values["plan_id"] == plan.pk)
    removal = undo.take(actor, removal, kind)
    _require_coordinator_side(actor, plan)
    return removal


def _audit_undo(actor, plan, removal, request):
    record(
        "case.removal_undone",
        actor=actor,
        target=plan.case,
        detail={"kind": removal.kind, "removal": removal.pk, "plan": plan.pk},
        request=request,
    )


@transaction.atomic
def undo_remove_goal(actor, plan, removal, *, request=None):
    """Put the goal back as it was, while the plan is still the current one."""
    removal = _take_plan_removal(actor, plan, removal, Removal.Kind.PLAN_GOAL)
    goal = undo.rebuild(PlanGoal, removal)
    _audit_undo(actor, plan, removal, request)
    return goal


def _check_measure(plan, fields):
    errors = {}
    if not (fields.get("description") or "").strip():
        errors["description"] = _("Describe the measure.")
    agency = fields.get("responsible_agency")
    if agency is None:
        errors["responsible_agency"] = _("Choose the service responsible for the measure.")
    elif not plan.case.team.filter(agency=agency).exists():
        errors["responsible_agency"] = _("The responsible service must be on the case's team.")
    if not (fields.get("extent") or "").strip():
        errors["extent"] = _("Say how much: for example two hours a week.")
    if not (fields.get("timing") or "").strip():
        errors["timing"] = _("Say when: for example from January to June.")
    measure = fields.get("measure")
    if measure is not None and measure.case_id != plan.case_id:
        errors["measure"] = _("Choose one of this case's measures.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_plan_measure(actor, plan, *, request=None, **fields):
    """`fields`: description, responsible_agency, extent, timing, measure (optional)."""
    _require_coordinator_side(actor, plan)
    _check_measure(plan, fields)
    entry = PlanMeasure.objects.create(
        plan=plan,
        measure=fields.get("measure"),
        description=fields["description"].strip(),
        responsible_agency=fields["responsible_agency"],
        extent=fields["extent"].strip(),
        timing=fields["timing"].strip(),
    )
    _audit_change(actor, plan, "measure_added", request, plan_measure=entry.pk)
    return entry


@transaction.atomic
def change_plan_measure(actor, entry, *, version, request=None, **fields):
    """Change a line of the plan, if it is still at the `version` the user read: a save
    after someone else's (or after the line was removed) is refused, never lost or
    brought back (C5)."""
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown plan measure fields: {sorted(unknown)}")
    plan = entry.plan
    _require_coordinator_side(actor, plan)
    merged = {
        "description": entry.description,
        "responsible_agency": entry.responsible_agency,
        "extent": entry.extent,
        "timing": entry.timing,
        "measure": entry.measure,
        **fields,
    }
    _check_measure(plan, merged)
    values = {
        name: value.strip() if isinstance(value, str) else value for name, value in merged.items()
    }
    claim(entry, version, **values)
    _audit_change(actor, plan, "measure_changed", request, plan_measure=entry.pk)
    return entry


@transaction.atomic
def remove_plan_measure(actor, entry, *, request=None):
    """Returns the `Removal` to undo it with."""
    plan = entry.plan
    _require_coordinator_side(actor, plan)
    entry_id = entry.pk
    removal = undo.keep(actor, plan.case, Removal.Kind.PLAN_MEASURE, entry, entry.description[:80])
    entry.delete()
    _audit_change(
        actor, plan, "measure_removed", request, plan_measure=entry_id, removal=removal.pk
    )
    return removal


@transaction.atomic
def undo_remove_measure(actor, plan, removal, *, request=None):
    """Put the plan's measure back as it was, at a new version, if its service is still
    on the team and the case's measure it named still exists."""
    removal = _take_plan_removal(actor, plan, removal, Removal.Kind.PLAN_MEASURE)
    values = removal.values
    if not plan.case.team.filter(agency_id=values["responsible_agency_id"]).exists():
        raise ValidationError(_("The responsible service is no longer on the case's team."))
    if values["measure_id"] and not plan.case.measures.filter(pk=values["measure_id"]).exists():
        raise ValidationError(_("The case's measure it named has been removed meanwhile."))
    entry = undo.rebuild(PlanMeasure, removal, version=values["version"] + 1)
    _audit_undo(actor, plan, removal, request)
    return entry


@transaction.atomic
def add_revision(actor, plan, *, due_on, request=None):
    _require_coordinator_side(actor, plan)
    if due_on is None:
        raise ValidationError({"due_on": _("Give the revision date.")})
    if due_on <= timezone.localdate():
        raise ValidationError({"due_on": _("A revision date must be in the future.")})
    if plan.revisions.filter(due_on=due_on).exists():
        raise ValidationError({"due_on": _("The plan already has that revision date.")})
    revision = PlanRevision.objects.create(plan=plan, due_on=due_on)
    if plan.status == PlanStatus.ACTIVE:
        _schedule_reminders(plan)
    _audit_change(actor, plan, "revision_added", request, due_on=due_on.isoformat())
    return revision


@transaction.atomic
def write_contribution(actor, plan, *, agency, text, version=None, request=None):
    """A service writes its own part; only its own (the school too)."""
    _require(plan.is_current)
    _require(agency.pk in policy.plan_contributing_agency_ids(actor, plan, _agency_ids(actor)))
    if not (text or "").strip():
        raise ValidationError({"text": _("Write your service's part of the plan.")})
    existing = PlanContribution.objects.filter(plan=plan, agency=agency).first()
    if existing is None:
        try:
            with transaction.atomic():
                contribution = PlanContribution.objects.create(
                    plan=plan, agency=agency, text=text.strip(), updated_by=actor
                )
        except IntegrityError:  # a colleague wrote the first version a moment ago (C5)
            raise StaleEdit() from None
    else:
        # Someone of the same service wrote it meanwhile: theirs is not overwritten (C5).
        contribution = claim(
            existing, version, text=text.strip(), updated_by=actor, updated_at=timezone.now()
        )
    record(
        "plan.contribution_written",
        actor=actor,
        agency=agency,
        target=plan.case,
        detail={"plan": plan.pk, "contribution": contribution.pk},
        request=request,
    )
    return contribution


# Finalising ---------------------------------------------------------------------------


def missing_sections(plan):
    """The codes of the mandatory sections still empty (L32), in the plan's order."""
    goals = list(plan.goals.all())
    measures = list(plan.measures.all())
    revisions = list(plan.revisions.all())
    filled = {
        "overview": bool(plan.overview.strip()),
        "own_goals": any(goal.by_person for goal in goals),
        "measures": any(m.responsible_agency_id and m.extent.strip() for m in measures),
        "coordinator": plan.coordinator_role.holder_id is not None,
        "participation": bool(plan.participation.strip()),
        "consent": plan_consents(plan.case).filter(pk=plan.consent_id).exists(),
        "period": bool(
            plan.period_start
            and plan.period_end
            and any(plan.period_start <= r.due_on <= plan.period_end for r in revisions)
        ),
        "follow_up": bool(plan.follow_up.strip()),
        "if_service_declined": bool(plan.if_service_declined.strip()),
    }
    return [code for code, _label in SECTIONS if not filled[code]]


def content_of(plan):
    """The plan as a finalised version keeps it: plain values, no ids that matter to the
    reader except to tell a changed entry from a new one."""
    role = plan.coordinator_role
    holder = role.holder
    consent = plan.consent
    return {
        "overview": plan.overview,
        "participation": plan.participation,
        "follow_up": plan.follow_up,
        "if_service_declined": plan.if_service_declined,
        "period_start": plan.period_start.isoformat() if plan.period_start else None,
        "period_end": plan.period_end.isoformat() if plan.period_end else None,
        "coordinator": {
            "role": str(role),
            "agency": role.agency.name,
            "holder": (holder.get_full_name() or holder.get_username()) if holder else "",
            "phone": role.phone,
            "email": role.email,
        },
        "consent": {
            "id": consent.pk,
            "purpose": consent.purpose,
            "starts_on": consent.starts_on.isoformat(),
            "ends_on": consent.ends_on.isoformat(),
        },
        # `entered_by_person` only when set, so versions kept before it existed compare
        # equal to later ones.
        "goals": [
            {"id": goal.pk, "text": goal.text, "by_person": goal.by_person}
            | ({"entered_by_person": True} if goal.entered_by_person else {})
            for goal in plan.goals.all()
        ],
        "measures": [
            {
                "id": entry.pk,
                "description": entry.description,
                "responsible": entry.responsible_agency.name,
                "extent": entry.extent,
                "timing": entry.timing,
            }
            for entry in plan.measures.select_related("responsible_agency")
        ],
        "revisions": [revision.due_on.isoformat() for revision in plan.revisions.all()],
        "contributions": [
            {"agency": c.agency.name, "text": c.text}
            for c in plan.contributions.select_related("agency")
        ],
    }


def _schedule_reminders(plan):
    """A task for the coordinator role before each coming revision date that has none."""
    days = settings.PLAN_REVISION_REMINDER_DAYS
    today = timezone.localdate()
    role = plan.coordinator_role
    made = False
    for revision in plan.revisions.filter(done_at__isnull=True, reminder_task__isnull=True):
        if revision.due_on < today:
            continue
        with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
            title = _("Revise the individual plan by %(day)s") % {"day": dates.day(revision.due_on)}
        task = Task.objects.create(
            case=plan.case,
            title=title,
            owner_agency=role.agency,
            owner_role=role,
            deadline=max(today, revision.due_on - datetime.timedelta(days=days)),
            created_by=plan.created_by,
        )
        PlanRevision.objects.filter(pk=revision.pk).update(reminder_task=task)
        made = True
    if made:
        refresh_next_deadline([plan.case_id])


def _close_reminders(revisions):
    """The coordinator's reminder tasks of these revisions are done: the revision was made,
    or the plan ended."""
    open_reminders = Task.objects.filter(
        pk__in=revisions.exclude(reminder_task__isnull=True).values("reminder_task_id")
    ).exclude(status=TaskStatus.DONE)
    case_ids = set(open_reminders.values_list("case_id", flat=True))
    if case_ids:
        open_reminders.update(status=TaskStatus.DONE, version=F("version") + 1)
        refresh_next_deadline(case_ids)


@transaction.atomic
def finalise(actor, plan, *, version, request=None):
    """Keep the plan as a new version (L33). Refused, naming the sections, while a
    mandatory section is empty (L32). Revision dates that have come are done by it."""
    _require_coordinator_side(actor, plan)
    missing = missing_sections(plan)
    if missing:
        raise ValidationError(
            _("Fill in every section before finalising. Missing: %(sections)s.")
            % {"sections": ", ".join(str(SECTION_LABELS[code]) for code in missing)}
        )
    _claim_version(plan, version)
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    finalised = PlanVersion.objects.create(
        plan=plan, number=number, finalised_by=actor, content=content_of(plan)
    )
    now = timezone.now()
    come = plan.revisions.filter(done_at__isnull=True, due_on__lte=timezone.localdate())
    _close_reminders(come)
    come.update(done_at=now)
    IndividualPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.ACTIVE)
    plan.status = PlanStatus.ACTIVE
    _schedule_reminders(plan)
    record(
        "plan.finalised",
        actor=actor,
        target=plan.case,
        detail={"plan": plan.pk, "version": number},
        request=request,
    )
    return finalised


@transaction.atomic
def end_plan(actor, plan, *, version, reason, request=None):
    """The plan ends (the person no longer wants it, or it is no longer needed)."""
    _require_coordinator_side(actor, plan)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the plan ends.")})
    _claim_version(plan, version)
    _close_reminders(plan.revisions.filter(done_at__isnull=True))
    IndividualPlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.ENDED, ended_at=timezone.now(), end_reason=reason.strip()
    )
    plan.status = PlanStatus.ENDED
    record(
        "plan.ended",
        actor=actor,
        target=plan.case,
        detail={"plan": plan.pk},
        request=request,
    )


# Comparing ------------------------------------------------------------------------------


def compare(older, newer):
    """What changed from one finalised version to another: {"sections": [(label, before,
    after)], "goals": {"added", "removed"}, "measures": {"added", "removed", "changed"}}."""
    before, after = older.content, newer.content
    sections = [
        (SECTION_LABELS[code], before.get(code, ""), after.get(code, ""))
        for code in ("overview", "participation", "follow_up", "if_service_declined")
        if before.get(code, "") != after.get(code, "")
    ]
    if (before.get("period_start"), before.get("period_end")) != (
        after.get("period_start"),
        after.get("period_end"),
    ) or before.get("revisions") != after.get("revisions"):
        sections.append(
            (
                SECTION_LABELS["period"],
                _period_text(before),
                _period_text(after),
            )
        )
    if before.get("coordinator") != after.get("coordinator"):
        sections.append(
            (
                SECTION_LABELS["coordinator"],
                _coordinator_text(before),
                _coordinator_text(after),
            )
        )
    return {
        "sections": sections,
        "goals": _by_id(before.get("goals", []), after.get("goals", [])),
        "measures": _by_id(before.get("measures", []), after.get("measures", [])),
        "contributions": _by_key(
            before.get("contributions", []), after.get("contributions", []), "agency"
        ),
    }


def _period_text(content):
    return " – ".join(filter(None, [content.get("period_start"), content.get("period_end")])) + (
        "; " + ", ".join(content.get("revisions", [])) if content.get("revisions") else ""
    )


def _coordinator_text(content):
    coordinator = content.get("coordinator") or {}
    return ", ".join(filter(None, [coordinator.get("role"), coordinator.get("holder")]))


def _by_id(before, after):
    return _by_key(before, after, "id")


def _by_key(before, after, key):
    old = {item[key]: item for item in before}
    new = {item[key]: item for item in after}
    return {
        "added": [new[k] for k in new if k not in old],
        "removed": [old[k] for k in old if k not in new],
        "changed": [(old[k], new[k]) for k in new if k in old and old[k] != new[k]],
    }


# The case's lifecycle ---------------------------------------------------------------------


def closing_gate(case, to_state):
    """A case does not close under a current plan: the plan is ended first (with its
    reason), or nobody could end it afterwards and the person could get no new one."""
    if to_state != CaseState.CLOSED:
        return []
    if IndividualPlan.objects.filter(case=case, status__in=CURRENT_STATUSES).exists():
        return [_("End the person's individual plan before closing the case.")]
    return []


register_state_gate(closing_gate)


# Reminders ------------------------------------------------------------------------------


def overdue_revisions_for_coordinator(user, today=None):
    """Revision dates passed without a new version, on current plans the user coordinates."""
    today = today or timezone.localdate()
    return (
        PlanRevision.objects.filter(done_at__isnull=True, due_on__lt=today)
        .filter(plan__status__in=CURRENT_STATUSES)
        .exclude(plan__case__state=CaseState.CLOSED)
        .filter(policy.holds_role_filter(user, "plan__coordinator_role"))
        .select_related("plan__case", "plan__person")
        .order_by("due_on", "id")
    )
