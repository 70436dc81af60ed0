import datetime
import time

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, current_code
from tverrnett.accounts import views
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _password_step(client, username, password=PASSWORD, next_url=None):
    url = "/logg-inn/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": password})


def _actions():
    return list(AuditEntry.objects.values_list("action", flat=True))


def test_it_logs_in_with_password_then_totp(client, owner):
    response = _password_step(client, "eier")
    assert response.status_code == 302
    assert response.url == "/logg-inn/kode/"

    # Between the steps the user is not logged in.
    assert client.get("/").status_code == 302

    response = client.post("/logg-inn/kode/", {"code": current_code(owner)})
    assert response.status_code == 302
    assert response.url == "/"

    home = client.get("/")
    assert home.status_code == 200
    assert "Drammen kommune – SLT" in home.content.decode()
    login = AuditEntry.objects.get(action="auth.login")
    assert (login.actor_id, login.agency_name) == (owner.pk, "Drammen kommune – SLT")
    assert login.request_id


def test_it_refuses_a_wrong_password_in_norwegian_and_audits_it(client, owner):
    response = _password_step(client, "eier", "feil-passord")

    assert response.status_code == 200
    assert "Feil brukernavn eller passord." in response.content.decode()
    failed = AuditEntry.objects.get(action="auth.login_failed")
    assert failed.detail == {"username": "eier", "stage": "password"}
    assert "feil-passord" not in str(failed.detail)


def test_it_requires_both_fields_with_messages_tied_to_them(client):
    response = client.post("/logg-inn/", {"username": "", "password": ""})

    page = response.content.decode()
    assert "Skriv inn brukernavnet ditt." in page
    assert 'aria-invalid="true"' in page


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, owner):
    for _ in range(5):
        _password_step(client, "eier", "feil-passord")

    response = _password_step(client, "eier", PASSWORD)

    assert response.status_code == 429
    assert "midlertidig sperret" in response.content.decode()
    assert "mfa_pending_user_id" not in client.session
    assert client.get("/logg-inn/kode/").status_code == 302
    assert "auth.lockout" in _actions()
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 6


def test_a_lockout_does_not_lock_other_users(client, owner, partner):
    for _ in range(6):
        _password_step(client, "eier", "feil-passord")

    assert _password_step(client, "partner").status_code == 302


def test_failures_are_counted_in_a_row_only(client, owner):
    for _ in range(4):
        _password_step(client, "eier", "feil-passord")
    _password_step(client, "eier")
    client.post("/logg-inn/kode/", {"code": current_code(owner)})
    client.post("/logg-ut/")

    for _ in range(4):
        _password_step(client, "eier", "feil-passord")

    assert _password_step(client, "eier").status_code == 302


def test_wrong_codes_count_toward_the_lockout(client, owner):
    _password_step(client, "eier")
    wrong = f"{(int(current_code(owner)) + 1) % 1000000:06d}"
    for _ in range(4):
        response = client.post("/logg-inn/kode/", {"code": wrong})
        assert "Koden er feil" in response.content.decode()

    response = client.post("/logg-inn/kode/", {"code": wrong})

    assert response.status_code == 429
    assert client.get("/").status_code == 302
    stages = AuditEntry.objects.filter(action="auth.login_failed").values_list("detail", flat=True)
    assert [detail["stage"] for detail in stages] == ["totp"] * 5


def test_the_code_step_expires(client, owner, settings):
    _password_step(client, "eier")
    session = client.session
    session[views.PENDING_SINCE] = time.time() - settings.MFA_PENDING_SECONDS - 1
    session.save()

    response = client.post("/logg-inn/kode/", {"code": current_code(owner)})

    assert response.status_code == 302
    assert response.url == "/logg-inn/"
    assert client.get("/").status_code == 302


def test_first_login_enrols_an_authenticator_with_a_qr_code(client, make_user, owner_agency):
    newcomer = make_user("ny", owner_agency, with_device=False)
    _password_step(client, "ny")

    page = client.get("/logg-inn/kode/").content.decode()
    assert "<svg" in page
    assert "Sett opp autentiseringsappen" in page
    device = TOTPDevice.objects.get(user=newcomer)
    assert not device.confirmed

    response = client.post("/logg-inn/kode/", {"code": current_code(newcomer)})

    assert response.url == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert _actions() == ["auth.mfa_enrolled", "auth.login"]


def test_a_user_without_an_active_agency_cannot_log_in(client, make_user):
    make_user("uten-etat")

    response = _password_step(client, "uten-etat")

    assert response.status_code == 200
    assert "ikke knyttet til noen aktiv etat" in response.content.decode()


def test_it_returns_to_the_page_asked_for_but_never_off_site(client, owner):
    _password_step(client, "eier", next_url="/tilgjengelighet/")
    assert client.post("/logg-inn/kode/", {"code": current_code(owner)}).url == "/tilgjengelighet/"
    client.post("/logg-ut/")

    # The same code cannot be used twice, so wait for a fresh user instead of a fresh code.
    owner.totpdevice_set.update(last_t=-1)
    _password_step(client, "eier", next_url="https://angriper.example/")
    assert client.post("/logg-inn/kode/", {"code": current_code(owner)}).url == "/"


def test_passwords_are_hashed_with_argon2(owner):
    assert owner.password.startswith("argon2")


def test_logout_ends_the_session_and_is_audited(client, login_as, owner):
    login_as(client, owner)

    assert client.get("/logg-ut/").status_code == 405
    response = client.post("/logg-ut/")

    assert response.url == "/logg-inn/"
    assert client.get("/").status_code == 302
    assert _actions() == ["auth.logout"]


@override_settings(SESSION_COOKIE_AGE=60)
def test_an_idle_session_ends(client, login_as, owner):
    login_as(client, owner)
    assert client.get("/").status_code == 200
    session = client.session
    session.set_expiry(-1)  # the idle time has run out
    session.save()

    response = client.get("/")

    assert response.status_code == 302
    assert response.url.startswith("/logg-inn/")


def test_a_request_a_minute_after_the_last_save_slides_the_idle_expiry(
    client, login_as, owner, settings
):
    """The session is saved at most once a minute (tverrnett/accounts/sessions.py)."""
    with time_machine.travel(timezone.now(), tick=False) as clock:
        login_as(client, owner)
        assert "sessionid" not in client.get("/").cookies  # saved at login: no write yet
        clock.shift(datetime.timedelta(seconds=settings.SESSION_TOUCH_SECONDS))

        response = client.get("/")

    assert response.cookies["sessionid"]["max-age"] == ""  # browser-session cookie
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
