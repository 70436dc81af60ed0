"""What a plan shows, as a plain dict (`doc`) for plans/includes/plan_body.html.

Built from the live plan (`live_doc`) or from a finalised version's kept content
(`version_doc`), so the plan page, the meeting view, a version, the PDF and the
person's own page (tverrnett.ownaccess) cannot drift apart.
"""

import datetime

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy

from tverrnett.plans import services
from tverrnett.plans.models import PlanContribution, PlanGoal, PlanMeasure


def plan_prefetch():
    """What a whole plan shows, in one query per kind whatever its size."""
    return (
        Prefetch("goals", queryset=PlanGoal.objects.select_related("recorded_by")),
        Prefetch(
            "measures",
            queryset=PlanMeasure.objects.select_related(
                "responsible_agency", "measure__measure_type"
            ),
        ),
        "revisions",
        Prefetch(
            "contributions",
            queryset=PlanContribution.objects.select_related("agency", "updated_by"),
        ),
        "consent__recipients",
    )


# The headings of the meeting view, said plainly to the person (L32's sections).
PLAIN_LABELS = {
    "overview": gettext_lazy("What works, what is hard, and what you need"),
    "own_goals": gettext_lazy("Your goals, in your own words"),
    "measures": gettext_lazy("Who helps you with what, how much and when"),
    "coordinator": gettext_lazy("Your coordinator, who keeps the threads together"),
    "participation": gettext_lazy("Who takes part, and how you take part"),
    "consent": gettext_lazy("What you have agreed to"),
    "period": gettext_lazy("How long the plan lasts, and when we look at it again"),
    "follow_up": gettext_lazy("How we check that the plan works"),
    "if_service_declined": gettext_lazy("If you do not want a service"),
}


def user_name(user):
    return (user.get_full_name() or user.get_username()) if user else ""


# The sections the edit page writes, and the field each one's edit link goes to.
_SECTION_FIELDS = {
    "overview": "overview",
    "participation": "participation",
    "period": "period_start",
    "follow_up": "follow_up",
    "if_service_declined": "if_service_declined",
}


def sections(missing=None, *, plain=False):
    """The nine sections in the plan's order (L32), each with whether it is filled in
    (`missing`: the codes still empty; None for a finalised version, which is whole)."""
    sections = [
        {
            "code": code,
            "label": PLAIN_LABELS[code] if plain else label,
            "filled": missing is None or code not in missing,
            "field": _SECTION_FIELDS.get(code, ""),
        }
        for code, label in services.SECTIONS
    ]
    if plain:  # the person's own goals first
        sections.sort(key=lambda section: section["code"] != "own_goals")
    return sections


def live_doc(plan):
    """The plan as it stands, loaded with `_plan_prefetch`: no query of its own but the
    coordinator's string, which the select_related covers."""
    role = plan.coordinator_role
    consent = plan.consent
    doc = {
        "overview": plan.overview,
        "participation": plan.participation,
        "follow_up": plan.follow_up,
        "if_service_declined": plan.if_service_declined,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "revisions": [
            {
                "due_on": revision.due_on,
                "done": revision.done_at is not None,
                "overdue": revision.is_overdue,
            }
            for revision in plan.revisions.all()
        ],
        "coordinator": {
            "role": str(role),
            "agency": role.agency.name,
            "holder": user_name(role.holder),
            "phone": role.phone or role.agency.phone,
            "email": role.email or role.agency.email,
        },
        "consent": {
            "purpose": consent.purpose,
            "starts_on": consent.starts_on,
            "ends_on": consent.ends_on,
            "services": [agency.name for agency in consent.recipients.all()],
        },
        "goals": [
            {
                "id": goal.pk,
                "text": goal.text,
                "by_person": goal.by_person,
                "entered_by_person": goal.entered_by_person,
                "recorded_by": user_name(goal.recorded_by),
                "recorded_at": goal.recorded_at,
            }
            for goal in plan.goals.all()
        ],
        "measures": [
            {
                "id": entry.pk,
                "description": entry.description,
                "responsible": entry.responsible_agency.name,
                "extent": entry.extent,
                "timing": entry.timing,
                "case_measure": entry.measure,
            }
            for entry in plan.measures.all()
        ],
        "contributions": [
            {
                "agency": contribution.agency.name,
                "text": contribution.text,
                "updated_by": user_name(contribution.updated_by),
                "updated_at": contribution.updated_at,
            }
            for contribution in plan.contributions.all()
        ],
    }
    return with_goals_split(doc)


def with_goals_split(doc):
    """The person's own goals apart from the services' (L33)."""
    doc["own_goals"] = [goal for goal in doc["goals"] if goal["by_person"]]
    doc["other_goals"] = [goal for goal in doc["goals"] if not goal["by_person"]]
    return doc


def parse_day(value):
    return datetime.date.fromisoformat(value) if value else None


def version_doc(plan, version):
    """A finalised version as it was kept (PlanVersion.content). The consent's services
    come from the consent itself: a consent is never changed (a new scope is a new one)."""
    content = version.content
    consent = content.get("consent") or {}
    doc = {
        "overview": content.get("overview", ""),
        "participation": content.get("participation", ""),
        "follow_up": content.get("follow_up", ""),
        "if_service_declined": content.get("if_service_declined", ""),
        "period_start": parse_day(content.get("period_start")),
        "period_end": parse_day(content.get("period_end")),
        "revisions": [{"due_on": parse_day(day)} for day in content.get("revisions", [])],
        "coordinator": content.get("coordinator") or {},
        "consent": {
            "purpose": consent.get("purpose", ""),
            "starts_on": parse_day(consent.get("starts_on")),
            "ends_on": parse_day(consent.get("ends_on")),
            "services": (
                [agency.name for agency in plan.consent.recipients.all()]
                if consent.get("id") == plan.consent_id
                else []
            ),
        },
        "goals": content.get("goals", []),
        "measures": content.get("measures", []),
        "contributions": content.get("contributions", []),
    }
    return with_goals_split(doc)
