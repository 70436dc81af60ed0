"""Account administration by an agency's administrators, and invitations (issue 19).

Acting user first; permission, change and audit entry in one transaction. The audit
detail holds ids and codes only: never a token, a password or an e-mail address.
"""

import secrets
from datetime import timedelta

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access import policy
from tverrnett.accounts.language import language_of, offered
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases.models import Task
from tverrnett.core import dates
from tverrnett.networks.models import Role
from tverrnett.useradmin.models import Invitation, token_hash

actions.register("accounts.invitation_sent", gettext_noop("Invited a person to an agency"))
actions.register(
    "accounts.invitation_resent", gettext_noop("Sent an invitation again with a new link")
)
actions.register("accounts.invitation_revoked", gettext_noop("Revoked an invitation"))
actions.register(
    "accounts.invitation_accepted",
    gettext_noop("Accepted an invitation; the membership was created"),
)
actions.register(
    "accounts.membership_ended", gettext_noop("Ended a user's membership in an agency")
)
actions.register(
    "accounts.membership_role_changed", gettext_noop("Changed a user's membership role")
)
actions.register(
    "accounts.authenticator_reset", gettext_noop("Reset a user's authenticator (TOTP)")
)
actions.register("accounts.lockout_lifted", gettext_noop("Lifted a user's login lockout"))
actions.register("accounts.password_changed", gettext_noop("Changed their own password"))
actions.register(
    "accounts.authenticator_reenrolled",
    gettext_noop("Enrolled a new authenticator app in place of the old"),
)
actions.register(
    "accounts.language_changed", gettext_noop("Chose the language of the pages and e-mails")
)


class EndReason(models.TextChoices):
    """Why a membership ends. A code, not free text: it goes into the audit log."""

    LEFT = "left", gettext_lazy("Has left the agency")
    NEW_POSITION = "new_position", gettext_lazy("Has a new position")
    LEAVE = "leave", gettext_lazy("Long leave")
    REGISTERED_IN_ERROR = "error", gettext_lazy("Registered by mistake")


class HandoverNeeded(ValidationError):
    """The user holds roles (or is deputy) for the agency: hand them over first."""

    def __init__(self, roles):
        self.roles = roles
        super().__init__(
            _("The user holds roles for the agency. Hand them over before ending the membership.")
        )


def _require_admin(actor, agency):
    if not policy.administers_accounts_of(actor, agency):
        raise PermissionDenied(_("Only an administrator of the agency can do this."))


# Invitations ----------------------------------------------------------------------------


def _new_token():
    return secrets.token_urlsafe(32)


def _expiry(now):
    return now + timedelta(days=settings.INVITATION_VALID_DAYS)


def invitation_link(token):
    return settings.SITE_URL.rstrip("/") + reverse("useradmin:accept", args=[token])


def _send_invitation(invitation, token):
    """The e-mail: who invites to which agency, and the link. In the language the
    administrator chose for the person (they have no account, so no language of their
    own, yet)."""
    with translation.override(language_of(invitation)):
        subject = _("Invitation to Tverrnett")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": invitation.full_name},
                _(
                    "%(agency)s has invited you to use Tverrnett, the tool for cross-agency "
                    "work against violent extremism."
                )
                % {"agency": invitation.agency.name},
                _("Open this link to choose a password and set up your authenticator app:"),
                invitation_link(token),
                _("The link works once and expires %(date)s.")
                % {"date": dates.moment(invitation.expires_at)},
                _("If you did not expect this e-mail, you can ignore it."),
            ]
        )
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email]).send(
        fail_silently=False
    )


def invite(actor, agency, *, first_name, last_name, email, role, language="", request=None):
    """Invite a person to `agency` in `role`; e-mail them the link in `language` (a code
    from settings.LANGUAGES; empty: the site's). Returns the invitation."""
    _require_admin(actor, agency)
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    if language and not offered(language):
        raise ValidationError({"language": _("Choose a language.")})
    email = email.strip().lower()
    existing = Membership.objects.filter(
        agency=agency, role=role, is_active=True, user__email__iexact=email
    )
    if existing.exists():
        raise ValidationError({"email": _("A user with this e-mail already has this role here.")})
    now = timezone.now()
    token = _new_token()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            agency=agency,
            role=role,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            email=email,
            language=language,
            token_hash=token_hash(token),
            invited_by=actor,
            created_at=now,
            sent_at=now,
            expires_at=_expiry(now),
        )
        record(
            "accounts.invitation_sent",
            actor=actor,
            agency=agency,
            target=invitation,
            request=request,
            detail={"agency": agency.pk, "role": role, "language": language},
        )
    _send_invitation(invitation, token)
    return invitation


def _locked_pending(invitation, agency):
    locked = (
        Invitation.objects.select_for_update()
        .select_related("agency")
        .filter(pk=invitation.pk, agency=agency)
        .first()
    )
    if locked is None or not locked.is_pending():
        raise ValidationError(_("The invitation is no longer waiting."))
    return locked


