"""The account administration pages, the invitation link and the user's own account,
from the administrator's side and the attacker's (issue 19, items 3-5)."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, current_code
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import Role, RoleKind
from tverrnett.useradmin import services
from tverrnett.useradmin.models import Invitation
from tverrnett.useradmin.tests.conftest import token_from

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Et-nytt-langt-passord-77"  # noqa: S105
INVITE = {
    "first_name": "Nina",
    "last_name": "Ny",
    "email": "nina@drammen.example",
    "role": MembershipRole.ADVISOR,
    "language": "nb",
}


@pytest.fixture
def scene(admin, colleague, owner_agency):
    invitation = services.invite(
        admin,
        owner_agency,
        first_name="Ola",
        last_name="Inv",
        email="ola@x.example",
        role="advisor",
    )
    return {
        "agency": owner_agency,
        "membership": colleague.memberships.get(),
        "invitation": invitation,
    }


def _urls(scene):
    pk, m, i = scene["agency"].pk, scene["membership"].pk, scene["invitation"].pk
    return {
        "useradmin:members": (reverse("useradmin:members", args=[pk]), {}),
        "useradmin:invite": (reverse("useradmin:invite", args=[pk]), INVITE),
        "useradmin:member": (reverse("useradmin:member", args=[pk, m]), {"role": "advisor"}),
        "useradmin:end_membership": (
            reverse("useradmin:end_membership", args=[pk, m]),
            {"reason": "left"},
        ),
        "useradmin:reset_authenticator": (
            reverse("useradmin:reset_authenticator", args=[pk, m]),
            {},
        ),
        "useradmin:lift_lockout": (reverse("useradmin:lift_lockout", args=[pk, m]), {}),
        "useradmin:resend_invitation": (
            reverse("useradmin:resend_invitation", args=[pk, i]),
            {},
        ),
        "useradmin:revoke_invitation": (
            reverse("useradmin:revoke_invitation", args=[pk, i]),
            {},
        ),
    }


POST_ONLY = {
    "useradmin:reset_authenticator",
    "useradmin:lift_lockout",
    "useradmin:resend_invitation",
    "useradmin:revoke_invitation",
}


def _state():
    return (
        list(Membership.objects.order_by("pk").values_list("pk", "role", "is_active")),
        list(Invitation.objects.order_by("pk").values_list("token_hash", "revoked_at")),
        TOTPDevice.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("who", ["other_admin", "colleague", "elsewhere_admin"])
def test_everyone_but_the_agencys_administrator_walks_into_404s(
    client, login_actor, scene, who, mailoutbox
):
    login_actor(who)
    before = _state()
    for name, (url, data) in _urls(scene).items():
        expected_get = 405 if name in POST_ONLY else 404
        assert client.get(url).status_code == expected_get, name
        expected_post = 405 if name == "useradmin:members" else 404
        assert client.post(url, data).status_code == expected_post, name
    assert _state() == before
    assert len(mailoutbox) == 1  # the scene's own invitation only


def test_the_agencys_administrator_walks_every_url(client, login_actor, scene):
    login_actor("admin")
    statuses = {
        name: client.get(url).status_code
        for name, (url, _data) in _urls(scene).items()
        if name not in POST_ONLY
    }
    assert statuses == {
        "useradmin:members": 200,
        "useradmin:invite": 200,
        "useradmin:member": 200,
        "useradmin:end_membership": 200,
    }


def test_the_members_list_shows_role_last_login_and_lockout_with_search(
    client, login_actor, scene, colleague, settings
):
    AccessAttempt.objects.create(
        username=colleague.username,
        ip_address="10.0.0.1",
        user_agent="t",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    login_actor("admin")
    url = reverse("useradmin:members", args=[scene["agency"].pk])
    page = client.get(url).content.decode()
    assert "Kari Kollega" in page and "Ada Admin" in page and "Ola Inv" in page
    searched = client.get(url, {"q": "kollega", "sort": "-login"})
    assert searched.context["page"].paginator.count == 1
    assert searched.context["page"].object_list[0].is_locked


def test_the_administrator_invites_and_the_person_joins_with_password_and_app(
    client, login_actor, owner_agency, mailoutbox
):
    login_actor("admin")
    response = client.post(reverse("useradmin:invite", args=[owner_agency.pk]), INVITE)
    assert response.status_code == 302
    token = token_from(mailoutbox[-1])

    newcomer = Client()
    accept = reverse("useradmin:accept", args=[token])
    first_visit = newcomer.get(accept)
    assert first_visit.status_code == 200
    # Regression: "no-referrer" made the browser post "Origin: null", refused as CSRF.
    assert first_visit.get("Referrer-Policy", "same-origin") != "no-referrer"
    mismatch = newcomer.post(accept, {"new_password1": NEW_PASSWORD, "new_password2": "x"})
    assert mismatch.status_code == 200 and mismatch.context["form"].errors
    response = newcomer.post(accept, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.url == reverse("accounts:mfa")

    newcomer.get(reverse("accounts:mfa"))  # enrolment: an unconfirmed device is made
    user = Membership.objects.get(agency=owner_agency, role=MembershipRole.ADVISOR).user
    done = newcomer.post(reverse("accounts:mfa"), {"code": current_code(user)})
    assert done.status_code == 302
    home = newcomer.get(reverse("core:home"))
    assert home.status_code == 200 and home.wsgi_request.agency == owner_agency
    assert TOTPDevice.objects.get(user=user).confirmed
    # Used: the same neutral page as a link that never existed.
    used = newcomer.get(accept)
    unknown = newcomer.get(reverse("useradmin:accept", args=["ukjent"]))
    assert used.status_code == unknown.status_code == 404
    assert (
        used.templates[0].name == unknown.templates[0].name == "useradmin/invitation_invalid.html"
    )


def test_an_invitation_form_with_errors_says_so_in_norwegian(client, login_actor, owner_agency):
    login_actor("admin")
    response = client.post(
        reverse("useradmin:invite", args=[owner_agency.pk]), {"email": "ikke-en-adresse"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Skriv inn en gyldig e-postadresse" in page and "Skriv inn fornavnet" in page
    assert not Invitation.objects.exists()


def test_ending_a_role_holders_membership_links_to_the_handover(
    client, login_actor, scene, colleague
):
    role = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=scene["agency"], holder=colleague
    )
    login_actor("admin")
    url = reverse("useradmin:end_membership", args=[scene["agency"].pk, scene["membership"].pk])
    response = client.post(url, {"reason": "left"})
    assert response.status_code == 200
    assert reverse("networks:role", args=[role.pk]) in response.content.decode()
    assert Membership.objects.get(pk=scene["membership"].pk).is_active


def test_reset_and_lift_through_the_page_are_audited(client, login_actor, scene, colleague):
    login_actor("admin")
    args = [scene["agency"].pk, scene["membership"].pk]
    client.post(reverse("useradmin:reset_authenticator", args=args))
    client.post(reverse("useradmin:lift_lockout", args=args))
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"accounts.authenticator_reset", "accounts.lockout_lifted"} <= actions


def test_a_user_changes_their_own_password(client, login_as, colleague):
    login_as(client, colleague)
    url = reverse("useradmin:own_password")
    wrong = client.post(
        url,
        {"old_password": "feil", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    response = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password(NEW_PASSWORD)
    assert client.get(reverse("useradmin:own_account")).status_code == 200  # still logged in
    assert AuditEntry.objects.filter(action="accounts.password_changed").count() == 1


def test_a_user_moves_to_a_new_authenticator_after_the_password(client, login_as, colleague):
    old = TOTPDevice.objects.get(user=colleague)
    login_as(client, colleague)
    url = reverse("useradmin:own_authenticator")
    assert client.post(url, {"password": "feil"}).status_code == 200
    client.post(url, {"password": PASSWORD})
    client.get(url)
    new = TOTPDevice.objects.get(user=colleague, confirmed=False)
    response = client.post(url, {"code": current_code(colleague)})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=colleague)) == [new]
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(action="accounts.authenticator_reenrolled").exists()


def test_the_code_page_tells_a_user_who_lost_their_phone_what_to_do(client, colleague):
    client.post(reverse("accounts:login"), {"username": colleague.username, "password": PASSWORD})
    page = client.get(reverse("accounts:mfa")).content.decode()
    assert "administrator" in page.lower() and "nullstille" in page


def test_the_language_choice_follows_the_user_to_another_browser(client, login_as, colleague):
    login_as(client, colleague)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    colleague.refresh_from_db()
    assert colleague.language == "en"

    other_browser = login_as(Client(), colleague)
    response = other_browser.get(reverse("useradmin:own_account"))
    assert response["Content-Language"] == "en"
    assert "My account" in response.content.decode()
    assert AuditEntry.objects.filter(action="accounts.language_changed").count() == 1


def test_an_email_to_a_user_is_in_their_language(colleague, mailoutbox):
    from tverrnett.notices import emails

    colleague.email, colleague.language = "kari@x.example", "en"
    colleague.save()
    emails._mail(colleague, "reminder", "<id@x>")
    assert mailoutbox[0].subject == "You have a reminder in Tverrnett"


def test_wrong_passwords_on_the_own_account_pages_count_toward_the_lockout(
    client, login_as, colleague, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    login_as(client, colleague)
    url = reverse("useradmin:own_authenticator")
    client.post(url, {"password": "feil"})
    client.post(reverse("useradmin:own_password"), {"old_password": "feil"})
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 2
    # Locked: even the right password no longer opens the re-enrolment.
    assert client.post(url, {"password": PASSWORD}).status_code == 302
    assert client.get(url).context["step"] == 1


def test_the_administrator_revokes_and_resends_from_the_page(
    client, login_actor, scene, mailoutbox
):
    login_actor("admin")
    pk, invitation = scene["agency"].pk, scene["invitation"]
    client.post(reverse("useradmin:resend_invitation", args=[pk, invitation.pk]))
    new_token = token_from(mailoutbox[-1])
    assert services.pending_invitation(new_token) == invitation
    client.post(reverse("useradmin:revoke_invitation", args=[pk, invitation.pk]))
    assert services.pending_invitation(new_token) is None
    page = client.get(reverse("useradmin:members", args=[pk])).content.decode()
    assert "Ola Inv" not in page
    actions = list(
        AuditEntry.objects.filter(action__startswith="accounts.invitation").values_list(
            "action", flat=True
        )
    )
    assert actions.count("accounts.invitation_resent") == 1
    assert actions.count("accounts.invitation_revoked") == 1


def test_the_invitation_form_offers_the_sites_languages_with_the_administrators_own_first(
    client, login_actor, owner_agency, mailoutbox, settings
):
    admin = login_actor("admin")
    url = reverse("useradmin:invite", args=[owner_agency.pk])
    form = client.get(url).context["form"]
    assert form.fields["language"].choices == list(settings.LANGUAGES)
    assert form.initial["language"] == "nb"
    admin.language = "en"
    admin.save()
    assert client.get(url).context["form"].initial["language"] == "en"

    response = client.post(url, {**INVITE, "language": "en"})

    assert response.status_code == 302
    assert Invitation.objects.get(email=INVITE["email"]).language == "en"
    assert mailoutbox[-1].subject == "Invitation to Tverrnett"
