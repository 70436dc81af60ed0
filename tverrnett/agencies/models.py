from django.core.validators import RegexValidator
from django.db import models
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


class PoliceDistrict(models.TextChoices):
    """The twelve police districts since the 2020 reform (politiloven § 16)."""

    OSLO = "oslo", "Oslo"
    OST = "ost", _("Øst")
    INNLANDET = "innlandet", "Innlandet"
    SOR_OST = "sor_ost", _("Sør-Øst")
    AGDER = "agder", "Agder"
    SOR_VEST = "sor_vest", "Sør-Vest"
    VEST = "vest", "Vest"
    MORE_OG_ROMSDAL = "more_og_romsdal", "Møre og Romsdal"
    TRONDELAG = "trondelag", "Trøndelag"
    NORDLAND = "nordland", "Nordland"
    TROMS = "troms", "Troms"
    FINNMARK = "finnmark", "Finnmark"


municipality_number_validator = RegexValidator(
    r"^\d{4}$", _("A municipality number has exactly four digits, for example 0301.")
)


class Agency(models.Model):
    """Etat / instans / tjeneste: an organisation whose people use Tverrnett.

    Municipality and police district are plain fields until the reference
    data (municipality register, municipality → district table) arrives with
    the networks issue. National agencies (PST, a national RVTS function) have
    no municipality.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    agency_type = models.CharField(_("type"), max_length=40, choices=AgencyType.choices)
    municipality_number = models.CharField(
        _("municipality number"),
        max_length=4,
        blank=True,
        validators=[municipality_number_validator],
    )
    municipality_name = models.CharField(_("municipality"), max_length=100, blank=True)
    police_district = models.CharField(
        _("police district"), max_length=30, choices=PoliceDistrict.choices, blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name
