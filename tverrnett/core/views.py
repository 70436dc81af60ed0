from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tverrnett.access import policy
from tverrnett.access.rules import member, public
from tverrnett.announcements.services import unread_announcements_for
from tverrnett.audit.models import AuditEntry
from tverrnett.cases.services import break_glass_reviews_for, overdue_tasks_for_coordinator

UNREAD_ON_START_PAGE = 5
OVERDUE_ON_START_PAGE = 10


@member
@require_GET
def home(request):
    memberships = list(request.user.active_memberships())
    # The login before this one, so a user notices a login that was not theirs.
    previous_logins = AuditEntry.objects.filter(
        action="auth.login", actor_id=request.user.pk
    ).order_by("-id")[1:2]
    # Announcements from the user's networks they have not opened yet (N6).
    unread_announcements = list(unread_announcements_for(request.user)[:UNREAD_ON_START_PAGE])
    # The coordinator's overdue tasks, across every case the role coordinates (X2).
    overdue_tasks = list(overdue_tasks_for_coordinator(request.user)[:OVERDUE_ON_START_PAGE])
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "previous_login": next(iter(previous_logins), None),
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
            "unread_announcements": unread_announcements,
            "overdue_tasks": overdue_tasks,
            # Managers review their agency's break-glass accesses (L43); asked only of them.
            "break_glass_to_review": (
                break_glass_reviews_for(request.user).count()
                if any(m.role in policy.AGENCY_MANAGER_ROLES for m in memberships)
                else 0
            ),
        },
    )


@public
@require_GET
@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@public
@require_GET
def accessibility_statement(request):
    return render(request, "core/accessibility.html")


def csrf_failure(request, reason=""):
    """Django's CSRF failure view, in the user's language and our layout."""
    return render(request, "403_csrf.html", status=403)
