"""The worker's log review jobs: last month's sample drawn once at the start of a month,
and the weekly digest to the privacy officer, sent once, saying only how many items
wait."""

import datetime
import random

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tverrnett.audit.models import AuditEntry
from tverrnett.logreview import jobs, services
from tverrnett.logreview.models import MonthlySample
from tverrnett.logreview.tests.conftest import TUESDAY, at
from tverrnett.notices import jobs as notice_jobs
from tverrnett.notices.emails import absolute

pytestmark = pytest.mark.django_db

DECEMBER_FIRST = at(datetime.date(2026, 12, 1), 0, 5)
# The Monday after TUESDAY: the digest goes out in the first hours of the working day.
MONDAY = TUESDAY + datetime.timedelta(days=6)


@pytest.fixture
def november(read, colleague, owner, owner_agency, case, register):
    """Four ordinary daytime reads and one at night in November."""
    other = register(person={"name": "Per Person", "birth_year": 2004})
    ordinary = [
        read(at(TUESDAY, 9), colleague, owner_agency, case),
        read(at(TUESDAY, 10), owner, owner_agency, other),
        read(at(TUESDAY, 14), colleague, owner_agency, other),
        read(at(TUESDAY + datetime.timedelta(days=1), 9), owner, owner_agency, case),
    ]
    late = read(at(TUESDAY, 23), colleague, owner_agency, case)
    return ordinary, late


def test_last_months_sample_is_drawn_once_from_ordinary_reads(officer, owner_agency, november):
    ordinary, late = november

    with time_machine.travel(DECEMBER_FIRST, tick=False):
        assert jobs.draw_samples(DECEMBER_FIRST) == 1
        assert jobs.draw_samples(DECEMBER_FIRST) == 0

    sample = MonthlySample.objects.get()
    assert (sample.agency, sample.month) == (owner_agency, datetime.date(2026, 11, 1))
    assert len(sample.entry_ids) == 2  # SAMPLE_SIZE in the tests
    assert set(sample.entry_ids) <= {entry.pk for entry in ordinary}
    assert late.pk not in sample.entry_ids
    assert sample.population == 4
    drawn = AuditEntry.objects.get(action="logreview.sample_drawn")
    assert drawn.detail == {"month": "2026-11", "size": 2, "population": 4}


def test_a_sample_is_drawn_only_for_agencies_with_a_privacy_officer(owner_agency, november):
    with time_machine.travel(DECEMBER_FIRST, tick=False):
        assert jobs.draw_samples(DECEMBER_FIRST) == 0

    assert not MonthlySample.objects.exists()


def test_the_draw_is_random_but_stable(officer, owner_agency, november):
    first = services.draw_sample(owner_agency, datetime.date(2026, 11, 1), random.Random(1))  # noqa: S311  (a seeded draw)
    again = services.draw_sample(owner_agency, datetime.date(2026, 11, 1), random.Random(2))  # noqa: S311

    assert first is not None
    assert again is None
    assert MonthlySample.objects.get().entry_ids == first.entry_ids


def test_the_worker_runs_both_jobs(officer, owner_agency, november):
    with time_machine.travel(DECEMBER_FIRST, tick=False):
        results = notice_jobs.run_due(DECEMBER_FIRST)

    assert results["log_review_samples"] == 1
    assert results["log_review_digests"] == 0  # a Tuesday at midnight


def test_the_weekly_digest_says_only_how_many_items_wait(
    officer, owner_agency, november, case, django_capture_on_commit_callbacks
):
    ordinary, late = november
    monday = at(MONDAY, 8)

    with (
        time_machine.travel(monday, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert jobs.send_digests(monday) == 1
        assert jobs.send_digests(at(MONDAY, 9)) == 0

    [message] = mail.outbox
    assert message.to == [officer.email]
    assert message.subject == "Loggposter venter på kontrollen din i Tverrnett"
    assert "1 loggpost venter på kontroll." in message.body
    assert absolute(reverse("logreview:review")) in message.body
    for secret in (case.reference, "Ola", "kollega", owner_agency.name, f"/{late.pk}/"):
        assert secret not in message.body
        assert secret not in message.subject


def test_no_digest_outside_monday_morning_or_with_nothing_waiting(
    officer, november, django_capture_on_commit_callbacks
):
    tuesday = at(MONDAY + datetime.timedelta(days=1), 8)
    later = at(datetime.date(2027, 2, 1), 8)  # a Monday; November is out of the period
    with django_capture_on_commit_callbacks(execute=True):
        for moment in (at(MONDAY, 6), tuesday, later):  # before working hours, not Monday
            with time_machine.travel(moment, tick=False):
                assert jobs.send_digests(moment) == 0

    assert mail.outbox == []
