"""Actors for guidance requests: the sender's agency (`owner`, Drammen kommune – SLT),
the receiving agency (`rvts_user` at RVTS Sør, or `nav_user` at Nav Grünerløkka), and
agencies outside the request (`partner`, `outsider`)."""

import pytest

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.geography.models import RvtsRegion
from tverrnett.geography.services import resolve_municipality
from tverrnett.guidance.models import Recipient, Topic
from tverrnett.guidance.services import request_guidance


def _answered(make_user, username, agency):
    """A receiving agency with someone on duty: requests go only where a user answers."""
    make_user(username, agency, MembershipRole.ADVISOR)
    return agency


@pytest.fixture
def rvts_sor(reference_data, make_agency, make_user):
    return _answered(
        make_user,
        "sor.vakt",
        make_agency(
            "RVTS Sør",
            AgencyType.RVTS,
            municipality=None,
            police_district=None,
            rvts_region=RvtsRegion.objects.get(code="sor"),
        ),
    )


@pytest.fixture
def rvts_ost(reference_data, make_agency, make_user):
    return _answered(
        make_user,
        "ost.vakt",
        make_agency(
            "RVTS Øst",
            AgencyType.RVTS,
            municipality=None,
            police_district=None,
            rvts_region=RvtsRegion.objects.get(code="ost"),
            phone="22 58 60 00",
            email="post@rvtsost.no",
        ),
    )


@pytest.fixture
def nav_grunerlokka(reference_data, make_agency, make_user):
    return _answered(
        make_user,
        "nav.vakt",
        make_agency(
            "Nav Grünerløkka",
            AgencyType.NAV,
            municipality=("0301", "Oslo"),
            police_district="oslo",
            phone="55 55 33 33",
        ),
    )


@pytest.fixture
def rvts_user(make_user, rvts_sor):
    return make_user("rita", rvts_sor, MembershipRole.ADVISOR, first_name="Rita")


@pytest.fixture
def nav_user(make_user, nav_grunerlokka):
    return make_user("nora", nav_grunerlokka, MembershipRole.CASE_WORKER, first_name="Nora")


@pytest.fixture
def send(owner):
    """Send a request as `owner` (Drammen kommune – SLT) straight through the service."""

    def send(
        municipality="3911",
        recipient=Recipient.RVTS,
        question="Hvordan starter vi en bekymringssamtale?",
        topic=Topic.GETTING_STARTED,
        actor=None,
    ):
        actor = actor or owner
        return request_guidance(
            actor,
            actor.active_memberships().first().agency,
            recipient=recipient,
            municipality=resolve_municipality(municipality),
            topic=topic,
            question=question,
        )

    return send
