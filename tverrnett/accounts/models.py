from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class User(AbstractUser):
    """Bruker: a person who logs in. What they may do follows their memberships."""

    # The keyed hash (tverrnett.cases.identity_encryption.keyed_hash) of the identity
    # number an OIDC login (Ansattporten / ID-porten) gave for this user: recognises the
    # person next time; the number itself is never stored.
    pid_hash = models.CharField(_("identity number hash"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["pid_hash"],
                condition=~models.Q(pid_hash=""),
                name="user_unique_pid_hash",
            )
        ]

    # The language of the pages and e-mails the user chose with the switch (a code from
    # settings.LANGUAGES); empty: not chosen, the site's language (or the cookie) applies.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

    @property
    def display_name(self):
        """How the interface names the user: their name; the username only when no name
        was recorded (issue 21 item 15: people's names, not usernames)."""
        return self.get_full_name() or self.username

    def active_memberships(self):
        return self.memberships.filter(is_active=True, agency__is_active=True).select_related(
            "agency"
        )


class MembershipRole(models.TextChoices):
    """A user's role in one agency (DOMAIN.md, "Who uses it")."""

    SLT_COORDINATOR = "slt_coordinator", _("SLT coordinator")
    POLICE_RADICALISATION_CONTACT = (
        "police_radicalisation_contact",
        _("Radicalisation contact in the police district"),
    )
    CASE_WORKER = "case_worker", _("Case worker")
    ADVISOR = "advisor", _("Advisor")
    BRIDGE_BUILDER = "bridge_builder", _("Bridge builder")
    LINE_MANAGER = "line_manager", _("Line manager")
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    # Reviews the agency's access log (L45); does no case work and sees no case data.
    PRIVACY_OFFICER = "privacy_officer", _("Privacy and security officer")
    # Keeps the agency's records (issue 20): the cases due for deletion, legal holds,
    # archival packages and their receipts; does no case work.
    RECORDS_OFFICER = "records_officer", _("Records officer")


class Membership(models.Model):
    """Tilknytning: a user works for an agency in a role."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=40, choices=MembershipRole.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role_per_agency"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()}, {self.agency}"


class OidcDevice(Device):
    """The "second factor" of an OIDC login: Ansattporten or ID-porten at level
    substantial or high is itself a multi-factor login, so the session is marked
    verified with this device (django_otp.login), exactly as the TOTP step does, and
    `is_fully_authenticated` stays the one check. It verifies no codes
    (Device.verify_token returns False), so it can never stand in for a TOTP code.
    """

    class Meta:
        verbose_name = _("OIDC login")
        verbose_name_plural = _("OIDC logins")


class OidcSession(models.Model):
    """Which Django session an OIDC login (issuer + sid) opened, so that the
    provider's front-channel logout, which arrives without our session cookie in a
    cross-site frame, can end it."""

    issuer = models.CharField(max_length=300)
    sid = models.CharField(max_length=300)
    session_key = models.CharField(max_length=40)
    # None for a person's own access through ID-porten, which is no user's login.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["issuer", "sid"], name="oidcsession_iss_sid")]

    def __str__(self):
        return f"{self.user} – {self.issuer}"
