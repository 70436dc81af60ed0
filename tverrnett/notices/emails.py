"""E-mail through Django's e-mail backend (console in development, SMTP from settings).

An e-mail says only that something is waiting in Tverrnett, with a link to the inbox
(notices) or the start page (reminders): never a name, a subject line of a notice, a case
reference, a municipality, or a URL that names a case, a chain or what it is about.
Each e-mail is recorded as a `Delivery` under a key first, so the same e-mail is never
sent twice (the worker may run a job again after a crash or on a second machine).
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

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
    """Where an e-mail of `kind` points: the notices inbox for a notice, the start page for
    a reminder, the log review page for its digest. Never a page of a case or a chain: a
    URL with an id in a mailbox says which case (or chain) exists and what it is about."""
    if kind.startswith(LOG_REVIEW):
        return reverse("logreview:review")
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
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(key=key[:200], user=user, kind=kind, url=path[:300])
    except IntegrityError:
        return False  # sent before: nothing twice
    if user.email:
        # Sent once the caller's transaction commits: a notice that was rolled back
        # is not announced.
        transaction.on_commit(lambda: _send(delivery, user, kind))
    return True


def _send(delivery, user, kind):
    """Send one recorded delivery. A mail server that fails leaves it unsent: the worker
    tries again (`retry_unsent`), and the user's page works on."""
    try:
        _mail(user, kind)
    except OSError:
        logger.exception(
            "E-mail %s to user %s not sent; the worker will retry", delivery.pk, user.pk
        )
        return False
    Delivery.objects.filter(pk=delivery.pk).update(emailed=True)
    return True


# An e-mail still unsent this long after it was recorded failed (it is sent as soon as
# its transaction commits); younger ones may be on their way in another process.
RETRY_AFTER = datetime.timedelta(minutes=5)


def retry_unsent(now=None):
    """Send again the e-mails a failing mail server left unsent; how many went now."""
    cutoff = (now or timezone.now()) - RETRY_AFTER
    pending = (
        Delivery.objects.filter(emailed=False, sent_at__lt=cutoff)
        .exclude(user__email="")
        .select_related("user")
    )
    return sum(_send(delivery, delivery.user, delivery.kind) for delivery in pending)


def _mail(user, kind):
    # The link comes from the kind, not from the stored row: a delivery recorded before
    # e-mails stopped linking to cases is retried with the inbox or start page too.
    path = link_for(kind)
    with translation.override(settings.LANGUAGE_CODE):
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
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)


def tell_about_notice(notice, users, *, reason):
    for user in users:
        if user is not None:
            deliver(user, key=f"notice:{notice.pk}:{reason}:{user.pk}", kind="notice")
