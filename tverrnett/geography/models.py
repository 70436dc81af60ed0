"""Reference data: municipalities, police districts and RVTS regions.

The rows come from the versioned files in `data/` (`manage.py
load_reference_data`); nothing in the application edits them. Lookups go
through `services.py`.
"""

from django.core.validators import RegexValidator
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

municipality_number_validator = RegexValidator(
    r"^\d{4}$", _("A municipality number has exactly four digits, for example 0301.")
)


class PoliceDistrict(models.Model):
    """Politidistrikt.

    `code` is the same code `agencies.PoliceDistrict` uses. Two districts
    have a different nynorsk name (Aust, Sør-Aust); for the others `name_nn`
    repeats the bokmål name.
    """

    code = models.CharField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_nn = models.CharField(_("name (nynorsk)"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("police district")
        verbose_name_plural = _("police districts")

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        """The name in the active language: nynorsk for "nn", bokmål otherwise."""
        language = (translation.get_language() or "").lower()
        return self.name_nn if language.split("-")[0] == "nn" else self.name


class RvtsRegion(models.Model):
    """RVTS-region: the area one regional resource centre serves.

    A region is a set of counties, stored as 2-digit county codes; the
    municipalities follow from the first two digits of their numbers.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    counties = models.JSONField(_("counties"), default=list)

    class Meta:
        ordering = ["name"]
        verbose_name = _("RVTS region")
        verbose_name_plural = _("RVTS regions")

    def __str__(self):
        return self.name


class Municipality(models.Model):
    """Kommune, current or historical.

    A current municipality has no `valid_to` and belongs to one police
    district and one RVTS region. A historical number (for example a Viken
    number 30xx, used 2020–2023) points to its `successor`; a municipality
    that was split has no successor and lists the parts in `split_into`.
    """

    number = models.CharField(
        _("municipality number"),
        max_length=4,
        unique=True,
        validators=[municipality_number_validator],
    )
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
    )
    split_into = models.ManyToManyField(
        "self",
        verbose_name=_("split into"),
        symmetrical=False,
        blank=True,
        related_name="split_from",
    )
    police_district = models.ForeignKey(
        PoliceDistrict,
        verbose_name=_("police district"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
    )
    rvts_region = models.ForeignKey(
        RvtsRegion,
        verbose_name=_("RVTS region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self):
        return f"{self.number} {self.name}"

    @property
    def is_current(self):
        return self.valid_to is None

    @property
    def county_code(self):
        return self.number[:2]
