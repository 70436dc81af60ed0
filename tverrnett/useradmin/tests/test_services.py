"""Invitations and account administration as services (issue 19, items 3-4)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import Role, RoleKind
from tverrnett.useradmin import services
from tverrnett.useradmin.models import Invitation, token_hash
from tverrnett.useradmin.services import EndReason
from tverrnett.useradmin.tests.conftest import token_from

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Et-nytt-langt-passord-77"  # noqa: S105


def _invite(admin, agency, **extra):
    fields = {
        "first_name": "Nina",
        "last_name": "Ny",
        "email": "Nina.Ny@Drammen.example",
        "role": MembershipRole.CASE_WORKER,
    }
    return services.invite(admin, agency, **{**fields, **extra})


def test_an_invitation_mails_a_link_whose_token_is_stored_only_as_a_hash(
    admin, owner_agency, mailoutbox, settings
):
    settings.INVITATION_VALID_DAYS = 3
    invitation = _invite(admin, owner_agency)

    (mail,) = mailoutbox
    token = token_from(mail)
    assert mail.to == ["nina.ny@drammen.example"]
    assert invitation.token_hash == token_hash(token)
    assert token not in invitation.token_hash
    assert abs(invitation.expires_at - timezone.now() - timedelta(days=3)) < timedelta(minutes=1)
    entry = AuditEntry.objects.get(action="accounts.invitation_sent")
    assert entry.actor_id == admin.pk and entry.agency_id == owner_agency.pk
    assert token not in str(entry.detail) and "nina" not in str(entry.detail).lower()


def test_accepting_creates_the_user_and_the_membership_once(admin, owner_agency, mailoutbox):
    _invite(admin, owner_agency, role=MembershipRole.ADVISOR)
    token = token_from(mailoutbox[0])

    user = services.accept_invitation(token, password=NEW_PASSWORD)

    assert user.check_password(NEW_PASSWORD)
    assert user.username == "nina.ny@drammen.example" and user.get_full_name() == "Nina Ny"
    assert Membership.objects.get(user=user).agency == owner_agency
    assert Membership.objects.get(user=user).role == MembershipRole.ADVISOR
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(
        action="accounts.invitation_accepted", actor_id=user.pk
    ).exists()
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token, password=NEW_PASSWORD)
    assert services.pending_invitation(token) is None


def test_accepting_binds_an_existing_user_for_the_oidc_login(
    admin, owner_agency, mailoutbox, partner
):
    _invite(admin, owner_agency)
    user = services.accept_invitation(token_from(mailoutbox[0]), user=partner)
    assert user == partner
    assert partner.memberships.filter(agency=owner_agency, is_active=True).exists()


def test_a_weak_password_is_refused_and_the_link_still_works(admin, owner_agency, mailoutbox):
    _invite(admin, owner_agency)
    token = token_from(mailoutbox[0])
    with pytest.raises(ValidationError):
        services.accept_invitation(token, password="123")
    assert services.pending_invitation(token) is not None


@pytest.mark.parametrize("how", ["expired", "revoked", "resent", "unknown"])
def test_an_expired_revoked_or_replaced_link_opens_nothing(admin, owner_agency, mailoutbox, how):
    invitation = _invite(admin, owner_agency)
    token = token_from(mailoutbox[0])
    if how == "expired":
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    elif how == "revoked":
        services.revoke_invitation(admin, invitation)
    elif how == "resent":
        services.resend_invitation(admin, invitation)
        assert services.pending_invitation(token_from(mailoutbox[1])) is not None
    else:
        token = token[:-2] + "xx"
    assert services.pending_invitation(token) is None
    with pytest.raises(services.InvitationInvalid):
        services.accept_invitation(token, password=NEW_PASSWORD)
    assert not Membership.objects.filter(user__username="nina.ny@drammen.example").exists()


def test_only_an_administrator_of_the_agency_acting_for_it(
    admin, colleague, other_admin, elsewhere_admin, owner_agency, outsider_agency
):
    assert policy.administers_accounts_of(admin, owner_agency)
    assert not policy.administers_accounts_of(colleague, owner_agency)
    assert not policy.administers_accounts_of(other_admin, owner_agency)
    elsewhere_admin.acting_membership = elsewhere_admin.memberships.get(agency=outsider_agency)
    assert not policy.administers_accounts_of(elsewhere_admin, owner_agency)
    for actor in (colleague, other_admin, elsewhere_admin):
        with pytest.raises(PermissionDenied):
            _invite(actor, owner_agency)
    assert not Invitation.objects.exists()


def test_changing_a_role_is_audited_and_keeps_one_administrator(admin, colleague, owner_agency):
    membership = colleague.memberships.get()
    services.change_role(admin, membership, MembershipRole.ADVISOR)
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADVISOR
    entry = AuditEntry.objects.get(action="accounts.membership_role_changed")
    assert entry.detail == {
        "user": colleague.pk,
        "from_role": MembershipRole.CASE_WORKER,
        "to_role": MembershipRole.ADVISOR,
    }
    own = admin.memberships.get()
    with pytest.raises(ValidationError):
        services.change_role(admin, own, MembershipRole.CASE_WORKER)
    own.refresh_from_db()
    assert own.role == MembershipRole.AGENCY_ADMIN


def test_ending_the_membership_of_a_role_holder_asks_for_the_handover_first(
    admin, colleague, owner_agency
):
    role = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, holder=admin, deputy=colleague
    )
    membership = colleague.memberships.get()
    with pytest.raises(services.HandoverNeeded) as refused:
        services.end_membership(admin, membership, EndReason.LEFT)
    assert refused.value.roles == [role]
    assert Membership.objects.get(pk=membership.pk).is_active

    role.deputy = None
    role.save()
    services.end_membership(admin, membership, EndReason.LEFT)
    assert not Membership.objects.get(pk=membership.pk).is_active


def test_resetting_the_authenticator_deletes_the_devices_and_is_audited(
    admin, colleague, owner_agency
):
    assert services.reset_authenticator(admin, owner_agency, colleague) == 1
    assert not TOTPDevice.objects.filter(user=colleague).exists()
    entry = AuditEntry.objects.get(action="accounts.authenticator_reset")
    assert entry.detail == {"user": colleague.pk, "devices_removed": 1}


def test_an_administrator_cannot_reset_someone_outside_the_agency(admin, owner_agency, partner):
    with pytest.raises(PermissionDenied):
        services.reset_authenticator(admin, owner_agency, partner)
    assert TOTPDevice.objects.filter(user=partner).exists()


def test_lifting_a_lockout_clears_the_attempts_and_is_audited(
    admin, colleague, owner_agency, settings
):
    AccessAttempt.objects.create(
        username=colleague.username,
        ip_address="10.0.0.1",
        user_agent="test",
        get_data="",
        post_data="",
        http_accept="",
        path_info="/logg-inn/",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
    )
    assert services.locked_usernames([colleague.username]) == {colleague.username}

    services.lift_lockout(admin, owner_agency, colleague)

    assert services.locked_usernames([colleague.username]) == set()
    assert AuditEntry.objects.get(action="accounts.lockout_lifted").detail["user"] == colleague.pk


def test_the_invitation_is_written_in_the_language_chosen_for_the_person(
    admin, owner_agency, mailoutbox
):
    invitation = _invite(admin, owner_agency, language="en")
    services.resend_invitation(admin, invitation)
    _invite(admin, owner_agency, email="uten@drammen.example")

    english, resent, site_language = mailoutbox
    assert invitation.language == "en"
    assert english.subject == resent.subject == "Invitation to Tverrnett"
    assert "has invited you to use Tverrnett" in english.body
    assert site_language.subject == "Invitasjon til Tverrnett"
    sent = AuditEntry.objects.filter(action="accounts.invitation_sent").order_by("pk")
    assert [entry.detail["language"] for entry in sent] == ["en", ""]


def test_a_language_the_site_does_not_offer_is_refused(admin, owner_agency, mailoutbox):
    with pytest.raises(ValidationError) as refused:
        _invite(admin, owner_agency, language="xx")
    assert "language" in refused.value.message_dict
    assert not Invitation.objects.exists() and not mailoutbox


@pytest.mark.parametrize("how", ["password", "national_login"])
def test_the_new_user_gets_the_invitations_language(admin, owner_agency, mailoutbox, how):
    _invite(admin, owner_agency, language="en")
    token = token_from(mailoutbox[0])

    if how == "password":
        user = services.accept_invitation(token, password=NEW_PASSWORD)
    else:
        user = services.accept_invitation(token, national_login=True)

    user.refresh_from_db()
    assert user.language == "en"


def test_an_existing_user_keeps_their_own_language(admin, owner_agency, mailoutbox, partner):
    partner.language = "nb"
    partner.save()
    _invite(admin, owner_agency, language="en")

    services.accept_invitation(token_from(mailoutbox[0]), user=partner)

    partner.refresh_from_db()
    assert partner.language == "nb"
