"""Etterkontroll av logg (L45): what an agency's privacy and security officer has
reviewed in the access log, and the monthly sample of ordinary reads.

A log entry is named by its id (`entry_id`), not by a foreign key: the audit app owns
its table and depends on no domain app, and nothing here may hold up a change to it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReviewKind(models.TextChoices):
    FLAGGED = "flagged", _("Flagged by a rule")
    SAMPLE = "sample", _("Monthly sample")


class Review(models.Model):
    """Kontrollert: one log entry reviewed by the agency's privacy officer, with a note."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    entry_id = models.BigIntegerField(_("log entry"))
    # The entry's time, so the page finds the reviews of a period without a list of ids.
    entry_created_at = models.DateTimeField(_("time of the log entry"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReviewKind.choices)
    # The rules that flagged the entry when it was reviewed (empty for a sample).
    rules = models.JSONField(_("rules"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed"), default=timezone.now)

    class Meta:
        ordering = ["-reviewed_at", "-id"]
        verbose_name = _("log review")
        verbose_name_plural = _("log reviews")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "entry_id"], name="logreview_entry_reviewed_once"
            )
        ]
        indexes = [models.Index(fields=["agency", "entry_created_at"])]

    def __str__(self):
        return f"{self.agency_id}: {self.entry_id}"


class MonthlySample(models.Model):
    """Stikkprøve: the ordinary reads of one month drawn for review, drawn once per
    agency and month by the worker and never drawn again, so the sample is stable."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # its first day
    entry_ids = models.JSONField(_("log entries"), default=list)
    # How many ordinary reads there were to draw from.
    population = models.PositiveIntegerField(_("ordinary reads"), default=0)
    drawn_at = models.DateTimeField(_("drawn"), default=timezone.now)

    class Meta:
        ordering = ["-month", "agency_id"]
        verbose_name = _("monthly sample")
        verbose_name_plural = _("monthly samples")
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="logreview_one_sample_a_month")
        ]

    def __str__(self):
        return f"{self.agency_id}: {self.month:%Y-%m}"
