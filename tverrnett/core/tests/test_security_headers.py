import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/logg-inn/")

    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_pages_refuse_framing_and_leak_no_referrer(client):
    response = client.get("/logg-inn/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_for_a_logged_in_user_are_not_cached(client, login_as, owner):
    login_as(client, owner)

    response = client.get("/")

    assert "no-store" in response["Cache-Control"]


def test_cookies_are_secure_and_http_only(client, owner):
    response = client.post("/logg-inn/", {"username": "eier", "password": "x"})

    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]
    session = client.post(
        "/logg-inn/", {"username": "eier", "password": "Et-langt-testpassord-42"}
    ).cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"


def test_a_form_sent_without_its_csrf_token_is_refused_in_norwegian(owner):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/logg-inn/", {"username": "eier", "password": "x"})

    assert response.status_code == 403
    assert "Skjemaet er utløpt" in response.content.decode()


@pytest.mark.parametrize("data", [{"q": "a\x00b"}, {"a\x00": "b"}])
def test_a_nul_character_in_a_query_or_a_form_is_refused_with_400(client, login_as, owner, data):
    """PostgreSQL cannot hold or compare NUL; views that read request.GET or request.POST
    directly never see one (issue 18, item 1)."""
    login_as(client, owner)

    assert client.get("/", data).status_code == 400
    response = client.post("/", data)
    assert response.status_code == 400
    assert "Forespørselen kunne ikke behandles" in response.content.decode()