def resend_invitation(actor, invitation, *, request=None):
    """A new link (the old stops working) with a new expiry, e-mailed again."""
    agency = invitation.agency
    _require_admin(actor, agency)
    now = timezone.now()
    token = _new_token()
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is not None or locked.revoked_at is not None:
            raise ValidationError(_("The invitation is no longer waiting."))
        locked.token_hash = token_hash(token)
        locked.sent_at = now
        locked.expires_at = _expiry(now)
        locked.save(update_fields=["token_hash", "sent_at", "expires_at"])
        record(
            "accounts.invitation_resent",
            actor=actor,
            agency=agency,
            target=locked,
            request=request,
            detail={"agency": agency.pk, "role": locked.role},
        )
    _send_invitation(locked, token)
    return locked


def revoke_invitation(actor, invitation, *, request=None):
    agency = invitation.agency
    _require_admin(actor, agency)
    with transaction.atomic():
        locked = _locked_pending(invitation, agency)
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        record(
            "accounts.invitation_revoked",
            actor=actor,
            agency=agency,
            target=locked,
            request=request,
            detail={"agency": agency.pk, "role": locked.role},
        )
    return locked


def pending_invitation(token):
    """The waiting invitation this token opens, or None (unknown, used, expired, revoked:
    the caller shows one neutral page for all of them)."""
    if not token or len(token) > 200:
        return None
    invitation = (
        Invitation.objects.select_related("agency")
        .filter(token_hash=token_hash(token), agency__is_active=True)
        .first()
    )
    if invitation is None or not invitation.is_pending():
        return None
    return invitation


class InvitationInvalid(ValidationError):
    """The token opens no waiting invitation."""

    def __init__(self):
        super().__init__(_("The link is not valid."))


def accept_invitation(token, *, password=None, user=None, national_login=False, request=None):
    """Accept the invitation that `token` opens and return the user it is bound to.

    Exactly one of the two ways:

    - `password`: password + TOTP. A new user is created (username: the invited e-mail
      address, name and e-mail from the invitation) with this password, checked by the
      project's password validators. They have no authenticator yet: the login's second
      step enrols one (`tverrnett.accounts.views.mfa_view`).
    - `user`: an existing user, bound to the invitation's agency and role.
    - `national_login`: the person's first login through Ansattporten. A new user is
      created as above but without a password (they log in through Ansattporten); the
      OIDC callback (`accounts.oidc_views.accept_invitation_at_login`) then stores the
      keyed hash of their `pid` on it, in the same transaction. This function stores
      nothing of the identity.

    The membership (invitation's agency and role) is created, or re-activated, in the
    same transaction as the invitation is marked used, so a link works once even when
    two requests race. Raises `InvitationInvalid` for an unknown, used, expired or
    revoked token, and ValidationError for a password the validators refuse or an
    e-mail address whose username is taken.
    """
    if [password is not None, user is not None, national_login].count(True) != 1:
        raise TypeError("Give exactly one of password, user and national_login.")
    User = get_user_model()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("agency")
            .filter(token_hash=token_hash(token or ""), agency__is_active=True)
            .first()
        )
        if invitation is None or not invitation.is_pending():
            raise InvitationInvalid()
        if user is None:
            if User.objects.filter(username__iexact=invitation.email).exists():
                raise ValidationError(
                    _(
                        "A user with this e-mail address exists already. "
                        "Ask your agency's administrator for help."
                    )
                )
            candidate = User(
                username=invitation.email,
                email=invitation.email,
                first_name=invitation.first_name,
                last_name=invitation.last_name,
                language=invitation.language,
            )
            if national_login:
                candidate.set_unusable_password()
            else:
                validate_password(password, candidate)
                candidate.set_password(password)
            candidate.save()
            user = candidate
        elif not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        membership, created = Membership.objects.get_or_create(
            user=user, agency=invitation.agency, role=invitation.role
        )
        if not membership.is_active:
            membership.is_active = True
            membership.save(update_fields=["is_active"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(
            "accounts.invitation_accepted",
            actor=user,
            agency=invitation.agency,
            target=invitation,
            request=request,
            detail={
                "agency": invitation.agency_id,
                "role": invitation.role,
                "membership": membership.pk,
                "user": user.pk,
                "method": (
                    "password"
                    if password is not None
                    else "national_login"
                    if national_login
                    else "identity"
                ),
            },
        )
    return user


# Members --------------------------------------------------------------------------------


def locked_usernames(usernames, now=None):
    """Which of `usernames` django-axes locks out now."""
    now = now or timezone.now()
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames),
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=now - settings.AXES_COOLOFF_TIME,
        ).values_list("username", flat=True)
    )


def roles_held_for(user, agency):
    """The roles of `agency` that `user` holds or is deputy for."""
    return list(
        Role.objects.filter(agency=agency)
        .filter(Q(holder=user) | Q(deputy=user))
        .select_related("municipality", "police_district", "network", "agency")
        .order_by("kind", "pk")
    )


