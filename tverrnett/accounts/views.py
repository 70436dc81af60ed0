"""Logging in: password first, then a TOTP second factor (enrolled on first login).

Between the two steps the user is NOT logged in: the session only holds
whose password was right and when. Django's `login()` runs after the second
factor, so no view can mistake a half-finished login for a user.

An OIDC login (Ansattporten / ID-porten, tverrnett.accounts.oidc_views) is the
other way in; it marks the session verified the same way. LOGIN_METHODS decides
which ways a deployment offers.
"""

import time
from base64 import b32encode
from urllib.parse import quote

import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, login, logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access.rules import login_step, member, public
from tverrnett.accounts import sessions
from tverrnett.accounts.forms import PasswordLoginForm, TotpCodeForm
from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.audit.services import record

PENDING_USER = "mfa_pending_user_id"
PENDING_BACKEND = "mfa_pending_backend"
PENDING_SINCE = "mfa_pending_since"
PENDING_NEXT = "mfa_pending_next"
# The query flag on the login page after the idle timeout ended a session.
TIMEOUT_FLAG = "tidsavbrudd"
# Set in the fresh session at logout, read once by the login page.
LOGGED_OUT = "logged_out"


def _safe_next(request, candidate):
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _clear_pending(request):
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_SINCE, PENDING_NEXT):
        request.session.pop(key, None)


def _pending_user(request):
    """The user whose password was right in this session, if not too long ago."""
    user_id = request.session.get(PENDING_USER)
    since = request.session.get(PENDING_SINCE, 0)
    if user_id is None or time.time() - since > settings.MFA_PENDING_SECONDS:
        return None
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


@public
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.user.is_verified():
        # Still logged in (another tab kept the session alive): back to where the user was.
        return redirect(_safe_next(request, request.GET.get("next")))
    password_enabled = "password" in settings.LOGIN_METHODS
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and password_enabled and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            form.add_error(None, _("Wrong username or password."))
        elif not user.active_memberships().exists():
            form.add_error(
                None,
                _(
                    "Your user is not attached to any active agency. "
                    "Contact your agency's administrator."
                ),
            )
        else:
            # A fresh session key: what an attacker planted before login is worthless.
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_BACKEND] = user.backend
            request.session[PENDING_SINCE] = time.time()
            request.session[PENDING_NEXT] = _safe_next(request, request.GET.get("next"))
            return redirect("accounts:mfa")
    return render(request, "accounts/login.html", _login_context(request, form))


def _login_context(request, form):
    from tverrnett.accounts.oidc_views import LABELS, SLUG_OF

    next_url = request.GET.get("next", "")
    return {
        "form": form,
        # The idle timeout ended the session (access.middleware adds the flag): say why.
        "timed_out": request.GET.get(TIMEOUT_FLAG) == "1",
        "clear_drafts": request.session.pop(LOGGED_OUT, False),
        "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
        "password_enabled": "password" in settings.LOGIN_METHODS,
        "oidc_logins": [
            {
                "label": LABELS[kind],
                "url": reverse("accounts:oidc_start", args=[SLUG_OF[kind]])
                + (f"?next={quote(next_url)}" if next_url else ""),
            }
            for kind in settings.OIDC_CLIENTS
            if kind == "employee"
        ],
        # ID-porten is the person's own access to their plan, not an employee login.
        "own_access_offered": "citizen" in settings.OIDC_CLIENTS,
    }


@login_step
@require_http_methods(["GET", "POST"])
def mfa_view(request):
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        messages.info(request, _("Log in with your username and password first."))
        return redirect("accounts:login")

    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = _enrolment_device(user)

    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        credentials = {"username": user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return lockout_response(request, None, credentials)
        if device.verify_token(form.cleaned_data["code"]):
            return _complete_login(request, user, device, enrolling)
        form.add_error("code", _("The code is wrong or has expired. Try the newest code."))
        # A wrong code is a failed login: it counts toward the lockout and is audited.
        user_login_failed.send(
            sender=__name__, credentials={**credentials, "stage": "totp"}, request=request
        )

    context = {"form": form, "enrolling": enrolling, "pending_user": user}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=5, title=_("QR code for your authenticator app"), border=2
        )
        context["secret_groups"] = _secret_groups(device)
    return render(request, "accounts/mfa.html", context)


