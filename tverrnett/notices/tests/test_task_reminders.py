"""The task inbox's reminders (issue 21, item 4): TASK_REMINDER_DAYS before a task's
deadline and on the day, once each, to the colleague it was given to and its role's
holder and deputy; an e-mail links to the task inbox and says nothing else."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from tverrnett.accounts.models import MembershipRole
from tverrnett.cases import services
from tverrnett.cases.models import TaskStatus
from tverrnett.notices import jobs
from tverrnett.notices.emails import absolute
from tverrnett.notices.models import Delivery
from tverrnett.notices.tests.conftest import assert_emails_say_nothing

pytestmark = pytest.mark.django_db

DEADLINE = timezone.localdate() + datetime.timedelta(days=10)


def at(day):
    """Noon on `day`, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def colleague(make_user, owner_agency):
    return make_user(
        "kollega", owner_agency, MembershipRole.CASE_WORKER, email="kollega@test.example"
    )


@pytest.fixture
def task(team_case, owner, slt_role, colleague):
    owner.email = "eier@test.example"
    owner.save(update_fields=["email"])
    task = services.add_task(
        owner,
        team_case,
        title="Ring Kari Nordmann",
        owner_agency=team_case.created_agency,
        owner_role=slt_role,
        deadline=DEADLINE,
    )
    services.assign_task(owner, task, assignee=colleague, version=task.version)
    return task


def run(day, capture):
    with time_machine.travel(at(day)), capture(execute=True):
        return jobs.run_due()["task_deadlines"]


def test_reminded_before_and_on_the_day_once_each(
    task, settings, django_capture_on_commit_callbacks
):
    settings.TASK_REMINDER_DAYS = 2
    capture = django_capture_on_commit_callbacks
    day = datetime.timedelta(days=1)

    assert run(DEADLINE - 3 * day, capture) == 0
    assert run(DEADLINE - 2 * day, capture) == 2  # the colleague and the role's holder
    assert run(DEADLINE - 2 * day, capture) == 0
    assert run(DEADLINE - day, capture) == 0
    assert run(DEADLINE, capture) == 2
    assert run(DEADLINE, capture) == 0
    assert run(DEADLINE + day, capture) == 0

    assert sorted(message.to[0] for message in mail.outbox) == [
        "eier@test.example",
        "eier@test.example",
        "kollega@test.example",
        "kollega@test.example",
    ]
    assert_emails_say_nothing()
    assert absolute("/oppgaver/") in mail.outbox[0].body
    assert "Kari" not in mail.outbox[0].body
    assert set(Delivery.objects.values_list("kind", flat=True)) == {
        "reminder:task-soon",
        "reminder:task-due",
    }


def test_a_moved_deadline_is_reminded_again(task, settings, django_capture_on_commit_callbacks):
    settings.TASK_REMINDER_DAYS = 2
    assert run(DEADLINE, django_capture_on_commit_callbacks) == 2
    later = DEADLINE + datetime.timedelta(days=3)
    type(task).objects.filter(pk=task.pk).update(deadline=later)

    assert run(later, django_capture_on_commit_callbacks) == 2


def test_no_reminder_for_a_done_task_or_a_closed_case(
    task, team_case, django_capture_on_commit_callbacks
):
    services.change_task_status(
        task.case.created_by, task, status=TaskStatus.DONE, version=task.version
    )
    assert run(DEADLINE, django_capture_on_commit_callbacks) == 0
    type(task).objects.filter(pk=task.pk).update(status=TaskStatus.OPEN)
    type(team_case).objects.filter(pk=team_case.pk).update(state="closed")
    assert run(DEADLINE, django_capture_on_commit_callbacks) == 0


def test_a_task_with_nobody_named_sends_nothing(
    team_case, owner, django_capture_on_commit_callbacks
):
    services.add_task(
        owner, team_case, title="Noen", owner_agency=team_case.created_agency, deadline=DEADLINE
    )
    # team_case's own task ("Ring skolen") names nobody either.
    assert run(DEADLINE, django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []
