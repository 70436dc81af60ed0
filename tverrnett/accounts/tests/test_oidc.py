"""OIDC login (Ansattporten / ID-porten) against a real OpenID Provider: the npm
package `oidc-provider`, configured like ID-porten in tests/oidc_provider/server.js
and started once per test session. Django's test client plays our side; `requests`
plays the browser at the provider."""

import html
import re
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
import time_machine
from django_otp import DEVICE_ID_SESSION_KEY
from joserfc.jwk import RSAKey

from conftest import PASSWORD
from tverrnett.accounts import oidc
from tverrnett.accounts.models import MembershipRole, OidcDevice, OidcSession
from tverrnett.accounts.tests import oidc_op
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import identity_encryption

PID = "01017012345"
CALLBACK = "http://testserver/logg-inn/oidc/ansattporten/tilbake/"
ID_CALLBACK = "http://testserver/logg-inn/oidc/idporten/tilbake/"
HIGH = "idporten-loa-high"
SUBSTANTIAL = "idporten-loa-substantial"


@pytest.fixture(scope="session")
def client_key(tmp_path_factory):
    """Our private key for private_key_jwt, as a PEM file, with its registered kid."""
    key = RSAKey.generate_key(2048, parameters={"kid": "tverrnett-test-key"})
    path = tmp_path_factory.mktemp("client-key") / "client.pem"
    path.write_bytes(key.as_pem(private=True))
    return key, path


@pytest.fixture(scope="session")
def provider(tmp_path_factory, client_key):
    key, _path = client_key
    running = oidc_op.start(
        tmp_path_factory.mktemp("oidc"),
        [CALLBACK, ID_CALLBACK],
        ["http://testserver/logg-inn/", "http://testserver/min-plan/logg-inn/"],
        "http://testserver/logg-inn/oidc/utlogget/",
        public_jwk={**key.as_dict(private=False), "use": "sig", "alg": "RS256"},
    )
    yield running
    oidc_op.stop(running)


@pytest.fixture
def oidc_settings(settings, provider):
    settings.LOGIN_METHODS = ["password", "oidc_employee"]
    settings.OIDC_CLIENTS = {"employee": provider.client_settings()}
    return settings


@pytest.fixture
def employee(make_user, owner_agency):
    user = make_user("ansatt", owner_agency, MembershipRole.CASE_WORKER, with_device=False)
    user.pid_hash = identity_encryption.keyed_hash(PID)
    user.save(update_fields=["pid_hash"])
    return user


def begin(client):
    response = client.get("/logg-inn/oidc/ansattporten/")
    assert response.status_code == 302
    return response["Location"]


def at_provider(auth_url, *, pid=PID, acr=SUBSTANTIAL, browser=None, callback=CALLBACK):
    """Log in at the provider as `pid` at level `acr`; the callback URL it sends back."""
    browser = browser or requests.Session()
    response = browser.get(auth_url, allow_redirects=False, timeout=10)
    interaction = urljoin(auth_url, response.headers["Location"])
    response = browser.get(
        interaction, params={"pid": pid, "acr": acr}, allow_redirects=False, timeout=10
    )
    resume = urljoin(auth_url, response.headers["Location"])
    response = browser.get(resume, allow_redirects=False, timeout=10)
    answer = response.headers["Location"]
    assert answer.startswith(callback), answer
    return answer


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def refusals(reason):
    return AuditEntry.objects.filter(action="auth.oidc_refused", detail__reason=reason).count()


def assert_refused(response, reason):
    assert response.status_code == 403
    assert b'id="oidc-refusal"' in response.content
    assert refusals(reason) == 1
    assert "_auth_user_id" not in response.wsgi_request.session


def test_employee_logs_in_and_the_session_counts_as_verified(client, oidc_settings, employee):
    auth_url = begin(client)
    query = parse_qs(urlsplit(auth_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["acr_values"] == [SUBSTANTIAL]
    assert query["nonce"] and query["state"]

    response = client.get(local(at_provider(auth_url)))

    assert response.status_code == 302
    assert response["Location"] == "/"
    session = client.session
    assert session["_auth_user_id"] == str(employee.pk)
    device = OidcDevice.objects.get(user=employee)
    assert session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/").status_code == 200  # a member page: the policy's check passes
    entry = AuditEntry.objects.get(action="auth.login", actor_id=employee.pk)
    assert entry.detail == {"method": "oidc_employee", "acr": SUBSTANTIAL}
    assert PID not in str(entry.detail)


def test_wrong_state_is_refused(client, oidc_settings, employee):
    callback = at_provider(begin(client))
    response = client.get(local(callback.replace("state=", "state=x")))
    assert_refused(response, "wrong_state")


def test_replayed_code_is_refused(client, oidc_settings, employee, django_user_model):
    callback = at_provider(begin(client))
    flow = client.session[oidc.SESSION_FLOW]
    assert client.get(local(callback)).status_code == 302

    from django.test import Client

    attacker = Client()
    session = attacker.session
    session[oidc.SESSION_FLOW] = flow
    session.save()
    response = attacker.get(local(callback))
    assert_refused(response, "token_refused")


def test_a_second_answer_to_the_same_login_is_refused(client, oidc_settings, employee):
    callback = at_provider(begin(client))
    assert client.get(local(callback)).status_code == 302
    client.logout()
    assert_refused(client.get(local(callback)), "no_login_started")


def test_wrong_nonce_is_refused(client, oidc_settings, employee):
    auth_url = begin(client)
    session = client.session
    session[oidc.SESSION_FLOW] = {**session[oidc.SESSION_FLOW], "nonce": "not-the-one-sent"}
    session.save()
    assert_refused(client.get(local(at_provider(auth_url))), "wrong_nonce")


def test_too_low_acr_is_refused(client, oidc_settings, provider, employee):
    oidc_settings.OIDC_CLIENTS = {"employee": provider.client_settings(acr_values=[HIGH])}
    auth_url = begin(client)
    assert parse_qs(urlsplit(auth_url).query)["acr_values"] == [HIGH]
    # The provider answers at substantial although high was asked for.
    assert_refused(client.get(local(at_provider(auth_url, acr=SUBSTANTIAL))), "acr_too_low")


def test_high_acr_is_accepted_where_only_high_is_allowed(client, oidc_settings, provider, employee):
    oidc_settings.OIDC_CLIENTS = {"employee": provider.client_settings(acr_values=[HIGH])}
    response = client.get(local(at_provider(begin(client), acr=HIGH)))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_expired_id_token_is_refused(client, oidc_settings, employee):
    oidc_settings.OIDC_LOGIN_SECONDS = 3600
    callback = at_provider(begin(client))
    # The provider's ID tokens live 300 s; our clock is 20 minutes ahead of its.
    with time_machine.travel(timedelta(minutes=20)):
        response = client.get(local(callback))
    assert_refused(response, "token_expired")


def test_unknown_person_is_refused(client, oidc_settings, employee):
    response = client.get(local(at_provider(begin(client), pid="02027098765")))
    assert_refused(response, "unknown_person")


def _invitation(make_user, agency, mailoutbox, role=MembershipRole.CASE_WORKER):
    from tverrnett.useradmin import services as useradmin
    from tverrnett.useradmin.tests.conftest import token_from

    admin = make_user("admin", agency, MembershipRole.AGENCY_ADMIN)
    invitation = useradmin.invite(
        admin, agency, first_name="Nina", last_name="Ny", email="nina@example.org", role=role
    )
    return invitation, token_from(mailoutbox[-1])


def _accept_with_ansattporten(client, token):
    """The invitation page's Ansattporten button: on to the provider's login."""
    page = client.get(f"/invitasjon/{token}/")
    assert b'name="national_login"' in page.content
    response = client.post(f"/invitasjon/{token}/", {"national_login": "1"})
    assert response.status_code == 302
    return begin(client)


def test_an_invited_person_joins_with_ansattporten_at_the_first_login(
    client, oidc_settings, make_user, owner_agency, mailoutbox
):
    invitation, token = _invitation(
        make_user, owner_agency, mailoutbox, MembershipRole.LINE_MANAGER
    )

    response = client.get(
        local(at_provider(_accept_with_ansattporten(client, token), pid="02027098765"))
    )

    assert response.status_code == 302
    invitation.refresh_from_db()
    user = invitation.accepted_by
    assert user.username == "nina@example.org" and not user.has_usable_password()
    assert user.pid_hash == identity_encryption.keyed_hash("02027098765")
    assert "02027098765" not in user.pid_hash
    [membership] = user.active_memberships()
    assert (membership.agency, membership.role) == (owner_agency, MembershipRole.LINE_MANAGER)
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEntry.objects.filter(action="auth.oidc_bound", actor_id=user.pk).exists()
    accepted = AuditEntry.objects.get(action="accounts.invitation_accepted")
    assert accepted.detail["method"] == "national_login"
    # The link is used up: following it again opens nothing.
    assert client.get(f"/invitasjon/{token}/").status_code == 404


def test_an_invitation_taken_meanwhile_binds_nobody(
    client, oidc_settings, make_user, owner_agency, mailoutbox, django_user_model
):
    invitation, token = _invitation(make_user, owner_agency, mailoutbox)
    auth_url = _accept_with_ansattporten(client, token)
    invitation.revoked_at = invitation.created_at
    invitation.save(update_fields=["revoked_at"])
    users = django_user_model.objects.count()

    response = client.get(local(at_provider(auth_url, pid="02027098765")))

    assert_refused(response, "unknown_person")
    assert django_user_model.objects.count() == users
    assert (
        not django_user_model.objects.filter(pid_hash__isnull=False).exclude(pid_hash="").exists()
    )


def test_a_known_person_following_an_invitation_gets_its_membership(
    client, oidc_settings, employee, make_user, partner_agency, mailoutbox
):
    invitation, token = _invitation(make_user, partner_agency, mailoutbox)

    response = client.get(local(at_provider(_accept_with_ansattporten(client, token))))

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.pk)
    assert employee.active_memberships().filter(agency=partner_agency).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_by == employee


def test_logout_ends_the_session_here_and_at_the_provider(
    client, oidc_settings, provider, employee
):
    client.get(local(at_provider(begin(client))))
    stored = client.session[oidc.SESSION_ID_TOKEN]
    id_token = identity_encryption.decrypt(stored)
    assert id_token.count(".") == 2
    assert id_token.split(".")[1] not in stored  # the payload holds the pid: kept encrypted

    response = client.post("/logg-ut/")

    # A page that moves on to the provider (a redirect would break the CSP form-action).
    assert response.status_code == 200
    end_session = html.unescape(re.search(r'id="end-session" href="([^"]+)"', response.text)[1])
    assert f'content="0;url={html.escape(end_session)}"' in response.text
    target = urlsplit(end_session)
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(target.query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/logg-inn/"]
    assert "_auth_user_id" not in client.session
    assert not OidcSession.objects.exists()
    # The provider accepts the request (it knows the token and the redirect URI).
    assert requests.get(end_session, timeout=10).status_code == 200


def test_logout_at_the_provider_ends_the_session_here(client, oidc_settings, provider, employee):
    from django.test import Client

    browser = requests.Session()
    client.get(local(at_provider(begin(client), browser=browser)))
    assert client.get("/").status_code == 200

    # The person logs out at the provider (from another service, or its own page).
    page = browser.get(f"{provider.issuer}/session/end", timeout=10).text
    action = re.search(r'action="([^"]+)"', page).group(1)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page).group(1)
    page = browser.post(
        urljoin(provider.issuer, action),
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    ).text
    frames = [html.unescape(src) for src in re.findall(r'<iframe[^>]*src="([^"]+)"', page)]
    assert len(frames) == 1
    assert frames[0].startswith("http://testserver/logg-inn/oidc/utlogget/?")
    # The browser loads the frame: cross-site, so without our session cookie.
    response = Client().get(local(frames[0]))

    assert response.status_code == 200
    assert f"frame-ancestors {provider.issuer}" in response["Content-Security-Policy"]
    assert client.get("/").status_code == 302  # logged out: sent to the login page
    assert not OidcSession.objects.filter(user=employee).exists()
    assert AuditEntry.objects.filter(
        action="auth.logout", actor_id=employee.pk, detail__method="oidc_frontchannel"
    ).exists()


def test_front_channel_logout_from_another_issuer_changes_nothing(client, oidc_settings, employee):
    from django.test import Client

    client.get(local(at_provider(begin(client))))
    row = OidcSession.objects.get(user=employee)
    Client().get("/logg-inn/oidc/utlogget/", {"iss": "https://evil.example", "sid": row.sid})
    assert client.get("/").status_code == 200


def test_oidc_only_deployment_hides_the_password_form(client, oidc_settings, employee):
    oidc_settings.LOGIN_METHODS = ["oidc_employee"]
    page = client.get("/logg-inn/")
    assert b'name="password"' not in page.content
    assert b"/logg-inn/oidc/ansattporten/" in page.content
    # Even the right password leads nowhere when the deployment has no password login.
    response = client.post("/logg-inn/", {"username": "ansatt", "password": PASSWORD})
    assert response.status_code == 200
    assert "mfa_pending_user_id" not in client.session


def test_login_kind_not_configured_is_not_found(client, oidc_settings):
    assert client.get("/logg-inn/oidc/idporten/").status_code == 404


def test_oidc_settings_fail_closed():
    from tverrnett.core.tests.test_settings import _run

    check = ("-c", "import django; django.setup()")
    result = _run(*check, DEBUG="true", LOGIN_METHODS="password,oidc_employe")
    assert result.returncode != 0
    assert "LOGIN_METHODS must be" in result.stderr

    result = _run(*check, DEBUG="true", LOGIN_METHODS="oidc_employee", OIDC_EMPLOYEE_CLIENT_ID="x")
    assert result.returncode != 0
    assert "OIDC_EMPLOYEE_DISCOVERY_URL, _CLIENT_ID and _CLIENT_SECRET" in result.stderr

    base = {
        "DEBUG": "true",
        "LOGIN_METHODS": "oidc_employee",
        "OIDC_EMPLOYEE_DISCOVERY_URL": "https://example.invalid/.well-known/x",
        "OIDC_EMPLOYEE_CLIENT_ID": "x",
    }
    result = _run(*check, **base, OIDC_EMPLOYEE_CLIENT_AUTH="client_secret_basic")
    assert result.returncode != 0
    assert "OIDC_EMPLOYEE_CLIENT_AUTH must be" in result.stderr
    result = _run(*check, **base, OIDC_EMPLOYEE_CLIENT_AUTH="private_key_jwt")
    assert result.returncode != 0
    assert "'private_key_file', 'key_id'" in result.stderr


def test_citizen_login_through_id_porten_needs_level_high_and_is_no_users_login(
    client, settings, provider, employee
):
    """ID-porten is the person's own access to their plan (tverrnett.ownaccess), never
    an employee's login, even for someone who is also a user."""
    from tverrnett.ownaccess import services as own_access

    settings.LOGIN_METHODS = ["oidc_citizen"]
    settings.OIDC_CLIENTS = {"citizen": provider.client_settings(acr_values=[HIGH])}

    def login(acr):
        response = client.get("/logg-inn/oidc/idporten/")
        return client.get(local(at_provider(response["Location"], acr=acr, callback=ID_CALLBACK)))

    assert_refused(login(SUBSTANTIAL), "acr_too_low")
    response = login(HIGH)
    assert response.status_code == 302 and response["Location"] == "/min-plan/"
    assert "_auth_user_id" not in client.session
    assert client.session[own_access.SESSION_KEY]["hashes"] == identity_encryption.hashes_to_match(
        PID
    )
    assert PID not in str(dict(client.session))
    entry = AuditEntry.objects.get(action="own_access.login")
    assert entry.actor_id is None
    assert entry.detail == {"method": "oidc_citizen", "acr": HIGH}
    assert client.get("/").status_code == 302  # no member page


def test_unreachable_provider_is_a_clear_refusal(client, oidc_settings, provider, db):
    unreachable = {**provider.client_settings(), "discovery_url": "http://127.0.0.1:9/x"}
    oidc_settings.OIDC_CLIENTS = {"employee": unreachable}
    assert_refused(client.get("/logg-inn/oidc/ansattporten/"), "provider_unreachable")


def _key_settings(provider, path, key_id="tverrnett-test-key"):
    config = provider.client_settings()
    config.update(
        client_id=oidc_op.KEY_CLIENT_ID,
        client_secret="",
        client_auth="private_key_jwt",
        private_key_file=str(path),
        key_id=key_id,
    )
    return config


def test_private_key_jwt_client_authentication(
    client, oidc_settings, provider, client_key, employee
):
    """Digdir's recommended client authentication: a JWT signed with our key (kid in
    the header, aud the issuer, two minutes' lifetime) instead of a client secret."""
    _key, path = client_key
    oidc_settings.OIDC_CLIENTS = {"employee": _key_settings(provider, path)}
    response = client.get(local(at_provider(begin(client))))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(employee.pk)


def test_private_key_jwt_with_a_key_the_provider_does_not_know_is_refused(
    client, oidc_settings, provider, tmp_path, employee
):
    stranger = RSAKey.generate_key(2048)
    path = tmp_path / "other.pem"
    path.write_bytes(stranger.as_pem(private=True))
    oidc_settings.OIDC_CLIENTS = {"employee": _key_settings(provider, path)}
    assert_refused(client.get(local(at_provider(begin(client)))), "token_refused")


def test_the_client_assertion_is_shaped_as_digdir_asks(provider, client_key, settings):
    from joserfc import jwt as jose_jwt

    key, path = client_key
    settings.OIDC_CLIENTS = {"employee": _key_settings(provider, path)}
    method = oidc._DigdirPrivateKeyJWT(
        provider.issuer, oidc._private_key(str(path)), "tverrnett-test-key"
    )
    caller = SimpleNamespace(client_id=oidc_op.KEY_CLIENT_ID)
    assertion = method.sign(caller, oidc.metadata("employee")["token_endpoint"])
    decoded = jose_jwt.decode(assertion, key)
    assert decoded.header["kid"] == "tverrnett-test-key" and decoded.header["alg"] == "RS256"
    claims = decoded.claims
    assert claims["aud"] == provider.issuer
    assert claims["iss"] == claims["sub"] == oidc_op.KEY_CLIENT_ID
    assert claims["exp"] - claims["iat"] == oidc.CLIENT_ASSERTION_SECONDS and claims["jti"]


def test_front_channel_logout_ends_a_persons_own_access_too(client, settings, provider, db):
    """The person logged out at ID-porten (or another service): their own-access
    session here ends as well, though it belongs to no user."""
    from django.test import Client

    from tverrnett.ownaccess import services as own_access

    settings.LOGIN_METHODS = ["oidc_citizen"]
    settings.OIDC_CLIENTS = {"citizen": provider.client_settings(acr_values=[HIGH])}
    start = client.get("/logg-inn/oidc/idporten/")
    client.get(local(at_provider(start["Location"], acr=HIGH, callback=ID_CALLBACK)))
    assert own_access.SESSION_KEY in client.session
    row = OidcSession.objects.get()
    assert row.user is None

    Client().get("/logg-inn/oidc/utlogget/", {"iss": provider.issuer, "sid": row.sid})

    assert client.get("/min-plan/")["Location"] == "/min-plan/logg-inn/"
    assert not OidcSession.objects.exists()
