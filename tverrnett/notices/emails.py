"""E-mail through Django's e-mail backend (console in development, SMTP from settings).

An e-mail says only that something is waiting in Tverrnett, with a link: never a
name, a subject line of a notice, a case reference or anything else about a person.
Each e-mail is recorded as a `Delivery` under a key first, so the same e-mail is never
sent twice (the worker may run a job again after a crash or on a second machine).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.notices.models import Delivery

# The only texts an e-mail has (L26: personal data stays in Tverrnett).
SUBJECTS = {
    "notice": gettext_noop("You have a new notice in Tverrnett"),
    "reminder": gettext_noop("You have a reminder in Tverrnett"),
}


def absolute(path):
    return settings.SITE_URL.rstrip("/") + path


def deliver(user, *, key, kind, path):
    """Send `user` the e-mail of `kind` about `path` once for `key`; True if sent now."""
    if user is None:
        return False
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(key=key[:200], user=user, kind=kind, url=path[:300])
    except IntegrityError:
        return False  # sent before: nothing twice
    if user.email:
        # Sent once the caller's transaction commits: a notice that was rolled back
        # is not announced.
        transaction.on_commit(lambda: _send(delivery, user, kind, path))
    return True


def _send(delivery, user, kind, path):
    with translation.override(settings.LANGUAGE_CODE):
        subject = _(SUBJECTS["notice" if kind.startswith("notice") else "reminder"])
        body = "\n\n".join(
            [
                subject + ".",
                _("Log in to read it:") + " " + absolute(path),
                _("This e-mail holds no information about the matter, by design."),
            ]
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)
    Delivery.objects.filter(pk=delivery.pk).update(emailed=True)


def tell_about_notice(notice, users, *, reason):
    path = reverse("notices:detail", args=[notice.chain_id])
    for user in users:
        if user is not None:
            deliver(user, key=f"notice:{notice.pk}:{reason}:{user.pk}", kind="notice", path=path)
