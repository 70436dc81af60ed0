"""The worker's jobs (`manage.py run_worker`): escalations, the reminders other parts
need, and housekeeping (OIDC logout bookkeeping whose session is gone). Every job is a
sweep over the database for what is due at `now`; what it sends is keyed
(`emails.deliver`), so a second run at the same moment, or a run on a second machine,
sends nothing twice.

Reminders go to the coordinator role (holder and deputy) of the case, or to the assessor
of an assessment, and say only that there is a reminder, with a link to the start page
(never to the case: `emails.link_for`).
"""

import datetime

from django.conf import settings
from django.utils import timezone

from tverrnett.accounts.jobs import clean_oidc_sessions
from tverrnett.assessments.models import Assessment
from tverrnett.cases import undo
from tverrnett.cases.models import CaseState, ConcernCase, Task, TaskStatus
from tverrnett.consent.models import Consent
from tverrnett.exitwork.models import FollowUpReview
from tverrnett.logreview import jobs as log_review
from tverrnett.measures.models import OPEN_STATUSES, Measure
from tverrnett.notices import emails, services
from tverrnett.notices.models import Delivery
from tverrnett.plans.models import CURRENT_STATUSES, PlanRevision


def _coordinators(role):
    return [user for user in (role.holder, role.deputy) if user is not None]


def _remind(due):
    """`due`: (users, key) for each item a job finds due. An item stays due for days
    (an overdue measure), so the keys already sent are read in one query and only the rest
    are delivered; `emails.deliver` still refuses a key another worker took meanwhile."""
    wanted = [(user, f"{key}:{user.pk}") for users, key in due for user in users]
    sent_before = set(
        Delivery.objects.filter(key__in=[key for _user, key in wanted]).values_list(
            "key", flat=True
        )
    )
    return sum(
        emails.deliver(user, key=key, kind=f"reminder:{key.split(':')[0]}")
        for user, key in wanted
        if key not in sent_before
    )


_ROLE = ("coordinator_role__holder", "coordinator_role__deputy")


def consent_expiry(today):
    """L14: a consent on an open case ends within CONSENT_EXPIRY_WARNING_DAYS."""
    horizon = today + datetime.timedelta(days=settings.CONSENT_EXPIRY_WARNING_DAYS)
    consents = (
        Consent.objects.valid_on(today)
        .filter(ends_on__lte=horizon)
        .exclude(case__state=CaseState.CLOSED)
        .select_related(*(f"case__{name}" for name in _ROLE))
    )
    return _remind(
        (
            _coordinators(consent.case.coordinator_role),
            f"consent-expiry:{consent.pk}:{consent.ends_on}",
        )
        for consent in consents
    )


def measure_evaluations(today):
    """L24: a running measure has reached its evaluation date."""
    measures = (
        Measure.objects.filter(status__in=OPEN_STATUSES, evaluation_on__lte=today)
        .exclude(case__state=CaseState.CLOSED)
        .select_related(*(f"case__{name}" for name in _ROLE))
    )
    return _remind(
        (
            _coordinators(measure.case.coordinator_role),
            f"measure-evaluation:{measure.pk}:{measure.evaluation_on}",
        )
        for measure in measures
    )


def plan_revisions(today):
    """L33: a revision date of a current individual plan is near or past."""
    horizon = today + datetime.timedelta(days=settings.PLAN_REVISION_REMINDER_DAYS)
    revisions = (
        PlanRevision.objects.filter(
            done_at__isnull=True, due_on__lte=horizon, plan__status__in=CURRENT_STATUSES
        )
        .exclude(plan__case__state=CaseState.CLOSED)
        .select_related("plan__coordinator_role__holder", "plan__coordinator_role__deputy")
    )
    return _remind(
        (
            _coordinators(revision.plan.coordinator_role),
            f"plan-revision:{revision.pk}:{revision.due_on}",
        )
        for revision in revisions
    )


