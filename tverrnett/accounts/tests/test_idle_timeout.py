"""The idle timeout (issue 21 item 8): the keep-alive the warning's button calls, and the
login page that says why the session ended."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session

from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

KEEP_ALIVE = "/hold-innlogget/"


def _end_session(client):
    """What the idle timeout does: the session is gone, the browser still has its cookie."""
    Session.objects.filter(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value).delete()


def test_the_keep_alive_answers_204_and_slides_the_session(client, login_as, owner):
    login_as(client, owner)
    session = Session.objects.get(session_key=client.session.session_key)
    before = session.expire_date
    entries = AuditEntry.objects.count()

    response = client.post(KEEP_ALIVE)

    assert response.status_code == 204
    assert response.content == b""
    assert Session.objects.get(pk=session.pk).expire_date >= before
    assert AuditEntry.objects.count() == entries


def test_the_keep_alive_takes_post_only(client, login_as, owner):
    login_as(client, owner)
    assert client.get(KEEP_ALIVE).status_code == 405


def test_the_keep_alive_does_not_start_a_session(client):
    response = client.post(KEEP_ALIVE)
    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")
    assert "tidsavbrudd" not in response.url


def test_the_keep_alive_needs_the_csrf_token(login_as, owner):
    from django.test import Client

    client = login_as(Client(enforce_csrf_checks=True), owner)
    assert client.post(KEEP_ALIVE).status_code == 403


def test_a_post_after_the_timeout_goes_to_the_login_page_that_says_why(client, login_as, owner):
    login_as(client, owner)
    _end_session(client)

    response = client.post("/saker/ny/identifisert/", {"summary": "Skrevet før tidsavbruddet"})

    assert response.status_code == 302
    assert response.url == "/logg-inn/?tidsavbrudd=1&next=/saker/ny/identifisert/"
    page = client.get(response.url).content.decode()
    minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
    assert f"Du ble logget ut fordi du var inaktiv i {minutes} minutter." in page
    # The typed text went nowhere: the browser keeps it (static/js/drafts.js).
    assert "Skrevet før tidsavbruddet" not in page
    assert "data-draft-note hidden" in page


def test_a_browser_that_never_logged_in_is_not_told_about_a_timeout(client):
    response = client.get("/saker/")
    assert response.status_code == 302
    assert "tidsavbrudd" not in response.url


def test_after_logout_the_login_page_clears_the_drafts_once(client, login_as, owner):
    login_as(client, owner)
    response = client.post("/logg-ut/", follow=True)
    assert "data-clear-drafts" in response.content.decode()
    assert "data-clear-drafts" not in client.get("/logg-inn/").content.decode()
    # Logged out is not timed out.
    assert "tidsavbrudd" not in client.get("/saker/").url


def test_a_user_still_logged_in_goes_back_to_next(client, login_as, owner):
    login_as(client, owner)
    response = client.get("/logg-inn/?tidsavbrudd=1&next=/saker/")
    assert response.status_code == 302
    assert response.url == "/saker/"
    assert client.get("/logg-inn/?next=https://example.com/").url == "/"


def test_a_logged_in_page_carries_the_timeout_and_the_warning(client, login_as, owner, settings):
    settings.SESSION_TOUCH_SECONDS = 60  # production's minute (settings_test has longer)
    login_as(client, owner)
    page = client.get("/").content.decode()
    seconds = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    assert f'data-session-seconds="{seconds}"' in page
    assert 'data-session-warning-seconds="120"' in page
    # The session is saved at most once a minute: the page warns that much earlier.
    assert 'data-session-touch-seconds="60"' in page
    assert "Du blir logget ut om 2 minutter på grunn av inaktivitet." in page
    assert "Forbli innlogget" in page
    assert 'action="/hold-innlogget/"' in page


def test_a_logged_out_page_has_no_timer(client):
    page = client.get("/logg-inn/").content.decode()
    assert "data-session-seconds" not in page
    assert "data-session-dialog" not in page
