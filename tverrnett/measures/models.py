"""Individually tailored measures (tiltak) on a concern case (X4, X9, L24).

A measure is chosen together with the person: help, treatment, counselling,
crime prevention, and the measures against exclusion that NAV and others give
(work or education, housing, income, family, network). Every measure has a
responsible agency on the case's team, a status and an evaluation date (L24).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class MeasureGroup(models.TextChoices):
    HELP = "help", _("Help, treatment and counselling")
    CRIME_PREVENTION = "crime_prevention", _("Crime prevention")
    LIVING_CONDITIONS = "living_conditions", _("Work, education and living conditions")
    NETWORK = "network", _("Family, network and belonging")
    RESTORATIVE = "restorative", _("Restorative processes")


class MeasureType(models.Model):
    """A kind of measure (tiltakstype) in the catalogue.

    Loaded from `data/measure_types.json` by `load_measure_types`; never edited in
    the application. A type that left the file is inactive: existing measures keep
    it, new ones cannot choose it.
    """

    code = models.SlugField(max_length=60, unique=True)
    name_nb = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    group = models.CharField(_("group"), max_length=30, choices=MeasureGroup.choices)
    description_nb = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "code"]
        verbose_name = _("measure type")
        verbose_name_plural = _("measure types")

    def __str__(self):
        return self.name

    @property
    def name(self):
        return self.name_en if (get_language() or "").startswith("en") else self.name_nb

    @property
    def description(self):
        english = (get_language() or "").startswith("en")
        return self.description_en if english else self.description_nb


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


# A measure in one of these still runs: it is due for evaluation on its date.
OPEN_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.ONGOING, MeasureStatus.PAUSED)
# A measure ends only through its evaluation (services.evaluate_measure).
ENDED_STATUSES = (MeasureStatus.COMPLETED, MeasureStatus.STOPPED)


class Measure(models.Model):
    """One individually tailored measure (tiltak) for the person in a case (X4, L24)."""

    case = models.ForeignKey("cases.ConcernCase", on_delete=models.CASCADE, related_name="measures")
    measure_type = models.ForeignKey(
        MeasureType,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("type of measure"),
    )
    goal = models.TextField(_("goal"))
    responsible_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible agency"),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    start_on = models.DateField(_("start"))
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    evaluation_on = models.DateField(_("evaluation date"))
    # The evaluation: blank until the measure has been evaluated.
    outcome = models.TextField(_("evaluation"), blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # What the person thinks of the measure, in their own words (X4: tailored together).
    person_view = models.TextField(_("the person's own view"), blank=True)
    # Proposed from a risk and needs assessment (X8): the assessment and the codes of the
    # items its assessor judged most important. Set when the measure is made; kept.
    assessment = models.ForeignKey(
        "assessments.Assessment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposed_measures",
    )
    assessment_items = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Optimistic locking (C5): a save carries the version it was read at.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-start_on", "-id"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        indexes = [models.Index(fields=["evaluation_on", "status"])]

    def __str__(self):
        return f"{self.case}: {self.measure_type}"

    @property
    def proposed_for(self):
        """The questions of the assessment items this measure was proposed for."""
        if self.assessment_id is None:
            return []
        return self.assessment.instrument.questions(self.assessment_items)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def is_evaluated(self):
        return bool(self.outcome)

    @property
    def is_overdue(self):
        return self.is_open and self.evaluation_on < timezone.localdate()
