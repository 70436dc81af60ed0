from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tverrnett.access import policy
from tverrnett.access.rules import member, public
from tverrnett.agencies.models import AgencyType
from tverrnett.announcements.services import unread_announcements_for
from tverrnett.assessments.services import reviews_due_for_assessor
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.services import break_glass_reviews_for, overdue_tasks_for_coordinator
from tverrnett.consent import information_requests
from tverrnett.consent import services as consent_services
from tverrnett.duplicates.services import duplicate_notices_for
from tverrnett.exitwork.services import follow_up_reviews_for_coordinator
from tverrnett.measures import services as measures_services
from tverrnett.notices import services as notice_services
from tverrnett.plans import services as plans_services

UNREAD_ON_START_PAGE = 5
OVERDUE_ON_START_PAGE = 10
MY_CASES_ON_START_PAGE = 5


def _first(rows, more, name, limit=OVERDUE_ON_START_PAGE):
    """The first `limit` of a reminder list, read as `limit` + 1 rows so the page can
    say there are more (`more[name]`) without counting them: the start page costs the
    same whether a coordinator has one overdue task or thousands."""
    rows = list(rows[: limit + 1])
    more[name] = len(rows) > limit
    return rows[:limit]


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
    # Every reminder list shows its first few and says whether there are more (`more`).
    more = {}
    # The coordinator's overdue tasks, across every case the role coordinates (X2).
    overdue_tasks = _first(
        overdue_tasks_for_coordinator(request.user, first=OVERDUE_ON_START_PAGE + 1),
        more,
        "overdue_tasks",
    )
    does_case_work = any(policy.does_case_work(m) for m in memberships)
    volunteers = any(m.agency.agency_type == AgencyType.VOLUNTARY_ORG for m in memberships)
    follow_ups, notices = (
        consent_services.open_sharing_work(request.user, OVERDUE_ON_START_PAGE + 1)
        if does_case_work or volunteers
        else ([], [])
    )
    follow_ups = _first(follow_ups, more, "follow_ups")
    notices = _first(notices, more, "notices")
    waiting_notices, overdue_sent_notices = notice_services.inbox(
        request.user, agency_ids={membership.agency_id for membership in memberships}
    )
    # Item 11 of issue 21: a clear first action and the user's own open cases.
    may_register = (
        does_case_work and case_services.registering_networks(request.user, request.agency).exists()
    )
    my_cases = (
        list(case_services.coordinated_open_cases(request.user)[:MY_CASES_ON_START_PAGE])
        if does_case_work
        else []
    )
    return render(
        request,
        "core/home.html",
        {
            "memberships": memberships,
            "may_register": may_register,
            "does_case_work": does_case_work,
            "my_cases": my_cases,
            # Possible duplicates for the user's coordinator roles (tverrnett.duplicates).
            "duplicate_notices": duplicate_notices_for(request.user) if does_case_work else [],
            "previous_login": next(iter(previous_logins), None),
            "idle_minutes": settings.SESSION_IDLE_TIMEOUT_MINUTES,
            "unread_announcements": unread_announcements,
            "overdue_tasks": overdue_tasks,
            # Measures past their evaluation date in cases the user coordinates (L24).
            # Reviews after exit, due within a month or overdue, for the coordinator (L29).
            "follow_up_reviews": (
                _first(follow_up_reviews_for_coordinator(request.user), more, "follow_up_reviews")
                if does_case_work
                else []
            ),
            # Signed assessments by the user whose review date has come (L25).
            "assessment_reviews": (
                _first(reviews_due_for_assessor(request.user), more, "assessment_reviews")
                if does_case_work
                else []
            ),
            "overdue_measures": (
                _first(
                    measures_services.overdue_measures_for_coordinator(request.user),
                    more,
                    "overdue_measures",
                )
                if does_case_work
                else []
            ),
            # Revision dates of individual plans passed without a new version, on plans the
            # user coordinates (L33).
            "overdue_revisions": (
                _first(
                    plans_services.overdue_revisions_for_coordinator(request.user),
                    more,
                    "overdue_revisions",
                )
                if does_case_work
                else []
            ),
            # Managers review their agency's break-glass accesses (L43); asked only of them.
            "break_glass_to_review": (
                break_glass_reviews_for(request.user).count()
                if any(m.role in policy.AGENCY_MANAGER_ROLES for m in memberships)
                else 0
            ),
            # Consent and sharing: the coordinator's expiry warnings (L14), the follow-ups
            # and notices waiting for the user's agencies (L06, L07, L13, L41).
            "consents_ending": (
                _first(consent_services.consents_ending_soon(request.user), more, "consents_ending")
                if does_case_work
                else []
            ),
            "follow_ups": follow_ups,
            "notices": notices,
            # Requests for information other agencies sent to the user's agency.
            "information_requests_waiting": (
                information_requests.open_received_count(
                    {
                        m.agency_id
                        for m in memberships
                        if policy.does_case_work(m) and policy.acts_for(request.user, m.agency_id)
                    }
                )
            ),
            # Notices along notification chains (X11.12): waiting for the user's roles, and
            # those the user's agencies sent that nobody acknowledged in time.
            "waiting_notices": _first(waiting_notices, more, "waiting_notices"),
            "overdue_sent_notices": _first(overdue_sent_notices, more, "overdue_sent_notices"),
            # L27: registered cases the user coordinates still waiting for a first decision.
            "overdue_first_decisions": (
                _first(
                    case_services.overdue_first_decisions_for_coordinator(request.user),
                    more,
                    "overdue_first_decisions",
                )
                if does_case_work
                else []
            ),
            # Voluntary organisations (L49): the declaration first, then their cases.
            "declaration_needed": (
                consent_services.needs_confidentiality_declaration(request.user)
                if volunteers
                else []
            ),
            "consent_cases": (
                _first(
                    policy.visible_cases(request.user).select_related("coordinator_role__agency"),
                    more,
                    "consent_cases",
                )
                if volunteers and not does_case_work
                else []
            ),
            "more": more,
            "first_shown": OVERDUE_ON_START_PAGE,
            "notices_url": reverse("notices:inbox"),
            "overdue_cases_url": reverse("cases:list") + "?overdue=on",
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
