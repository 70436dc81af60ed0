"""Assessments, on the consent fixtures (one municipal network in Drammen).

`team_case` is the owner's adult case (Kari Nordmann) with Nav Drammen (the partner)
on the team; the owner (Drammen kommune – SLT) coordinates it. `instrument` is the
shipped needs-and-motivation profile. `assess` makes a whole assessment through the
services: started, every item rated, summarised and (unless told not to) signed.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tverrnett.accounts.models import MembershipRole
from tverrnett.assessments import services as assessment_services
from tverrnett.assessments.instruments import load_instruments
from tverrnett.assessments.models import Instrument

# The star import brings the autouse `audit_chain_stays_whole` too.
from tverrnett.cases.tests.conftest import audit_chain_stays_whole, signed_in  # noqa: F401
from tverrnett.consent.tests.conftest import *  # noqa: F403  (the case and consent fixtures)

INSTRUMENT = "behov-og-motivasjon"
SHIPPED = Path(__file__).resolve().parents[1] / "instruments" / "behov-og-motivasjon-1.0.yaml"


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


@pytest.fixture
def instrument(db):
    load_instruments()
    return Instrument.objects.get(code=INSTRUMENT, version="1.0")


def first_options(instrument):
    """Every item rated with its scale's first option: {item code: rating}."""
    return {
        item["code"]: {"value": instrument.options_of(domain["code"])[0]}
        for domain in instrument.definition["domains"]
        for item in domain["items"]
    }


@pytest.fixture
def manager_of_owner(make_user, owner_agency):
    """A line manager of the owner's agency: registers its raters' certifications."""
    return signed_in(make_user("leder", owner_agency, MembershipRole.LINE_MANAGER))


@pytest.fixture
def assess(owner, instrument):
    def assess(case, *, actor=None, ratings=None, sign=True, on=None, supersedes=None, **tags):
        actor = actor or owner
        day = on or days_ago(1)
        assessment = assessment_services.start_assessment(
            actor, case, instrument=instrument, assessed_on=day, supersedes=supersedes
        )
        assessment_services.save_draft(
            actor,
            assessment,
            version=assessment.version,
            ratings={**first_options(instrument), **(ratings or {})},
            summary="Motivert, men usikker på bolig.",
            recommended_measures="Boligavklaring med Nav.",
            assessed_on=day,
            review_on=day + datetime.timedelta(days=90),
        )
        if sign:
            assessment_services.sign_assessment(
                actor,
                assessment,
                version=assessment.version,
                confidentiality="confidential",
                **tags,
            )
        return assessment

    return assess
