import logging

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from tverrnett.access import policy
from tverrnett.access.rules import LOGIN_STEP, MEMBER, PERSON, PUBLIC, rule_of
from tverrnett.accounts.views import TIMEOUT_FLAG

logger = logging.getLogger(__name__)


class DenyByDefaultMiddleware:
    """Refuses every view that has not declared an access rule, and enforces the rule."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        rule = rule_of(view_func)
        if rule is None:
            logger.error("Refused %s: the view declares no access rule", request.path)
            raise PermissionDenied("This view has not declared an access rule.")
        if rule in (PUBLIC, LOGIN_STEP):
            return None
        if rule == MEMBER:
            if not policy.is_fully_authenticated(request.user):
                return _to_login(request)
            if request.agency is None:
                raise PermissionDenied("The user acts for no active agency.")
            return None
        if rule == PERSON:
            from tverrnett.ownaccess.services import identity_hashes

            if not identity_hashes(request):
                return redirect("ownaccess:start")
            return None
        raise PermissionDenied(f"Unknown access rule {rule!r}")


def _session_ended(request):
    """The browser sent a session cookie, but its session is gone: the idle timeout (or
    an expiry) ended it. A logged-out browser's session still exists, without a user."""
    cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    return bool(cookie) and request.session.session_key != cookie


def _to_login(request):
    login_url = reverse(settings.LOGIN_URL)
    if _session_ended(request):
        # The login page says why; the browser keeps the typed form (static/js/drafts.js).
        login_url += f"?{TIMEOUT_FLAG}=1"
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = login_url
        return response
    return redirect_to_login(request.get_full_path(), login_url)
