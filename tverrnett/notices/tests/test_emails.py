"""Each e-mail is sent once (issue 18, item 4): deliveries are claimed before they are
sent, so two workers retrying after a mail outage do not both send them; a claim that
runs out (the worker died) makes the delivery claimable again."""

import datetime
import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from tverrnett.notices import emails
from tverrnett.notices.models import Delivery
from tverrnett.notices.tests import recording_mail

PENDING = 50


def _in_own_connection(function):
    """Run `function` in a thread with its own database connection, which commits (the
    test's own connection holds a transaction that other connections cannot see)."""
    result, errors = [], []

    def run():
        try:
            result.append(function())
        except BaseException as error:  # noqa: BLE001  (raised again in the test's thread)
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@pytest.fixture
def outage_backlog():
    """PENDING e-mails to five users, recorded during a mail outage: the first attempt
    failed and its claim has run out. Committed, and removed afterwards."""
    User = get_user_model()

    def create():
        users = [
            User.objects.create(username=f"epost-kappløp-{n}", email=f"bruker{n}@test.example")
            for n in range(5)
        ]
        past = timezone.now() - datetime.timedelta(minutes=10)
        Delivery.objects.bulk_create(
            Delivery(
                key=f"race:{n}",
                user=users[n % 5],
                kind="notice",
                url="/varsler/",
                sent_at=past,
                claimed_by="a worker that failed",
                claimed_until=past + emails.RETRY_AFTER,
            )
            for n in range(PENDING)
        )
        return [user.pk for user in users]

    def remove(user_ids):
        Delivery.objects.filter(user_id__in=user_ids).delete()
        User.objects.filter(pk__in=user_ids).delete()

    user_ids = _in_own_connection(create)
    yield
    _in_own_connection(lambda: remove(user_ids))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="real concurrent connections need PostgreSQL (SQLite's test database is in memory)",
)
def test_two_workers_retrying_after_an_outage_send_each_e_mail_once(settings, outage_backlog):
    """Regression: the retry selected the unsent deliveries without claiming them, so two
    workers sent almost every one twice."""
    settings.EMAIL_BACKEND = "tverrnett.notices.tests.recording_mail.EmailBackend"
    recording_mail.SENT.clear()
    start = threading.Barrier(2)
    counts, errors = [], []

    def worker():
        try:
            start.wait(timeout=10)
            counts.append(emails.retry_unsent())
        except BaseException as error:  # noqa: BLE001  (reported in the test's thread)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    assert len(recording_mail.SENT) == PENDING  # today: almost 2 × PENDING
    message_ids = Counter(message_id for _to, message_id in recording_mail.SENT)
    assert [twice for twice, count in message_ids.items() if count > 1] == []
    assert len(message_ids) == PENDING
    assert sum(counts) == PENDING
    assert (
        _in_own_connection(
            lambda: Delivery.objects.filter(key__startswith="race:", emailed=False).count()
        )
        == 0
    )


@pytest.fixture
def recipient(django_user_model):
    return django_user_model.objects.create(username="mottaker", email="mottaker@test.example")


def test_a_claim_holds_until_it_runs_out_and_then_the_e_mail_goes_once_more(recipient, mailoutbox):
    """The crash window that is left, made explicit: a worker claims an e-mail, the mail
    server accepts it, and the worker dies before it marks it sent. Nobody sends it while
    the claim holds; once it ran out, it is sent once more, with the same Message-ID."""
    now = timezone.now()
    Delivery.objects.create(key="crash:1", user=recipient, kind="notice", url="/varsler/")
    claimed = emails.claim_next(now)
    assert claimed.claimed_by and claimed.claimed_until > now
    emails._mail(recipient, claimed.kind, emails.message_id(claimed))  # accepted; then killed

    assert emails.retry_unsent(now) == 0
    assert emails.retry_unsent(now + emails.RETRY_AFTER - datetime.timedelta(seconds=1)) == 0
    ran_out = now + emails.RETRY_AFTER + datetime.timedelta(seconds=1)
    assert emails.retry_unsent(ran_out) == 1
    assert emails.retry_unsent(ran_out + emails.RETRY_AFTER * 2) == 0

    assert len(mailoutbox) == 2
    first, second = (message.extra_headers["Message-ID"] for message in mailoutbox)
    assert first == second == emails.message_id(claimed)
    delivery = Delivery.objects.get(key="crash:1")
    assert delivery.emailed and delivery.claimed_by != claimed.claimed_by


def test_a_delivery_claimed_by_another_worker_is_not_taken(recipient, mailoutbox):
    now = timezone.now()
    held = Delivery.objects.create(
        key="held",
        user=recipient,
        kind="notice",
        url="/varsler/",
        claimed_by="another worker",
        claimed_until=now + datetime.timedelta(minutes=1),
    )
    free = Delivery.objects.create(key="free", user=recipient, kind="notice", url="/varsler/")

    assert emails.claim_next(now) == free
    assert emails.claim_next(now) is None
    held.refresh_from_db()
    assert held.claimed_by == "another worker"


def test_without_row_locks_a_worker_that_loses_the_compare_and_set_takes_the_next(
    recipient, monkeypatch
):
    """SQLite's path (no SELECT … FOR UPDATE): between reading the oldest free delivery and
    claiming it, another worker claimed it; the UPDATE changes nothing, and this worker
    claims the next one instead."""
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    now = timezone.now()
    taken, free = (
        Delivery.objects.create(key=key, user=recipient, kind="notice", url="/varsler/")
        for key in ("taken", "free")
    )
    read = emails._oldest_claimable
    stale = iter([taken.pk])

    def read_then_lose_the_race(when, **options):
        pk = next(stale, None)
        if pk is None:
            return read(when, **options)
        Delivery.objects.filter(pk=pk).update(
            claimed_by="the other worker", claimed_until=now + emails.RETRY_AFTER
        )
        return pk

    monkeypatch.setattr(emails, "_oldest_claimable", read_then_lose_the_race)
    assert emails.claim_next(now) == free
    taken.refresh_from_db()
    assert taken.claimed_by == "the other worker"


def test_the_message_id_is_the_same_for_every_attempt_and_differs_between_deliveries(recipient):
    one, other = (
        Delivery.objects.create(key=key, user=recipient, kind="notice", url="/varsler/")
        for key in ("one", "other")
    )
    assert emails.message_id(one) == emails.message_id(Delivery.objects.get(pk=one.pk))
    assert emails.message_id(one) != emails.message_id(other)
    # A keyed hash, not the id itself: it does not count the e-mails sent.
    local_part = emails.message_id(one).removeprefix("<").partition("@")[0]
    assert len(local_part) == 32 and local_part != str(one.pk)
