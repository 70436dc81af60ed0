"""Measures, on the concern-case fixtures (one municipal network in Drammen).

The case's coordinator is `owner` (SLT Drammen); `team_case` has the partner's
agency (Nav Drammen) on the team; the outsider (Nav Oslo) is on no team.
"""

import datetime

import pytest
from django.utils import timezone

from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.measures import services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType


@pytest.fixture
def measure_types(db):
    """The shipped catalogue, loaded; by code."""
    load_measure_types()
    return MeasureType.objects.in_bulk(field_name="code")


@pytest.fixture
def team_case(case, owner, partner_agency, open_to):
    """The owner's identified case with Nav Drammen (the partner) on the team, the whole
    case opened to it under a legal basis."""
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul Partner")
    open_to(case, partner_agency)
    return case


@pytest.fixture
def add(owner, measure_types):
    """Add a measure through the service, as the owner unless told otherwise."""

    def add(case, code="volunteer_mentor", *, actor=None, **fields):
        today = timezone.localdate()
        values = {
            "measure_type": measure_types[code],
            "goal": "Fast samtalepartner etter trening.",
            "responsible_agency": case.coordinator_role.agency,
            "start_on": today,
            "evaluation_on": today + datetime.timedelta(days=30),
            **fields,
        }
        return services.add_measure(actor or owner, case, **values)

    return add
