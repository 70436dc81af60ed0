"""What users do with the measures of a case (X4, X9, L24).

Each function takes the acting user first, checks permission, changes data and
writes the audit entry in one transaction. Who may write is the case's rule
(`policy.can_work_on_case`: the team and the coordinator, on an open case). A
measure carries its own version (C5): a stale save raises
`tverrnett.core.versions.StaleEdit` and changes nothing. Audit details hold
ids and codes, never the goal, the evaluation or the person's view.

Loading this module registers the audit actions and the closing gate: a case
closes only when every measure has been evaluated (L29).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases.models import CaseState
from tverrnett.cases.services import register_state_gate
from tverrnett.core.versions import claim
from tverrnett.measures.models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    Measure,
    MeasureStatus,
)

for _name, _description in [
    ("measure.added", gettext_noop("Added a measure to a case")),
    ("measure.changed", gettext_noop("Changed a measure")),
    ("measure.evaluated", gettext_noop("Evaluated a measure")),
]:
    actions.register(_name, _description)

# What add_measure and change_measure accept.
MEASURE_FIELDS = (
    "measure_type",
    "goal",
    "responsible_agency",
    "contact_name",
    "start_on",
    "status",
    "evaluation_on",
    "person_view",
)
_RELATIONS = ("measure_type", "responsible_agency")


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _require_work(actor, case):
    """The team and the coordinator, on an open case (break-glass reads only)."""
    _require(policy.can_work_on_case(actor, case, policy.case_access_path(actor, case)))


def _require_own(actor, case, agency):
    """A measure belongs to its responsible agency: that agency and the coordinator's side
    change it (policy.can_change_agency_work)."""
    agency_id = getattr(agency, "pk", agency)
    access_path = policy.case_access_path(actor, case)
    _require(policy.can_change_agency_work(actor, case, agency_id, access_path))


def _refuse_anonymous(case):
    if case.is_anonymous:
        raise ValidationError(
            _(
                "An anonymous discussion cannot have measures. Convert it into an identified "
                "case first."
            )
        )


def _check_fields(fields):
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown measure fields: {sorted(unknown)}")


def _validate(case, fields, *, current=None):
    """The rules every measure keeps, whoever calls (L24). `current`: the measure as it
    was, for an edit."""
    errors = {}
    measure_type = fields.get("measure_type")
    if measure_type is None:
        errors["measure_type"] = _("Choose the type of measure.")
    elif not measure_type.is_active and (
        current is None or measure_type.pk != current.measure_type_id
    ):
        errors["measure_type"] = _("This type of measure is no longer offered. Choose another.")
    if not (fields.get("goal") or "").strip():
        errors["goal"] = _("Describe the goal of the measure, agreed with the person.")
    agency = fields.get("responsible_agency")
    if agency is None:
        errors["responsible_agency"] = _("Choose the agency responsible for the measure.")
    elif not case.team.filter(agency=agency).exists():
        errors["responsible_agency"] = _(
            "The responsible agency must be on the case's team. Add it to the team first."
        )
    if fields.get("start_on") is None:
        errors["start_on"] = _("Give the date the measure starts.")
    evaluation_on = fields.get("evaluation_on")
    if evaluation_on is None:
        errors["evaluation_on"] = _("Give the date the measure is to be evaluated.")
    elif fields.get("start_on") is not None and evaluation_on < fields["start_on"]:
        errors["evaluation_on"] = _("The evaluation date cannot be before the start.")
    status = fields.get("status")
    unchanged = current is not None and status == current.status
    if status not in MeasureStatus.values:
        errors["status"] = _("Choose a status from the list.")
    elif status in ENDED_STATUSES and not unchanged:
        errors["status"] = _(
            "A measure is completed or stopped through its evaluation: evaluate it instead."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_measure(actor, case, *, request=None, proposed_from=None, proposed_items=(), **fields):
    """Add a measure to an identified case. `fields`: measure_type, goal,
    responsible_agency (on the team), contact_name, start_on, status (planned by
    default), evaluation_on (required, L24) and person_view. `proposed_from` and
    `proposed_items`: the assessment and item codes it was proposed for
    (tverrnett.assessments.services.propose_measure checks them)."""
    _check_fields(fields)
    _require_work(actor, case)
    _refuse_anonymous(case)
    fields = {"status": MeasureStatus.PLANNED, "contact_name": "", "person_view": "", **fields}
    _validate(case, fields)
    _require_own(actor, case, fields["responsible_agency"])
    measure = Measure.objects.create(
        case=case,
        created_by=actor,
        assessment=proposed_from,
        assessment_items=list(proposed_items),
        **fields,
    )
    record(
        "measure.added",
        actor=actor,
        target=case,
        detail={
            "measure": measure.pk,
            "type": measure.measure_type.code,
            "responsible_agency": measure.responsible_agency_id,
            "status": measure.status,
            "assessment": proposed_from.pk if proposed_from else None,
        },
        request=request,
    )
    return measure


@transaction.atomic
def change_measure(actor, measure, *, version, request=None, **fields):
    """Change what the measure is, who is responsible, its dates and the person's view.
    A field not named keeps its value. Completing or stopping a measure goes through
    `evaluate_measure`."""
    _check_fields(fields)
    case = measure.case
    _require_work(actor, case)
    _require_own(actor, case, measure.responsible_agency_id)
    _refuse_anonymous(case)
    merged = {name: getattr(measure, name) for name in MEASURE_FIELDS}
    merged.update(fields)
    _validate(case, merged, current=measure)
    # Nor may a team agency hand its measure to another agency.
    _require_own(actor, case, merged["responsible_agency"])
    changed = sorted(name for name in fields if merged[name] != getattr(measure, name))
    values = {
        (f"{name}_id" if name in _RELATIONS else name): (
            merged[name].pk if name in _RELATIONS else merged[name]
        )
        for name in MEASURE_FIELDS
    }
    claim(measure, version, **values)
    for name in MEASURE_FIELDS:
        setattr(measure, name, merged[name])
    record(
        "measure.changed",
        actor=actor,
        target=case,
        detail={"measure": measure.pk, "fields": changed, "status": measure.status},
        request=request,
    )
    return measure


@transaction.atomic
def evaluate_measure(actor, measure, *, version, outcome, status, evaluation_on=None, request=None):
    """Record the evaluation of a measure (L24): what came of it, and whether it is
    completed, stopped, or goes on to a new evaluation date (`evaluation_on`, required
    then). A later evaluation replaces the text; each one is in the audit log."""
    case = measure.case
    _require_work(actor, case)
    _require_own(actor, case, measure.responsible_agency_id)
    _refuse_anonymous(case)
    errors = {}
    if not (outcome or "").strip():
        errors["outcome"] = _("Write what came of the measure.")
    if status not in (MeasureStatus.ONGOING, *ENDED_STATUSES):
        errors["status"] = _("Say whether the measure is completed, stopped or goes on.")
    elif status == MeasureStatus.ONGOING:
        if evaluation_on is None:
            errors["evaluation_on"] = _("A measure that goes on needs a new evaluation date.")
        elif evaluation_on <= timezone.localdate():
            errors["evaluation_on"] = _("The new evaluation date must be in the future.")
    if errors:
        raise ValidationError(errors)
    fields = {
        "outcome": outcome.strip(),
        "status": status,
        "evaluated_at": timezone.now(),
        "evaluated_by": actor,
    }
    if status == MeasureStatus.ONGOING:
        fields["evaluation_on"] = evaluation_on
    claim(measure, version, **fields)
    record(
        "measure.evaluated",
        actor=actor,
        target=case,
        detail={"measure": measure.pk, "status": status},
        request=request,
    )
    return measure


# Reading ----------------------------------------------------------------------------


def assignable_agencies(case, access):
    """The team agencies a user may give a measure to (`access`: the case page's
    cases.views._Access): their own, or any for the coordinator's side
    (policy.can_change_agency_work)."""
    agencies = team_agencies(case)
    if not access.can_manage:
        agencies = agencies.filter(pk__in=access.agency_ids)
    return agencies


def team_agencies(case):
    """The agencies on the case's team, by name: those a measure can be given to."""
    from tverrnett.agencies.models import Agency

    return Agency.objects.filter(case_teams__case=case).order_by("name")