def _last_admin(membership):
    return (
        membership.role == MembershipRole.AGENCY_ADMIN
        and not Membership.objects.filter(
            agency_id=membership.agency_id, role=MembershipRole.AGENCY_ADMIN, is_active=True
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def change_role(actor, membership, role, *, request=None):
    agency = membership.agency
    _require_admin(actor, agency)
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("Choose a role.")})
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk, agency=agency)
        if not locked.is_active:
            raise ValidationError(_("The membership has already been ended."))
        if locked.role == role:
            return locked
        if _last_admin(locked):
            raise ValidationError(
                _("The agency must keep at least one administrator. Make someone else one first.")
            )
        if Membership.objects.filter(user_id=locked.user_id, agency=agency, role=role).exists():
            raise ValidationError(
                {"role": _("The user already has this role in the agency (or had it).")}
            )
        previous = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        record(
            "accounts.membership_role_changed",
            actor=actor,
            agency=agency,
            target=locked,
            request=request,
            detail={"user": locked.user_id, "from_role": previous, "to_role": role},
        )
    return locked


def _last_manager_of_their_own(actor, membership):
    """`membership` is the actor's own last manager membership of its agency: ending it
    would leave them unable to undo it, so another manager does it."""
    return (
        membership.user_id == actor.pk
        and membership.role in policy.AGENCY_MANAGER_ROLES
        and not Membership.objects.filter(
            user=actor,
            agency_id=membership.agency_id,
            role__in=policy.AGENCY_MANAGER_ROLES,
            is_active=True,
        )
        .exclude(pk=membership.pk)
        .exists()
    )


def end_membership(actor, membership, reason, *, request=None):
    """End `membership`: the person no longer works for the agency in that role. The one
    way a membership ends (the member list's page, and any command or service).

    Refused, changing nothing, when:

    - the actor does not administer the agency's accounts (`PermissionDenied`);
    - the reason is not one of `EndReason`, or the membership has already ended;
    - the user holds or deputises a role of the agency: `HandoverNeeded` with the roles,
      so the administrator hands them over first (issue 19: "ending a membership of a
      role holder asks for the handover first");
    - it is the agency's last administrator;
    - it is the actor's own last manager membership of the agency.

    When it was the user's last active membership the user is deactivated too, so they
    can no longer log in. The audit entry is written in the same transaction.
    """
    agency = membership.agency
    _require_admin(actor, agency)
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose why the membership is ended.")})
    with transaction.atomic():
        locked = (
            Membership.objects.select_for_update()
            .select_related("user")
            .get(pk=membership.pk, agency=agency)
        )
        if not locked.is_active:
            raise ValidationError(_("The membership has already been ended."))
        roles = roles_held_for(locked.user, agency)
        if roles:
            raise HandoverNeeded(roles)
        if _last_admin(locked):
            raise ValidationError(
                _("The agency must keep at least one administrator. Make someone else one first.")
            )
        if _last_manager_of_their_own(actor, locked):
            raise ValidationError(
                _(
                    "You cannot end your own last manager membership. "
                    "Ask another manager of the agency to do it."
                )
            )
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        user = locked.user
        unassigned = 0
        if not user.memberships.filter(is_active=True, agency=agency).exists():
            # Tasks given to the user in this agency go back to the agency or its role
            # (the task inbox): nobody else may be left waiting on a person who left.
            unassigned = Task.objects.filter(assignee=user, owner_agency=agency).update(
                assignee=None, version=F("version") + 1
            )
        deactivated = False
        if not user.memberships.filter(is_active=True, agency__is_active=True).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
            deactivated = True
        record(
            "accounts.membership_ended",
            actor=actor,
            agency=agency,
            target=locked,
            request=request,
            detail={
                "user": user.pk,
                "agency": locked.agency_id,
                "role": locked.role,
                "reason": reason,
                "user_deactivated": deactivated,
                "tasks_unassigned": unassigned,
            },
        )
    membership.is_active = False
    return locked


def _member_of(agency, user):
    return Membership.objects.filter(agency=agency, user=user, is_active=True).exists()


def reset_authenticator(actor, agency, user, *, request=None):
    """Delete the user's authenticators: at the next login, after the password, they enrol
    a new one. Their sessions are not ended here (a stolen phone: end the membership)."""
    _require_admin(actor, agency)
    if not _member_of(agency, user):
        raise PermissionDenied
    with transaction.atomic():
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        record(
            "accounts.authenticator_reset",
            actor=actor,
            agency=agency,
            target=user,
            request=request,
            detail={"user": user.pk, "devices_removed": removed},
        )
    return removed


def lift_lockout(actor, agency, user, *, request=None):
    _require_admin(actor, agency)
    if not _member_of(agency, user):
        raise PermissionDenied
    with transaction.atomic():
        cleared = axes_reset(username=user.get_username())
        record(
            "accounts.lockout_lifted",
            actor=actor,
            agency=agency,
            target=user,
            request=request,
            detail={"user": user.pk, "attempts_cleared": cleared},
        )
    return cleared
