"""E-mail through Django's e-mail backend (console in development, SMTP from settings).

An e-mail says only that something is waiting in Tverrnett, with a link to the inbox
(notices) or the start page (reminders): never a name, a subject line of a notice, a case
reference, a municipality, or a URL that names a case, a chain or what it is about.
Each e-mail is recorded as a `Delivery` under a key first, so the same e-mail is never
recorded twice (the worker may run a job again after a crash or on a second machine).

Sending is claimed (`claim_next`): a process takes a delivery with a lease
(`claimed_by`, `claimed_until`) in a short transaction, sends it outside the
transaction, and marks it sent right after the mail server accepted it. Two workers
retrying after a mail outage therefore never send the same e-mail. One window is left:
a process that dies after the server accepted an e-mail and before it marked it sent
leaves a claim that runs out, and the e-mail is sent again once (docs/architecture.md,
"The worker"). Its Message-ID is the same each time, so a receiving server or mail
client that de-duplicates on it shows it once.
"""

import datetime
import logging
import os
import socket
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from tverrnett.accounts.language import language_of
from tverrnett.notices.models import Delivery

logger = logging.getLogger(__name__)

# The only texts an e-mail has (L26: personal data stays in Tverrnett).
SUBJECTS = {
    "notice": gettext_noop("You have a new notice in Tverrnett"),
    "reminder": gettext_noop("You have a reminder in Tverrnett"),
    "log-review": gettext_noop("Log entries wait for your review in Tverrnett"),
}

# The log review's weekly digest (tverrnett.logreview.jobs): its kind carries the number
# of items waiting ("log-review:12"), the only thing the e-mail says about them.
LOG_REVIEW = "log-review"


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def link_for(kind):
    """Where an e-mail of `kind` points: the notices inbox for a notice, the task inbox for
    a task's reminder, the list of requests for information for theirs, the start page
    for other reminders, the log review page for its digest. Never a page of a case or a
    chain: a URL with an id in a mailbox says which case (or chain) exists and what it is about."""
    if kind.startswith(LOG_REVIEW):
        return reverse("logreview:review")
    if kind.startswith("reminder:task-"):
        return reverse("tasks:inbox")
    if kind.startswith("reminder:rfi-"):
        # A request for information: its deadline (the asked agency) or its answer
        # (the asker); the list of requests, never the request or the case.
        return reverse("consent:information_requests")
    return reverse("notices:inbox") if kind.startswith("notice") else reverse("core:home")


def _subject_key(kind):
    if kind.startswith(LOG_REVIEW):
        return LOG_REVIEW
    return "notice" if kind.startswith("notice") else "reminder"


def _waiting_line(kind):
    """For the log review digest: how many items wait (the number from its kind)."""
    count = kind.removeprefix(LOG_REVIEW + ":")
    if not kind.startswith(LOG_REVIEW + ":") or not count.isdigit():
        return None
    return ngettext(
        "%(count)s item waits for review.", "%(count)s items wait for review.", int(count)
    ) % {"count": int(count)}


def deliver(user, *, key, kind):
    """Send `user` the e-mail of `kind` once for `key`; True if sent now."""
    if user is None:
        return False
    path = link_for(kind)
    # Recorded already claimed by this process: the worker leaves it alone while this
    # process sends it (or, if the mail server fails, until the claim runs out).
    claim = _new_claim(timezone.now()) if user.email else {}
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(
                key=key[:200], user=user, kind=kind, url=path[:300], **claim
            )
    except IntegrityError:
        return False  # sent before: nothing twice
    if user.email:
        # Sent once the caller's transaction commits: a notice that was rolled back
        # is not announced.
        transaction.on_commit(lambda: _send(delivery, user, kind))
    return True


