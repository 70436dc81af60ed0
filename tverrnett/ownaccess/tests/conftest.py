"""The person's own access on the plan fixtures: Kari Nordmann's plan in Drammen, made
under a consent that asks for a plan, finalised so it is active, and her identity
number and birth date recorded (both invented)."""

import datetime
import time

import pytest

from tverrnett.accounts.sessions import TOUCHED_KEY
from tverrnett.cases import identity_encryption
from tverrnett.ownaccess import services as own_access
from tverrnett.plans import services as plan_services
from tverrnett.plans.tests.conftest import *  # noqa: F403  (the case, consent and plan fixtures)

PID = "01017012345"
OTHER_PID = "02028054321"


@pytest.fixture
def active_plan(owner, complete_plan):
    person = complete_plan.person
    person.identity_number = PID
    person.birth_date = datetime.date(1990, 1, 1)
    person.save()
    plan_services.finalise(owner, complete_plan, version=complete_plan.version)
    complete_plan.refresh_from_db()
    return complete_plan


@pytest.fixture
def as_person():
    """Give `client` the own-access session of the person with `pid`, as the ID-porten
    login does (tverrnett.accounts.tests.test_oidc logs in through the real provider)."""

    def as_person(client, pid=PID):
        session = client.session
        session[own_access.SESSION_KEY] = {"hashes": identity_encryption.hashes_to_match(pid)}
        session[TOUCHED_KEY] = int(time.time())  # as the login's response stamps it
        session.save()
        return client

    return as_person
