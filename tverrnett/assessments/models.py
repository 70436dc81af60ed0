"""Structured risk and needs assessment (risiko- og behovskartlegging, X7, X8, L25).

An `Instrument` is one published version of an assessment tool, loaded from a data
file (instruments.py); its domains, items and rating scales live in `definition`.
An `Assessment` applies one instrument version to the person in a case: a rating
with an optional note per item, and the assessor's own summary judgement. It is a
draft until the assessor signs it; then it never changes (a database trigger refuses
it) and a later assessment supersedes it.

Nothing here adds ratings up. There is no score, rank or total anywhere (L25): the
instruments support the professional's judgement; they do not replace it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localised(texts):
    """The English or bokmål text of a {"nb": ..., "en": ...} pair from a definition."""
    if not texts:
        return ""
    return texts["en"] if (get_language() or "").startswith("en") else texts["nb"]


class Raters(models.TextChoices):
    ANY = "any", _("Anyone who works on the case")
    CERTIFIED = "certified", _("Certified raters only")


class ItemKind(models.TextChoices):
    RISK = "risk", _("Risk factor")
    NEED = "need", _("Need")
    PROTECTIVE = "protective", _("Protective factor")


# The rating every scale has. Choosing it needs a reason.
UNKNOWN = "unknown"


class Instrument(models.Model):
    """One published version of an instrument. Never changed once loaded."""

    code = models.SlugField(max_length=60)
    version = models.CharField(max_length=20)
    name_nb = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    owner = models.CharField(_("owner"), max_length=200)
    raters = models.CharField(_("who may use it"), max_length=20, choices=Raters.choices)
    published_on = models.DateField(_("published"))
    # The checked content of the file: texts, scales, domains and items.
    definition = models.JSONField()
    # SHA-256 of the definition: the same version cannot come back with other content.
    content_hash = models.CharField(max_length=64)
    source_file = models.CharField(max_length=300)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code", "-published_on", "-id"]
        verbose_name = _("assessment instrument")
        verbose_name_plural = _("assessment instruments")
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_instrument_version")
        ]

    def __str__(self):
        return f"{self.name} {self.version}"

    @property
    def name(self):
        return self.name_en if (get_language() or "").startswith("en") else self.name_nb

    @property
    def purpose(self):
        return localised(self.definition.get("purpose"))

    @property
    def licence(self):
        return localised(self.definition.get("licence"))

    @property
    def needs_certification(self):
        return self.raters == Raters.CERTIFIED

    def scale(self, code):
        """[(option code, label)] of a scale, in order, `unknown` last."""
        return [(option["code"], localised(option)) for option in self.definition["scales"][code]]

    @property
    def domains(self):
        """The domains in order, each with its items and its scale's options, in the
        current language: what the pages show."""
        return [
            {
                "code": domain["code"],
                "name": localised(domain["name"]),
                "description": localised(domain.get("description")),
                "options": self.scale(domain["scale"]),
                "items": [
                    {
                        "code": item["code"],
                        "kind": item["kind"],
                        "kind_label": ItemKind(item["kind"]).label,
                        "question": localised(item["question"]),
                        "guidance": localised(item.get("guidance")),
                    }
                    for item in domain["items"]
                ],
            }
            for domain in self.definition["domains"]
        ]

    def item_codes(self):
        """{item code: domain code}, in the instrument's order."""
        return {
            item["code"]: domain["code"]
            for domain in self.definition["domains"]
            for item in domain["items"]
        }

    def questions(self, item_codes):
        """The questions of the items named, in the instrument's order."""
        wanted = set(item_codes)
        return [
            localised(item["question"])
            for domain in self.definition["domains"]
            for item in domain["items"]
            if item["code"] in wanted
        ]

    def options_of(self, domain_code):
        domain = next(d for d in self.definition["domains"] if d["code"] == domain_code)
        return [option["code"] for option in self.definition["scales"][domain["scale"]]]


class RaterCertification(models.Model):
    """A user's certification to use an instrument that requires it, recorded by a manager
    of the user's agency. Valid from `certified_on` until `valid_until` (open when blank)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rater_certifications"
    )
    instrument_code = models.SlugField(_("instrument"), max_length=60)
    issued_by = models.CharField(_("issued by"), max_length=200)
    reference = models.CharField(_("certificate reference"), max_length=100, blank=True)
    certified_on = models.DateField(_("certified on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user__first_name", "user__last_name", "instrument_code", "-certified_on"]
        verbose_name = _("rater certification")
        verbose_name_plural = _("rater certifications")

    def __str__(self):
        return f"{self.user} – {self.instrument_code}"

    def is_valid_on(self, day):
        return self.certified_on <= day and (self.valid_until is None or day <= self.valid_until)


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")


class Assessment(models.Model):
    """One assessment of the person in a case with one instrument version.

    It is an information item of the assessor's agency (`agency`): that agency reads
    it; another agency reads a signed assessment only when its journal item (`entry`,
    written at signing) was disclosed to it (tverrnett.consent), like any other item.
    """

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="assessments"
    )
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("instrument"),
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    certification = models.ForeignKey(
        RaterCertification, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_on = models.DateField(_("date of the assessment"))
    # L25: every assessment names the date it is to be reviewed.
    review_on = models.DateField(_("review date"), null=True, blank=True)
    summary = models.TextField(_("summary judgement"), blank=True)
    recommended_measures = models.TextField(_("recommended measures"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    # The information item written at signing: what consent and disclosure act on.
    entry = models.OneToOneField(
        "cases.JournalEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessment",
    )
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking of the draft (C5).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["case", "status"])]

    def __str__(self):
        return f"{self.instrument} {self.assessed_on:%Y-%m-%d}"

    @property
    def is_signed(self):
        return self.status == AssessmentStatus.SIGNED


class Rating(models.Model):
    """The rating of one item in an assessment, with the assessor's note. `value` is an
    option code of the domain's scale; blank while the draft leaves it open."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="ratings")
    domain_code = models.SlugField(max_length=60)
    item_code = models.SlugField(max_length=60)
    position = models.PositiveSmallIntegerField()
    value = models.CharField(_("rating"), max_length=40, blank=True)
    note = models.TextField(_("note"), blank=True)
    unknown_reason = models.TextField(_("why it is unknown"), blank=True)

    class Meta:
        ordering = ["assessment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item_code"], name="one_rating_per_item")
        ]

    def __str__(self):
        return f"{self.item_code}: {self.value}"
