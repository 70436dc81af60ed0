"""The idle timeout without a database write on every request (issue 22 item 3).

The session's expiry slides from its last save (SESSION_COOKIE_AGE after it). Saving
on every request (SESSION_SAVE_EVERY_REQUEST) cost an UPDATE and a COMMIT per page;
instead a request saves the session only when its last save (kept in the session as
TOUCHED_KEY) is at least `touch_seconds()` old, or when it changed anyway. So the
session ends between SESSION_IDLE_TIMEOUT_MINUTES minus one touch interval and
SESSION_IDLE_TIMEOUT_MINUTES after the last request: never later than the timeout,
at most a minute earlier (docs/security.md).
"""

import time
from datetime import UTC, datetime

from django.conf import settings

TOUCHED_KEY = "_touched"


def touch_seconds():
    """How old the last save may get before a request saves again: SESSION_TOUCH_SECONDS
    (a minute), or a quarter of a very short timeout, so a timeout of one minute still
    slides."""
    return max(1, min(settings.SESSION_TOUCH_SECONDS, settings.SESSION_COOKIE_AGE // 4))


def touch(request):
    """Save the session at the end of this request whatever its age (the keep-alive)."""
    request.session.modified = True


def ends_at(session):
    """When the session ends if no request comes: its last save plus the idle timeout."""
    touched = session.get(TOUCHED_KEY) or time.time()
    return datetime.fromtimestamp(touched + settings.SESSION_COOKIE_AGE, tz=UTC)


class SessionTouchMiddleware:
    """Right inside SessionMiddleware: decides on the way out whether this request
    saves the session (SessionMiddleware saves it when it is marked modified)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only a session this request loaded and that exists: no new session for an
        # anonymous visitor, no load just to decide.
        if session is None or not session.accessed or session.is_empty():
            return response
        now = int(time.time())
        touched = session.get(TOUCHED_KEY)
        if session.modified or touched is None or now - touched >= touch_seconds():
            session[TOUCHED_KEY] = now
        return response
