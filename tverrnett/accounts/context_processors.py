from django.conf import settings

from tverrnett.accounts.sessions import touch_seconds

# The idle warning shows this long before the session ends, or halfway with a short timeout.
WARNING_SECONDS = 120


def session_timeout(request):
    """What static/js/session.js needs to warn before the idle timeout (base.html puts it
    on <body> for a logged-in user): the timeout and how long before it to warn."""
    seconds = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    warning = min(WARNING_SECONDS, seconds // 2)
    return {
        "session_seconds": seconds,
        "session_warning_seconds": warning,
        # A request slides the expiry only when the last save is this old, so the
        # session may end this much before `seconds` after the last request.
        "session_touch_seconds": touch_seconds(),
        # For the dialog's text: whole minutes, rounded up.
        "session_warning_minutes": -(-warning // 60),
    }
