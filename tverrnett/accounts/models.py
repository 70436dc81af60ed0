from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """Bruker: a person who logs in. What they may do follows their memberships."""

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    # The language of the pages and e-mails the user chose with the switch (a code from
    # settings.LANGUAGES); empty: not chosen, the site's language (or the cookie) applies.
    language = models.CharField(_("language"), max_length=8, blank=True, default="")

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
