"""The OIDC login's pages: start, callback from the provider, front-channel logout.

The protocol checks are in tverrnett.accounts.oidc; here the verified person is matched
to a user by the keyed hash of their identity number (`User.pid_hash`), and the session
is marked verified with an `OidcDevice`, so the access policy treats the login like
password + TOTP. Every refusal renders one page with a Norwegian message (status 403)
and writes an `auth.oidc_refused` audit entry with the reason's code.
"""

from importlib import import_module

from csp.constants import NONE
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from django_otp import login as otp_login

from tverrnett.access.rules import public
from tverrnett.accounts import oidc
from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import OidcDevice, OidcSession
from tverrnett.audit.services import record
from tverrnett.cases import identity_encryption

# URL names of the login kinds: /logg-inn/oidc/ansattporten/ and /logg-inn/oidc/idporten/.
SLUGS = {"ansattporten": "employee", "idporten": "citizen"}
SLUG_OF = {kind: slug for slug, kind in SLUGS.items()}
LABELS = {"employee": "Ansattporten", "citizen": "ID-porten"}

# Session key of the invitation token whose link the person followed and chose to
# accept with Ansattporten (`useradmin.views.accept_view` sets it); the first OIDC login
# of an unknown person in that session accepts it.
SESSION_INVITATION_TOKEN = "oidc_invitation_token"  # noqa: S105 (a session key)


def _kind(slug):
    kind = SLUGS.get(slug)
    if kind is None or kind not in settings.OIDC_CLIENTS:
        raise Http404
    return kind


def _callback_uri(request, kind):
    return request.build_absolute_uri(reverse("accounts:oidc_callback", args=[SLUG_OF[kind]]))


def _refusal_message(reason):
    if reason in {"wrong_state", "no_login_started", "login_expired"}:
        return _(
            "The login could not be completed: it was not started from this page, "
            "or it took too long. Start the login again."
        )
    if reason == "acr_too_low":
        return _(
            "You logged in at a lower security level than Tverrnett requires. "
            "Log in again with a login method at a higher level (for example BankID)."
        )
    if reason == "unknown_person":
        return _(
            "You do not have a user in Tverrnett. Ask your agency's administrator to "
            "invite you, and use the link in the invitation the first time you log in."
        )
    if reason == "no_membership":
        return _(
            "Your user is not attached to any active agency. Contact your agency's administrator."
        )
    if reason == "provider_unreachable":
        return _("The login service cannot be reached just now. Try again in a few minutes.")
    return _(
        "The answer from the login service could not be verified, so you are not logged "
        "in. Start the login again. If it happens again, contact your agency's administrator."
    )


def refuse(request, reason, *, kind="", user=None):
    record(
        "auth.oidc_refused",
        actor=user,
        detail={"kind": kind, "reason": reason},
        request=request,
    )
    return render(
        request,
        "accounts/oidc_refused.html",
        {"message": _refusal_message(reason)},
        status=403,
    )


@public
@require_GET
@never_cache
def oidc_start_view(request, slug):
    kind = _kind(slug)
    from tverrnett.accounts.views import _safe_next

    try:
        url, flow = oidc.start(
            kind, _callback_uri(request, kind), _safe_next(request, request.GET.get("next"))
        )
    except oidc.OidcError as error:
        return refuse(request, error.reason, kind=kind)
    request.session[oidc.SESSION_FLOW] = flow
    return redirect(url)


@public
@require_GET
@never_cache
def oidc_callback_view(request, slug):
    kind = _kind(slug)
    # One use only: a second answer to the same login finds no flow.
    flow = request.session.pop(oidc.SESSION_FLOW, None)
    if flow is not None and flow.get("kind") != kind:
        flow = None
    try:
        verified = oidc.finish(flow, request.GET, _callback_uri(request, kind))
    except oidc.OidcError as error:
        return refuse(request, error.reason, kind=kind)
    if kind == "citizen":
        return _complete_own_access(request, verified)
    user = find_user(verified.pid)
    invitation_token = request.session.pop(SESSION_INVITATION_TOKEN, None)
    if invitation_token:
        user = accept_invitation_at_login(request, invitation_token, verified.pid, user)
    if user is None:
        return refuse(request, "unknown_person", kind=kind)
    membership = user.active_memberships().first()
    if membership is None:
        return refuse(request, "no_membership", kind=kind, user=user)
    return _complete_login(request, user, membership, verified, flow)


def find_user(pid):
    """The active user bound to this identity number, or None."""
    hashes = identity_encryption.hashes_to_match(pid)
    if not hashes:
        return None
    return get_user_model().objects.filter(pid_hash__in=hashes, is_active=True).first()


class _NotBound(Exception):
    pass


