"""Audit entries for what happens at the door: failed logins and lockouts.

Successful logins, logouts and MFA enrolment are recorded by the views that
do them (tverrnett.accounts.views), where the agency is known.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.utils.translation import gettext_noop

from tverrnett.audit import actions, services

actions.register(
    "auth.login",
    gettext_noop("Logged in (password and second factor, or Ansattporten/ID-porten)"),
)
actions.register(
    "auth.login_failed", gettext_noop("A login attempt failed (password or second factor)")
)
actions.register("auth.lockout", gettext_noop("Too many failed logins; the username is locked out"))
actions.register("auth.logout", gettext_noop("Logged out"))
actions.register("auth.mfa_enrolled", gettext_noop("Enrolled an authenticator app (TOTP)"))
actions.register(
    "auth.oidc_refused", gettext_noop("An OIDC login (ID-porten/Ansattporten) was refused")
)
actions.register(
    "auth.oidc_bound", gettext_noop("An OIDC login was bound to the user (identity number hash)")
)
actions.register("auth.agency_switched", gettext_noop("Switched which agency the user acts for"))


def _attempted_username(credentials):
    # Only the username: never the password, which axes and Django already
    # mask but which must not reach the log whatever they do.
    return str((credentials or {}).get("username", ""))[:150]


@receiver(user_login_failed)
def record_failed_login(sender, credentials, request=None, **kwargs):
    stage = (credentials or {}).get("stage", "password")
    services.record(
        "auth.login_failed",
        detail={"username": _attempted_username(credentials), "stage": stage},
        request=request,
    )


@receiver(user_locked_out)
def record_lockout(sender, request, username, ip_address, **kwargs):
    services.record("auth.lockout", detail={"username": str(username)[:150]}, request=request)