def measures_on(case):
    """Every measure of the case, newest start first, with what the list shows."""
    return case.measures.select_related(
        *_RELATIONS, "evaluated_by", "assessment__instrument"
    ).order_by("-start_on", "-id")


def current_measures(case):
    """The measures still running (planned, ongoing, paused), the first due for evaluation
    first: a list, in one query (the exit-work overview's summary table)."""
    return list(
        case.measures.filter(status__in=OPEN_STATUSES)
        .select_related(*_RELATIONS)
        .order_by("evaluation_on", "id")
    )


def measures_not_evaluated(case):
    """The measures of the case that have no evaluation yet."""
    return (
        case.measures.filter(outcome="").select_related("measure_type").order_by("start_on", "id")
    )


def overdue_measures_for_coordinator(user, today=None):
    """Running measures past their evaluation date in open cases the user coordinates
    (holder or deputy of the role), the longest overdue first (L24)."""
    today = today or timezone.localdate()
    return (
        Measure.objects.filter(
            policy.holds_role_filter(user, "case__coordinator_role"),
            evaluation_on__lt=today,
            status__in=OPEN_STATUSES,
        )
        .exclude(case__state=CaseState.CLOSED)
        .select_related("case", "measure_type", "responsible_agency")
        .order_by("evaluation_on", "id")
    )


# The closing gate (L29) --------------------------------------------------------------


def closing_gate(case, to_state):
    """Refuse to close a case while a measure has not been evaluated."""
    if to_state != CaseState.CLOSED:
        return []
    pending = list(measures_not_evaluated(case))
    if not pending:
        return []
    return [
        _("Evaluate every measure before closing the case: %(measures)s.")
        % {"measures": ", ".join(measure.measure_type.name for measure in pending)}
    ]


register_state_gate(closing_gate)
