"""The log review's worker jobs (run by `notices.jobs.run_due`, so `run_worker` runs
them with the others). Both are sweeps that are safe to run every minute and on two
workers at once.

- `draw_samples`: from the first of a month on, draws last month's sample of ordinary
  reads for every agency that has a privacy officer, once (`MonthlySample` is unique
  per agency and month).
- `send_digests`: once a week, in the first hours of the week's first working day
  (Monday morning), each privacy officer whose agency has items waiting gets one e-mail that
  says only how many items wait, with a link to the review page. Keyed per agency, user
  and ISO week (`log-review:<agency>:<year>-W<week>:<user>`), so it is sent at most once
  a week. Weekly, not daily: the review is periodic work, and a daily e-mail about the
  same items would teach the officer to ignore it.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.logreview import services
from tverrnett.logreview.models import MonthlySample
from tverrnett.notices import emails
from tverrnett.notices.models import Delivery


def draw_samples(now):
    """Last month's sample for each reviewing agency that has none yet; how many drawn."""
    today = timezone.localdate(now)
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    agencies = services.reviewing_agencies().exclude(
        pk__in=MonthlySample.objects.filter(month=last_month).values("agency_id")
    )
    return sum(services.draw_sample(agency, last_month) is not None for agency in agencies)


# The digest goes out on the first working day of the week, in the first hours of the
# working day: a window, not one minute, so a worker restarted meanwhile still sends it.
# An agency with nothing waiting is counted again on each run in the window (a bounded
# scan of its last DEFAULT_PERIOD_DAYS), and gets no e-mail that week.
DIGEST_WINDOW_HOURS = 3


def _due_this_week(now):
    local = timezone.localtime(now)
    hours = settings.LOG_REVIEW
    start = hours["WORK_START_HOUR"]
    return (
        local.weekday() == min(hours["WORK_DAYS"])
        and start <= local.hour < start + DIGEST_WINDOW_HOURS
    )


def send_digests(now):
    """The weekly e-mail to each privacy officer with items waiting; how many sent."""
    if not _due_this_week(now):
        return 0
    year, week, _day = timezone.localdate(now).isocalendar()
    officers = (
        Membership.objects.filter(
            role=MembershipRole.PRIVACY_OFFICER,
            is_active=True,
            agency__is_active=True,
            user__is_active=True,
        )
        .select_related("user", "agency__municipality")
        .order_by("agency_id", "pk")
    )
    if not officers:
        return 0
    wanted = [
        (membership, f"log-review:{membership.agency_id}:{year}-W{week:02d}:{membership.user_id}")
        for membership in officers
    ]
    sent_before = set(
        Delivery.objects.filter(key__in=[key for _m, key in wanted]).values_list("key", flat=True)
    )
    counts = {}
    sent = 0
    for membership, key in wanted:
        if key in sent_before:
            continue
        if membership.agency_id not in counts:
            counts[membership.agency_id] = services.waiting_count(
                membership.agency, timezone.localdate(now)
            )
        waiting = counts[membership.agency_id]
        if waiting:
            sent += emails.deliver(membership.user, key=key, kind=f"log-review:{waiting}")
    return sent