def accept_invitation_at_login(request, token, pid, user=None):
    """A login through Ansattporten from an invitation link. For a person Tverrnett does
    not know yet (`user` None), the invitation creates their user (without a password)
    and membership, and the login's identity number is bound to it, all or nothing; None
    when the invitation is no longer pending, its e-mail address is a username already,
    or the number is bound to someone else. A known user gets the invitation's
    membership, and stays who they are when the invitation is no longer pending."""
    from django.core.exceptions import ValidationError

    # useradmin builds on accounts; imported here so accounts does not depend on it.
    from tverrnett.useradmin import services as useradmin

    if user is not None:
        try:
            return useradmin.accept_invitation(token, user=user, request=request)
        except useradmin.InvitationInvalid:
            return user
    try:
        with transaction.atomic():
            user = useradmin.accept_invitation(token, national_login=True, request=request)
            if bind_pid_to_user(user.pk, pid, request=request) is None:
                raise _NotBound
    except (useradmin.InvitationInvalid, ValidationError, _NotBound):
        return None
    return user


def bind_pid_to_user(user_id, pid, *, request=None):
    """Bind the identity number `pid` (as its keyed hash) to the active user `user_id`
    and return the user, or None when there is no such user, the user has a number
    already, or another user has this number. The binding is audited."""
    User = get_user_model()
    if find_user(pid) is not None:
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None or user.pid_hash:
            return None
        user.pid_hash = identity_encryption.keyed_hash(pid)
        user.save(update_fields=["pid_hash"])
        record("auth.oidc_bound", actor=user, target=user, request=request)
    return user


def _complete_login(request, user, membership, verified, flow):
    with transaction.atomic():
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        device, _created = OidcDevice.objects.get_or_create(
            user=user, name=LABELS[verified.kind], defaults={"confirmed": True}
        )
        otp_login(request, device)
        request.session[SESSION_MEMBERSHIP_KEY] = membership.pk
        request.agency = membership.agency
        _remember_oidc_session(request, verified, user)
        record(
            "auth.login",
            actor=user,
            detail={"method": f"oidc_{verified.kind}", "acr": verified.acr},
            request=request,
        )
    return redirect(flow.get("next") or reverse(settings.LOGIN_REDIRECT_URL))


def _remember_oidc_session(request, verified, user):
    """What single logout needs: the ID token for `id_token_hint` (it holds the pid, so
    encrypted like one) and, for front-channel logout, the session this login opened."""
    request.session[oidc.SESSION_ID_TOKEN] = identity_encryption.encrypt_text(verified.id_token)
    request.session[oidc.SESSION_KIND] = verified.kind
    if request.session.session_key is None:
        request.session.save()
    if verified.sid:
        OidcSession.objects.create(
            issuer=verified.issuer,
            sid=verified.sid,
            session_key=request.session.session_key,
            user=user,
        )


def _complete_own_access(request, verified):
    """An ID-porten login is the person's own access to their plan (L33), never a
    user's login: the person is no user (tverrnett.ownaccess)."""
    # ownaccess builds on accounts; imported here so accounts does not depend on it.
    from tverrnett.ownaccess import services as own_access

    with transaction.atomic():
        own_access.begin(request, verified.pid, acr=verified.acr)
        _remember_oidc_session(request, verified, None)
    return redirect("ownaccess:plan")


def provider_logout(request, *, return_to):
    """Before a local logout of an OIDC login: where the browser goes next to end the
    provider's session too (its end-session endpoint, which sends it back to
    `return_to`), as the context of `single_logout_page`; None when the session had no
    OIDC login. Reads the session, so call it before the session ends."""
    id_token = oidc.stored_id_token(request.session)
    kind = request.session.get(oidc.SESSION_KIND)
    if request.session.session_key:
        OidcSession.objects.filter(session_key=request.session.session_key).delete()
    if not id_token or kind not in settings.OIDC_CLIENTS:
        return None
    end_session = oidc.end_session_url(kind, id_token, request.build_absolute_uri(return_to))
    if not end_session:
        return None
    return {"end_session_url": end_session, "service": LABELS[kind]}


def single_logout_page(request, context):
    """After the local logout: a page that moves on to the provider by itself, not a
    redirect: the logout is a form, and the CSP's form-action ('self') also governs
    where its redirects may go."""
    return render(request, "accounts/oidc_logout.html", context)


@public
@require_GET
@never_cache
@xframe_options_exempt
def frontchannel_logout_view(request):
    """OpenID Connect Front-Channel Logout: the provider loads this in a hidden frame
    with `iss` and `sid` when the person logs out elsewhere. Ends every Tverrnett
    session that login opened. Answers 200 whatever happens (the provider does not
    read the answer)."""
    issuer = request.GET.get("iss", "")
    sid = request.GET.get("sid", "")
    if issuer and sid and issuer in oidc.issuers():
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for row in OidcSession.objects.filter(issuer=issuer, sid=sid).select_related("user"):
            store(session_key=row.session_key).delete()
            record(
                "auth.logout",
                actor=row.user,
                detail={"method": "oidc_frontchannel"},
                request=request,
            )
            row.delete()
    response = HttpResponse("", content_type="text/plain")
    # The provider's logout page frames this: allow its origins, and only them.
    response._csp_replace = {"frame-ancestors": oidc.provider_origins() or [NONE]}
    return response
