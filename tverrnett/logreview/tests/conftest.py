"""Log review, on the case fixtures: the owner's agency (Drammen kommune – SLT) has a
privacy officer (`officer`) and a case worker (`colleague`); `case` is the owner's case
in Drammen with the owner's agency on its team and coordinating it.

The log entries are written through `audit.services.record` with the clock moved
(time_machine), in the shape the app writes them (`cases.services.record_case_read`):
outside a request `record` cannot know the agency, so the helpers name it.
"""

import datetime
import zoneinfo

import pytest
import time_machine

from tverrnett.accounts.models import MembershipRole
from tverrnett.audit.services import record

# The star import brings the autouse `audit_chain_stays_whole` too.
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.cases.tests.conftest import signed_in

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
# A Tuesday in November 2026 (no daylight saving time: Oslo is UTC+1).
TUESDAY = datetime.date(2026, 11, 10)


def at(day, hour, minute=0):
    """An aware datetime on `day` at hour:minute, Oslo time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=OSLO)


@pytest.fixture(autouse=True)
def review_settings(settings):
    """Small, fixed thresholds, whatever the environment says."""
    settings.LOG_REVIEW = {
        **settings.LOG_REVIEW,
        "WORK_START_HOUR": 7,
        "WORK_END_HOUR": 17,
        "WORK_DAYS": (0, 1, 2, 3, 4),
        "MANY_CASES": 3,
        "MANY_CASES_MINUTES": 15,
        "DEFAULT_PERIOD_DAYS": 30,
        "MAX_PERIOD_DAYS": 92,
        "SAMPLE_SIZE": 2,
        "PER_PAGE": 50,
    }
    return settings.LOG_REVIEW


@pytest.fixture
def officer(make_user, owner_agency):
    return signed_in(
        make_user(
            "personvern",
            owner_agency,
            MembershipRole.PRIVACY_OFFICER,
            first_name="Petra",
            email="personvern@test.example",
        )
    )


@pytest.fixture
def colleague(make_user, owner_agency):
    return signed_in(
        make_user("kollega", owner_agency, MembershipRole.CASE_WORKER, first_name="Kari")
    )


@pytest.fixture
def log():
    """Write a log entry at a moment: `log(when, action, user, agency, target, detail)`."""

    def write(when, action, user, agency, target=None, **detail):
        with time_machine.travel(when, tick=False):
            return record(action, actor=user, agency=agency, target=target, detail=detail)

    return write


@pytest.fixture
def read(log):
    """A case read as `record_case_read` writes it: `read(when, user, agency, case)`."""

    def write(when, user, agency, case, parts=("summary",), path="team"):
        membership = user.memberships.get(agency=agency)
        return log(
            when,
            "case.viewed",
            user,
            agency,
            case,
            parts=sorted(parts),
            path=path,
            membership=membership.pk,
            role=membership.role,
            person=case.subject_id,
        )

    return write