def _send(delivery, user, kind):
    """Send one claimed delivery and mark it sent at once: the shorter the time between
    the mail server's acceptance and the mark, the smaller the window in which a process
    that dies sends it twice. A mail server that fails leaves it unsent and claimed: the
    worker tries again when the claim runs out (`retry_unsent`), and the user's page
    works on."""
    try:
        _mail(user, kind, message_id(delivery))
    except OSError:
        logger.exception(
            "E-mail %s to user %s not sent; the worker will retry", delivery.pk, user.pk
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(emailed=True)
    return True


# How long a claim on a delivery holds: far longer than one SMTP exchange takes, and the
# wait before an e-mail that a failing mail server left unsent is tried again. An e-mail
# younger than this may still be on its way in the process that recorded it.
RETRY_AFTER = datetime.timedelta(minutes=5)


def _new_claim(now):
    """A claim no other claim shares: host, process and a random part."""
    name = f"{socket.gethostname()[:50]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    # From the later of `now` (a round's start, or a moment a test chose) and the clock:
    # a long round does not claim with a lease that has nearly run out.
    return {"claimed_by": name, "claimed_until": max(now, timezone.now()) + RETRY_AFTER}


def _claimable(now):
    """Unsent deliveries nobody holds a claim on (or whose claim ran out)."""
    return Q(emailed=False) & (Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))


def _oldest_claimable(now, *, lock=False):
    unsent = Delivery.objects.filter(_claimable(now)).exclude(user__email="").order_by("pk")
    if lock:
        unsent = unsent.select_for_update(skip_locked=True, of=("self",))
    return unsent.values_list("pk", flat=True).first()


def claim_next(now=None):
    """Claim the oldest unsent delivery that nobody else holds, for this process, until
    `now + RETRY_AFTER`; None when there is none. The claim is committed before the
    e-mail is sent, so no transaction stays open during the SMTP exchange.

    PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED in a short transaction, so a second
    worker skips the row this one is claiming instead of waiting for it. SQLite, which
    has no row locks: an UPDATE that sets the claim only where it is still free
    (compare-and-set); a worker that loses the race takes the next one.
    """
    now = now or timezone.now()
    claim = _new_claim(now)
    if connection.features.has_select_for_update_skip_locked:
        # No savepoint: nothing in it is caught, and a worker's round that finds
        # nothing to send costs one query.
        with transaction.atomic(savepoint=False):
            pk = _oldest_claimable(now, lock=True)
            if pk is None:
                return None
            Delivery.objects.filter(pk=pk).update(**claim)
    else:
        while True:
            pk = _oldest_claimable(now)
            if pk is None:
                return None
            # Compare-and-set: only if nobody claimed it since it was read.
            if Delivery.objects.filter(_claimable(now), pk=pk).update(**claim):
                break
    return Delivery.objects.select_related("user").get(pk=pk)


def retry_unsent(now=None):
    """Send the e-mails that are recorded but unsent and that nobody holds (a failing mail
    server left them, their claim ran out, or they were recorded for the worker to send);
    how many went now. Each is claimed before it is sent, so two workers running this
    at once send each e-mail once."""
    now = now or timezone.now()
    sent = 0
    # Each claim lasts beyond `now`, so the loop ends: a delivery it failed to send
    # is not claimable again in this round.
    while (delivery := claim_next(now)) is not None:
        sent += _send(delivery, delivery.user, delivery.kind)
    return sent


def message_id(delivery):
    """The e-mail's Message-ID: the same for every attempt at one delivery, so a receiving
    server or client can tell a second copy (the crash window above). A keyed hash of the
    delivery's id, so it does not tell how many e-mails Tverrnett has sent."""
    digest = salted_hmac("tverrnett.notices.delivery", str(delivery.pk)).hexdigest()[:32]
    domain = urlsplit(settings.SITE_URL).hostname or "tverrnett.invalid"
    return f"<{digest}@{domain}>"


def _mail(user, kind, message_id):
    # The link comes from the kind, not from the stored row: a delivery recorded before
    # e-mails stopped linking to cases is retried with the inbox or start page too.
    path = link_for(kind)
    # In the user's own language (issue 19, item 5), else the site's.
    with translation.override(language_of(user)):
        subject = _(SUBJECTS[_subject_key(kind)])
        waiting = _waiting_line(kind)
        body = "\n\n".join(
            [
                subject + ".",
                *([waiting] if waiting else []),
                _("Log in to read it:") + " " + absolute(path),
                _("This e-mail holds no information about the matter, by design."),
            ]
        )
    message = EmailMessage(
        subject,
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
        headers={"Message-ID": message_id},
    )
    message.send(fail_silently=False)


def tell_about_notice(notice, users, *, reason):
    for user in users:
        if user is not None:
            deliver(user, key=f"notice:{notice.pk}:{reason}:{user.pk}", kind="notice")
