"""Individual plans on the consent fixtures (one municipal network in Drammen).

`plan_case` is the owner's adult case (Kari Nordmann) with Nav Drammen (the partner)
on the team; the owner (Drammen kommune – SLT) holds the case's SLT coordinator
role. `plan_consent` is a consent there that allows a plan and names Nav Drammen;
`plan` a draft plan made under it by the owner, and `complete_plan` the same plan
with every mandatory section filled in (L32), ready to be finalised.

`school_plan` is a plan whose consent names both Nav Drammen and the school
(Fjell ungdomsskole), with the school on the team as well.

The audit chain is verified after every test (`audit_chain_stays_whole`, autouse,
from the case fixtures).
"""

import datetime

import pytest
from django.utils import timezone

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.cases.models import CaseState, ConcernCase, Source, TeamMember, Urgency

# The star import brings the autouse `audit_chain_stays_whole` too; it is named so it
# keeps applying here whatever the consent fixtures import.
from tverrnett.cases.tests.conftest import audit_chain_stays_whole, signed_in  # noqa: F401
from tverrnett.consent.tests.conftest import *  # noqa: F403  (the case and consent fixtures)
from tverrnett.plans import services


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def plan_case(team_case, partner_agency, open_to):
    open_to(team_case, partner_agency)
    return team_case


@pytest.fixture
def plan_consent(plan_case, give_consent, partner_agency, catalogue):
    return give_consent(
        plan_case,
        recipients=[partner_agency],
        individual_plan=True,
        plan_confidential_access=True,
    )


@pytest.fixture
def plan(owner, plan_case, plan_consent):
    """A draft plan, made by the owner (the case's coordinator)."""
    return services.create_plan(owner, plan_case, consent=plan_consent)


@pytest.fixture
def fill(owner, partner_agency):
    """Fill in every mandatory section of a plan as the owner (L32): the text sections,
    a period of a year, one goal of the person's own, one measure for Nav Drammen and
    one revision date in 90 days."""

    def fill(plan, actor=None):
        actor = actor or owner
        services.change_plan(
            actor,
            plan,
            version=plan.version,
            overview="Kari trenger arbeid og et sted å bo.",
            participation="Kari deltar på alle møter; Nav og SLT er med.",
            follow_up="Planen evalueres hver tredje måned.",
            if_service_declined="Tjenesten avsluttes; resten av planen fortsetter.",
            period_start=timezone.localdate(),
            period_end=days_from_today(365),
        )
        services.add_goal(actor, plan, text="Jeg vil ha en jobb.", by_person=True)
        services.add_plan_measure(
            actor,
            plan,
            description="Arbeidstrening",
            responsible_agency=partner_agency,
            extent="Tre dager i uken",
            timing="Januar–juni",
        )
        services.add_revision(actor, plan, due_on=days_from_today(90))
        return plan

    return fill


@pytest.fixture
def complete_plan(plan, fill):
    return fill(plan)


@pytest.fixture
def school_plan(owner, plan_case, on_team, give_consent, partner_agency, school_agency, catalogue):
    """A plan whose consent names Nav Drammen and the school, both on the team."""
    on_team(plan_case, school_agency)
    consent = give_consent(
        plan_case,
        recipients=[partner_agency, school_agency],
        individual_plan=True,
        plan_confidential_access=True,
    )
    return services.create_plan(owner, plan_case, consent=consent)


@pytest.fixture
def deputy(make_agency, make_user, slt_role):
    """The SLT coordinator's deputy works for an agency that is not on the team."""
    agency = make_agency("Drammen kommune – skole", AgencyType.SCHOOL)
    user = signed_in(make_user("nestleder", agency, MembershipRole.CASE_WORKER))
    slt_role.deputy = user
    slt_role.save()
    return user


@pytest.fixture
def second_case_of(owner_agency):
    """Another case about the same person (the database lets a person have several)."""

    def second_case(case):
        other = ConcernCase.objects.create(
            state=CaseState.REGISTERED,
            subject=case.subject,
            network=case.network,
            forum=case.forum,
            audience=case.audience,
            municipality=case.municipality,
            coordinator_role=case.coordinator_role,
            observation="Ny bekymring.",
            source=Source.OWN_OBSERVATION,
            urgency=Urgency.ROUTINE,
            created_by=case.created_by,
            created_agency=case.created_agency,
        )
        TeamMember.objects.create(case=other, agency=owner_agency, contact_name="Eva")
        return other

    return second_case