def _enrolment_device(user):
    """The unconfirmed authenticator being enrolled; one per user, kept across reloads."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Tverrnett", confirmed=False)
    return device


def _secret_groups(device):
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return [secret[i : i + 4] for i in range(0, len(secret), 4)]


def _complete_login(request, user, device, enrolling):
    next_url = request.session.get(PENDING_NEXT) or reverse(settings.LOGIN_REDIRECT_URL)
    backend = request.session.get(PENDING_BACKEND)
    membership = user.active_memberships().first()
    with transaction.atomic():
        if enrolling:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        _clear_pending(request)
        login(request, user, backend=backend)
        otp_login(request, device)
        request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
        request.agency = membership.agency
        if enrolling:
            record("auth.mfa_enrolled", actor=user, target=device, request=request)
        record("auth.login", actor=user, detail={"method": "password+totp"}, request=request)
    return redirect(next_url)


@login_step
@require_POST
def logout_view(request):
    from tverrnett.accounts.oidc_views import provider_logout, single_logout_page

    provider = provider_logout(request, return_to=reverse("accounts:login"))
    if request.user.is_authenticated:
        record("auth.logout", actor=request.user, request=request)
    logout(request)
    # The login page that follows clears the drafts this tab kept (static/js/drafts.js).
    request.session[LOGGED_OUT] = True
    messages.success(request, _("You are logged out."))
    if provider:
        return single_logout_page(request, provider)
    return redirect("accounts:login")


@member
@require_POST
def keep_alive_view(request):
    """ "Stay logged in" in the idle warning (static/js/session.js): slides the session's
    expiry now, whenever it was last saved (tverrnett.accounts.sessions); nothing else."""
    sessions.touch(request)
    return HttpResponse(status=204)


@member
@require_GET
def session_status_view(request):
    """Who the user is logged in as, for which agency, and when the session ends if
    idle. Reads only what the middleware loaded (a trivial page: the benchmarks measure
    the cost of any logged-in request with it); writes no audit entry."""
    return render(
        request,
        "accounts/session_status.html",
        {"ends_at": sessions.ends_at(request.session)},
    )


@member
@require_POST
def switch_agency_view(request):
    membership = request.user.active_memberships().filter(pk=request.POST.get("membership")).first()
    if membership is None:
        messages.error(request, _("Choose one of your own agencies."))
        return redirect("core:home")
    previous = request.membership
    request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
    request.agency = membership.agency
    request.membership = membership
    request.user.acting_membership = membership
    record(
        "auth.agency_switched",
        actor=request.user,
        agency=membership.agency,
        target=membership.agency,
        # From which membership (and agency) to which: access follows the one acted for.
        detail={
            "from_membership": getattr(previous, "pk", None),
            "from_agency": getattr(previous, "agency_id", None),
            "membership": membership.pk,
            "role": membership.role,
        },
        request=request,
    )
    messages.success(request, _("You now act for %(agency)s.") % {"agency": membership.agency})
    return redirect("core:home")


def lockout_response(request, original_response, credentials):
    """What a locked-out user sees (django-axes calls this)."""
    _clear_pending(request)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    lockout_message = _(
        "Too many failed attempts. The user is locked for %(minutes)d minutes. "
        "Contact your agency's administrator if you need access sooner."
    ) % {"minutes": minutes}
    return render(
        request,
        "accounts/login.html",
        {**_login_context(request, PasswordLoginForm()), "lockout_message": lockout_message},
        status=429,
    )
