"""The records lifecycle on the demo data: the demo's cases, the schedule loaded, and
the SLT's records officer (arkiv.demo) acting for Drammen kommune – SLT."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from tverrnett.cases.models import CaseState, ConcernCase
from tverrnett.cases.tests.conftest import audit_chain_stays_whole  # noqa: F401
from tverrnett.records import services

EXIT_PERSON = "Eksempel Exitsen (fiktiv)"


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True  # the demo command refuses otherwise
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    services.load_schedule()


def acting(user, membership=None):
    """What the middleware does in a request: the user acts for one membership, with both
    factors passed."""
    user.acting_membership = membership or user.memberships.get(is_active=True)
    user.is_verified = lambda: True
    return user


@pytest.fixture
def records_officer(demo):
    return acting(get_user_model().objects.get(username="arkiv.demo"))


@pytest.fixture
def exit_case(demo):
    return ConcernCase.objects.get(subject__name=EXIT_PERSON)


def close(case, on, review_on=None):
    """Close `case` on the day `on` (the closing and its gates are tested in cases and
    exitwork), with the reviews after exit that closing an exit case schedules (L29)."""
    from tverrnett.exitwork.services import schedule_follow_up_reviews

    closed_at = timezone.make_aware(datetime.datetime.combine(on, datetime.time(12)))
    ConcernCase.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED, closed_at=closed_at, review_on=review_on
    )
    case.refresh_from_db()
    with time_machine.travel(closed_at, tick=False):  # the reviews count from the closing
        schedule_follow_up_reviews(None, case, None, CaseState.CLOSED, None)
    return case
