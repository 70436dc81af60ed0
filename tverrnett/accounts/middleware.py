from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, _get_user_session_key
from django.utils.crypto import constant_time_compare
from django_otp.middleware import OTPMiddleware

from tverrnett.accounts.models import Membership

SESSION_MEMBERSHIP_KEY = "membership_id"

# The backend every login of ours names in the session (the password and the OIDC login).
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _acting_membership_with_user(request):
    """The session's membership with its user and agency, in one query, when the session
    names a user, the membership is active in an active agency, the user is active and
    the session's password hash still matches: all that Django's `get_user` and the
    agency middleware check. Any other case answers None, and the usual way decides
    (Django's `get_user` refuses or flushes; the agency middleware finds no membership)."""
    session = request.session
    membership_id = session.get(SESSION_MEMBERSHIP_KEY)
    if membership_id is None or session.get(BACKEND_SESSION_KEY) != _MODEL_BACKEND:
        return None
    if _MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS:
        return None
    try:
        user_id = _get_user_session_key(request)
    except KeyError:
        return None
    membership = (
        Membership.objects.filter(
            pk=membership_id,
            user_id=user_id,
            user__is_active=True,
            is_active=True,
            agency__is_active=True,
        )
        .select_related("user", "agency")
        .first()
    )
    if membership is None:
        return None
    session_hash = session.get(HASH_SESSION_KEY) or ""
    if not constant_time_compare(session_hash, membership.user.get_session_auth_hash()):
        # A changed password (or a rotated secret): Django's get_user decides.
        return None
    return membership


class VerifiedUserMiddleware(OTPMiddleware):
    """django-otp's middleware (request.user.otp_device, is_verified()), loading the user
    together with the membership they act for and its agency in one query (issue 22
    item 3): a logged-in request costs the session, this query and the device.

    Only when the session names an active membership of an active user; otherwise the
    user comes from Django's `get_user` as before. The device is checked on every
    request as django-otp does (deleted or unconfirmed: not verified).
    """

    def _verify_user_sync(self, request, user):
        membership = _acting_membership_with_user(request)
        request.preloaded_membership = membership
        if membership is not None:
            user = membership.user
        return super()._verify_user_sync(request, user)


class CurrentAgencyMiddleware:
    """Sets request.agency and request.membership: whom the user acts for now.

    A user may belong to several agencies; the session remembers which one
    they act for. A membership that has ended stops counting at once.

    The membership is also set on the user as `acting_membership` (None when the
    session names no active one), so the access policy decides every case question
    for that membership only, without every service taking the request
    (`tverrnett.access.policy.acting_membership`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.agency = None
        request.membership = None
        if request.user.is_authenticated and SESSION_MEMBERSHIP_KEY in request.session:
            # Loaded with the user (VerifiedUserMiddleware) when it is active; asked
            # again only when it was not (then it is ended, or the user differs).
            membership = getattr(request, "preloaded_membership", None)
            if membership is None or membership.user_id != request.user.pk:
                membership = (
                    Membership.objects.filter(
                        pk=request.session[SESSION_MEMBERSHIP_KEY],
                        user=request.user,
                        is_active=True,
                        agency__is_active=True,
                    )
                    .select_related("agency")
                    .first()
                )
            if membership is not None:
                request.membership = membership
                request.agency = membership.agency
        if request.user.is_authenticated:
            # The user is a lazy object: setting the attribute sets it on the user.
            request.user.acting_membership = request.membership
        return self.get_response(request)
