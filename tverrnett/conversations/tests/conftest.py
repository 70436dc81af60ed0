"""Contact agreements and conversations, on the concern-case fixtures (one municipal
network in Drammen): the owner coordinates, the partner's agency (Nav Drammen) is
on the team, the outsider (Nav Oslo) is not."""

import datetime

import pytest
from django.utils import timezone

from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.consent.tests.conftest import (  # noqa: F401  (a volunteer named in a consent)
    give_consent,
    volunteer,
    volunteer_agency,
)
from tverrnett.conversations import services
from tverrnett.conversations.models import ContactChannel
from tverrnett.networks.models import ForumAudience


def years_ago(years, today=None):
    """A birth date exactly `years` years before `today` (1 March for a 29 February)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return datetime.date(today.year - years, 3, 1)


@pytest.fixture
def on_team(owner, open_to):
    """Put agencies on a case's team and open the case to them, as the owner (the
    coordinator) does under a legal basis."""

    def add(case, *agencies):
        for agency in agencies:
            case_services.add_team_member(owner, case, agency=agency, contact_name="Kontakt")
            open_to(case, agency)
        case.refresh_from_db()
        return case

    return add


@pytest.fixture
def minor_case(register, on_team, partner_agency):
    """A 16-year-old (exact birth date), with Nav Drammen on the team."""
    case = register(person={"name": "Ola Nordmann", "birth_date": years_ago(16)})
    return on_team(case, partner_agency)


@pytest.fixture
def adult_case(register, on_team, partner_agency):
    case = register(
        person={"name": "Kari Nordmann", "birth_year": 1990}, audience=ForumAudience.ADULTS
    )
    return on_team(case, partner_agency)


@pytest.fixture
def in_two_days():
    return (timezone.localtime() + datetime.timedelta(days=2)).replace(
        hour=14, minute=0, second=0, microsecond=0
    )


@pytest.fixture
def complete(in_two_days):
    """Every field of a complete plan for a child's first conversation."""

    def fields(**changes):
        return {
            "is_first": True,
            "planned_at": in_two_days,
            "place": "Ungdomsklubben",
            "purpose": "Bli kjent og høre hvordan Ola har det.",
            "attendees": "Ola Nordmann\nSLT-koordinator",
            "guardians_attend": "yes",
            "guardians_reason": "",
            "child_welfare_attends": "no",
            "child_welfare_reason": "Foreldrene følger opp; barnevernet er orientert.",
            "trusted_person": "",
            "interpretation_needed": False,
            "interpreter_language": "",
            **changes,
        }

    return fields


@pytest.fixture
def plan(owner, complete):
    """Plan a conversation on `case` as `actor` (default the owner)."""

    def plan(case, *, actor=None, **changes):
        return services.plan_conversation(actor or owner, case, **complete(**changes))

    return plan


@pytest.fixture
def agreement_fields(owner_agency):
    def fields(**changes):
        return {
            "agency": owner_agency,
            "contact_name": "SLT-koordinator",
            "channel": ContactChannel.IN_PERSON,
            "when": "Tirsdager etter skolen",
            "next_contact_on": timezone.localdate() + datetime.timedelta(days=5),
            "where": "Ungdomsklubben",
            "not_to_contact": "Politiet tar ikke direkte kontakt nå: det kan skade dialogen.",
            "note": "",
            "agreed_on": timezone.localdate(),
            **changes,
        }

    return fields