def overdue_first_decisions(now):
    """L27: a registered case still waits for its first decision after FIRST_DECISION_DAYS."""
    cutoff = now - datetime.timedelta(days=settings.FIRST_DECISION_DAYS)
    cases = ConcernCase.objects.filter(
        state=CaseState.REGISTERED, created_at__lt=cutoff
    ).select_related(*_ROLE)
    return _remind(
        (
            _coordinators(case.coordinator_role),
            f"first-decision:{case.pk}",
        )
        for case in cases
    )


def follow_up_reviews(today):
    """L29: a review after exit is due."""
    reviews = FollowUpReview.objects.filter(done_at__isnull=True, due_on__lte=today).select_related(
        *(f"case__{name}" for name in _ROLE)
    )
    return _remind(
        (
            _coordinators(review.case.coordinator_role),
            f"follow-up-review:{review.pk}:{review.due_on}",
        )
        for review in reviews
    )


def assessment_reviews(today):
    """L25: a signed assessment that nobody has superseded has reached its review date."""
    assessments = (
        Assessment.objects.filter(status="signed", review_on__lte=today, superseded_by__isnull=True)
        .exclude(case__state=CaseState.CLOSED)
        .select_related("assessor")
    )
    return _remind(
        (
            [assessment.assessor],
            f"assessment-review:{assessment.pk}:{assessment.review_on}",
        )
        for assessment in assessments
    )


def _task_people(task):
    """Who is reminded of a task: the colleague it was given to and the holder and deputy
    of its role. A task with neither names nobody in particular: its agency sees it in
    the task inbox, and nobody is e-mailed."""
    people = [task.assignee]
    if task.owner_role is not None:
        people += [task.owner_role.holder, task.owner_role.deputy]
    unique = {user.pk: user for user in people if user is not None and user.is_active}
    return list(unique.values())


def task_deadlines(today):
    """The task inbox: a task not done is reminded of TASK_REMINDER_DAYS before its
    deadline and again on the day, once each (the key names the deadline, so a moved
    deadline is reminded of again). A worker that did not run on the day sends the
    day's reminder no later: an old overdue task shows in the inbox instead."""
    horizon = today + datetime.timedelta(days=settings.TASK_REMINDER_DAYS)
    tasks = (
        Task.objects.filter(deadline__gte=today, deadline__lte=horizon)
        .exclude(status=TaskStatus.DONE)
        .exclude(case__state=CaseState.CLOSED)
        .select_related("assignee", "owner_role__holder", "owner_role__deputy")
    )
    return _remind(
        (
            _task_people(task),
            f"task-{'due' if task.deadline == today else 'soon'}:{task.pk}:{task.deadline}",
        )
        for task in tasks
    )


def information_request_deadlines(today):
    """Requests for information (consent.information_requests): an open request is
    reminded of to the asked agency's case workers TASK_REMINDER_DAYS before its deadline
    and again on the day, once each (the key names the deadline)."""
    from tverrnett.consent import information_requests

    due = information_requests.due_for_reminder(today, settings.TASK_REMINDER_DAYS)
    people = {}
    return _remind(
        (
            people.setdefault(
                info_request.recipient_agency_id,
                information_requests.reminder_people(info_request.recipient_agency_id),
            ),
            f"rfi-{'due' if info_request.deadline == today else 'soon'}:"
            f"{info_request.pk}:{info_request.deadline}",
        )
        for info_request in due
    )


def run_due(now=None):
    """Every job once, at `now`. Returns {job: how many sent or moved}."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "escalations": services.escalate_overdue(now),
        "consent_expiry": consent_expiry(today),
        "measure_evaluations": measure_evaluations(today),
        "plan_revisions": plan_revisions(today),
        "first_decisions": overdue_first_decisions(now),
        "follow_up_reviews": follow_up_reviews(today),
        "assessment_reviews": assessment_reviews(today),
        "task_deadlines": task_deadlines(today),
        "information_request_deadlines": information_request_deadlines(today),
        "log_review_samples": log_review.draw_samples(now),
        "log_review_digests": log_review.send_digests(now),
        "emails_retried": emails.retry_unsent(now),
        "oidc_sessions_cleaned": clean_oidc_sessions(now),
        "removals_forgotten": undo.forget_expired(now),
    }
