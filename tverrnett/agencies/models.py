from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgencyType(models.TextChoices):
    """The kinds of agency that take part (DOMAIN.md, "Who uses it")."""

    SLT = "slt", _("SLT (municipal coordination)")
    POLICE_DISTRICT = "police_district", _("Police district")
    PST = "pst", _("PST (Norwegian Police Security Service)")
    NAV = "nav", _("NAV")
    RVTS = "rvts", _("RVTS (regional resource centre)")
    SCHOOL = "school", _("School")
    CHILD_WELFARE = "child_welfare", _("Child welfare")
    CORRECTIONAL_SERVICE = "correctional_service", _("Correctional service")
    CONFLICT_COUNCIL = "conflict_council", _("Conflict council")
    HEALTH = "health", _("Health service")
    VOLUNTARY_ORG = "voluntary_org", _("Voluntary organisation")


class Agency(models.Model):
    """Etat / instans / tjeneste: an organisation whose people use Tverrnett.

    The municipality and police district point to the reference data
    (geography). National agencies (PST, a national RVTS function) have no
    municipality; an RVTS centre names the region it serves. The directory
    fields (mandate, how we work, contact points) are shown to every member:
    they describe the agency, never a case.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    agency_type = models.CharField(_("type"), max_length=40, choices=AgencyType.choices)
    municipality = models.ForeignKey(
        "geography.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    police_district = models.ForeignKey(
        "geography.PoliceDistrict",
        verbose_name=_("police district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    rvts_region = models.ForeignKey(
        "geography.RvtsRegion",
        verbose_name=_("RVTS region served"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
        help_text=_("For an RVTS centre: the region it serves."),
    )
    mandate = models.TextField(_("mandate"), blank=True)
    working_methods = models.TextField(
        _("how we work"),
        blank=True,
        help_text=_("How we work and what we can help with."),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("web address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Most agencies have no need for a person's national identity number in a
    # concern case; those that do switch it on deliberately (data minimisation).
    records_identity_numbers = models.BooleanField(
        _("records national identity numbers in concern cases"), default=False
    )
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class SpecialCategoryPermission(models.Model):
    """Tilgang til særlige kategorier: the user may read information items tagged GDPR
    Art. 9 or Art. 10 while acting for `agency` (L34).

    Granted by a manager of that agency to one of its members, for a limited time
    (`ends_on`, at most `SPECIAL_CATEGORY_PERMISSION_MAX_DAYS` ahead), and revoked
    by a manager. A row is never deleted: it is the record of who could read what,
    and when. Whether it counts is decided in `tverrnett.access.policy`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="special_category_permissions",
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    ends_on = models.DateField(_("ends on"))
    reason = models.CharField(_("why the user needs it"), max_length=300)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-granted_at", "-id"]
        indexes = [models.Index(fields=["user", "agency", "ends_on"])]
        verbose_name = _("special-category permission")
        verbose_name_plural = _("special-category permissions")

    def __str__(self):
        return f"{self.user} – {self.agency} ({self.ends_on:%Y-%m-%d})"

    def is_valid_on(self, day):
        return self.revoked_at is None and self.ends_on >= day
