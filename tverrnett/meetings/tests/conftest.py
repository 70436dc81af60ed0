"""Forum meetings on the concern-case fixtures (SLT Drammen, its youth forum).

- `owner` (Drammen kommune – SLT) holds the SLT coordinator role of Drammen, a
  municipality of the network: they plan and manage the forum's meetings.
- `partner` (Nav Drammen) is a member of the network and on the team of `shared_case`
  only; `private_case` has the owner's agency alone on its team.
- `outsider` (Nav Oslo) is in no network here.
- `two_hats` (Nav Bergen and Nav Drammen) acts for Nav Bergen, an unrelated agency.
"""

import datetime

import pytest
from django.utils import timezone

from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.cases.tests.test_acting_agency import (  # noqa: F401  (fixtures)
    two_hats,
    unrelated_agency,
)
from tverrnett.meetings import services


@pytest.fixture
def shared_case(register, owner, partner_agency):
    case = register(person={"name": "Ola Nordmann", "birth_year": 2009})
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    case.refresh_from_db()
    return case


@pytest.fixture
def private_case(register):
    return register(person={"name": "Kari Hemmelig", "birth_year": 2008})


@pytest.fixture
def meeting(owner, youth_forum, slt_role):
    return services.create_meeting(
        owner,
        youth_forum,
        starts_at=timezone.now() + datetime.timedelta(days=7),
        place="Rådhuset, møterom 2",
    )


@pytest.fixture
def agenda(meeting, owner, shared_case, private_case):
    """The meeting with both cases on its agenda: the shared one first."""
    first = services.add_agenda_item(owner, meeting, shared_case, note="Status etter skolemøte")
    second = services.add_agenda_item(owner, meeting, private_case, note="Ny sak")
    return first, second
