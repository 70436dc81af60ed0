"""Cheap requests (issue 22 item 3): the idle timeout slides without a session write on
every request, the trivial member view /okt/ costs three queries, and loading the user
with the acting membership in one query checks all that the separate queries did."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.models import Membership
from tverrnett.accounts.sessions import TOUCHED_KEY, touch_seconds
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

START = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=settings.SESSION_IDLE_TIMEOUT_MINUTES)


def _session_writes(queries):
    return sum(
        1
        for query in queries
        if query["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in query["sql"]
    )


def _logged_in(client):
    response = client.get("/okt/")
    return response.status_code == 200


def test_idle_longer_than_the_timeout_logs_out(client, login_as, owner):
    with time_machine.travel(START, tick=False) as clock:
        login_as(client, owner)
        assert _logged_in(client)
        clock.shift(TIMEOUT + timedelta(seconds=1))
        response = client.get("/okt/")
        assert response.status_code == 302
        assert response.url.startswith("/logg-inn/")


def test_idle_just_short_of_the_timeout_minus_a_touch_keeps_the_session(client, login_as, owner):
    """The session ends at most one touch interval early, never later than the timeout."""
    with time_machine.travel(START, tick=False) as clock:
        login_as(client, owner)
        clock.shift(timedelta(seconds=30))
        assert _logged_in(client)
        clock.shift(TIMEOUT - timedelta(seconds=touch_seconds()) - timedelta(seconds=1))
        assert _logged_in(client)


def test_active_every_50_seconds_for_longer_than_the_timeout_stays_logged_in(
    client, login_as, owner
):
    with time_machine.travel(START, tick=False) as clock:
        login_as(client, owner)
        requests = int(2 * TIMEOUT.total_seconds() // 50) + 1
        with CaptureQueriesContext(connection) as queries:
            for _ in range(requests):
                clock.shift(timedelta(seconds=50))
                assert _logged_in(client)
        writes = _session_writes(queries.captured_queries)
        minutes = 2 * TIMEOUT.total_seconds() / 60
        # At most one write per minute of requests, and far fewer than one per request.
        assert 0 < writes <= minutes
        assert writes < requests


def test_requests_within_a_minute_write_the_session_once(client, login_as, owner, settings):
    settings.SESSION_TOUCH_SECONDS = 60  # production's minute (settings_test has longer)
    with time_machine.travel(START, tick=False) as clock:
        login_as(client, owner)
        clock.shift(timedelta(seconds=61))
        with CaptureQueriesContext(connection) as queries:
            for _ in range(10):
                assert _logged_in(client)
                clock.shift(timedelta(seconds=5))
        assert _session_writes(queries.captured_queries) == 1


def test_the_keep_alive_always_slides_the_session(client, login_as, owner):
    with time_machine.travel(START, tick=False) as clock:
        login_as(client, owner)
        assert _logged_in(client)
        clock.shift(timedelta(seconds=10))
        with CaptureQueriesContext(connection) as queries:
            assert client.post("/hold-innlogget/").status_code == 204
        assert _session_writes(queries.captured_queries) == 1
        assert client.session[TOUCHED_KEY] == int((START + timedelta(seconds=10)).timestamp())
        # The full timeout counts from the keep-alive.
        clock.shift(TIMEOUT - timedelta(seconds=1))
        assert _logged_in(client)


def test_an_anonymous_visit_starts_no_session(client):
    with CaptureQueriesContext(connection) as queries:
        client.get("/logg-inn/")
    assert _session_writes(queries.captured_queries) == 0


def test_the_session_page_costs_three_queries_and_writes_nothing(
    client, login_as, owner, django_assert_num_queries
):
    login_as(client, owner)
    client.get("/okt/")  # the first request after login touches the session
    entries = AuditEntry.objects.count()
    with django_assert_num_queries(3):
        response = client.get("/okt/")
    assert response.status_code == 200
    assert AuditEntry.objects.count() == entries


def test_the_session_page_says_who_for_whom_and_until_when(client, login_as, owner):
    with time_machine.travel(START, tick=False):
        login_as(client, owner)
        page = client.get("/okt/").content.decode()
    assert "<h1" in page and "Økten din" in page
    assert "eier" in page
    assert "Drammen kommune – SLT" in page
    # The timeout from the login, in the one date style (Europe/Oslo: UTC+1 in December).
    assert TIMEOUT == timedelta(minutes=30)
    assert '<time datetime="2026-12-07T09:30:00+01:00" data-session-ends>' in page
    assert "7. des. 2026 kl. 09.30</time>" in page
    assert 'action="/logg-ut/"' in page


def test_the_session_page_is_for_members_only(client):
    response = client.get("/okt/")
    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


def test_the_session_page_takes_get_only(client, login_as, owner):
    login_as(client, owner)
    assert client.post("/okt/").status_code == 405


def test_own_account_links_to_the_session_page(client, login_as, owner):
    login_as(client, owner)
    assert 'href="/okt/"' in client.get("/min-konto/").content.decode()


# The user and the acting membership in one query: every check still holds at once.


def test_an_ended_membership_stops_counting_at_once(client, login_as, owner):
    login_as(client, owner)
    assert _logged_in(client)
    Membership.objects.filter(user=owner).update(is_active=False)
    response = client.get("/okt/")
    assert response.status_code != 200
    assert "Drammen kommune" not in response.content.decode()


def test_a_deactivated_agency_stops_counting_at_once(client, login_as, owner, owner_agency):
    login_as(client, owner)
    assert _logged_in(client)
    type(owner_agency).objects.filter(pk=owner_agency.pk).update(is_active=False)
    assert client.get("/okt/").status_code != 200


def test_a_deactivated_user_is_logged_out_at_once(client, login_as, owner):
    login_as(client, owner)
    assert _logged_in(client)
    type(owner).objects.filter(pk=owner.pk).update(is_active=False)
    response = client.get("/okt/")
    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


def test_a_changed_password_ends_other_sessions(client, login_as, owner):
    login_as(client, owner)
    assert _logged_in(client)
    owner.set_password("Et-helt-nytt-passord-2026")
    owner.save()
    response = client.get("/okt/")
    assert response.status_code == 302
    # Django's get_user flushed the session.
    assert HASH_SESSION_KEY not in client.session


def test_a_removed_device_is_no_longer_verified(client, login_as, owner):
    login_as(client, owner)
    assert _logged_in(client)
    TOTPDevice.objects.filter(user=owner).delete()
    response = client.get("/okt/")
    assert response.status_code == 302


def test_an_unconfirmed_device_is_not_verified(client, login_as, owner):
    login_as(client, owner)
    TOTPDevice.objects.filter(user=owner).update(confirmed=False)
    assert client.get("/okt/").status_code == 302


def test_a_membership_of_another_user_named_in_the_session_does_not_count(
    client, login_as, owner, outsider
):
    login_as(client, owner)
    session = client.session
    session["membership_id"] = Membership.objects.get(user=outsider).pk
    session.save()
    response = client.get("/okt/")
    assert response.status_code != 200
    assert "Nav Oslo" not in response.content.decode()
