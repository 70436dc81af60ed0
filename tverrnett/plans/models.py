"""Individual plans (individuell plan, N10, L30-L33).

A plan belongs to a person and is made on one of their cases, under a consent that
says the person wants a plan and lets its services use the information it needs
(L30). A person has at most one current plan (L31). Its content follows the
regulation on individual plans (forskrift om habilitering og rehabilitering,
individuell plan og koordinator § 21): the nine sections of `SECTIONS` (L32). Each
finalised version is kept as it was (`PlanVersion`); the plan itself goes on being
worked on between revisions.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ENDED = "ended", pgettext_lazy("plan status", "Ended")


CURRENT_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE)


class IndividualPlan(models.Model):
    person = models.ForeignKey(
        "cases.Person", on_delete=models.PROTECT, related_name="individual_plans"
    )
    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="individual_plans"
    )
    consent = models.ForeignKey(
        "consent.Consent", on_delete=models.PROTECT, related_name="individual_plans"
    )
    # Held by a role, so the plan keeps its coordinator when people change jobs.
    coordinator_role = models.ForeignKey(
        "networks.Role",
        on_delete=models.PROTECT,
        related_name="coordinated_plans",
        verbose_name=_("coordinator"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    # The sections written in words (the others are goals, measures, the coordinator,
    # the consent and the revision dates).
    overview = models.TextField(_("goals, resources and needs"), blank=True)
    participation = models.TextField(
        _("who takes part in the work, and how the person takes part"), blank=True
    )
    follow_up = models.TextField(_("how the plan is followed up and evaluated"), blank=True)
    if_service_declined = models.TextField(
        _("what happens if the person does not want a service"), blank=True
    )
    # Internal to the services: never in the participation view or the PDF.
    internal_note = models.TextField(_("internal note for the services"), blank=True)
    period_start = models.DateField(_("plan period from"), null=True, blank=True)
    period_end = models.DateField(_("plan period until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(_("why the plan ended"), blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("individual plan")
        verbose_name_plural = _("individual plans")
        constraints = [
            # L31: one current plan per person, whatever races the services lose.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["draft", "active"]),
                name="one_current_individual_plan_per_person",
            ),
        ]

    def __str__(self):
        return f"{self.person}: individual plan"

    @property
    def is_current(self):
        return self.status in CURRENT_STATUSES


class PlanGoal(models.Model):
    """A goal of the plan. The person's own goals are stored as theirs (L33): in their
    own words, recorded by the user who wrote them down, or entered by the person
    themself through their own access (`entered_by_person`, and no user)."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(_("goal"))
    by_person = models.BooleanField(_("the person's own goal, in their own words"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    entered_by_person = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-by_person", "recorded_at", "id"]

    def __str__(self):
        return self.text[:60]


class PlanComment(models.Model):
    """A comment the person wrote on their own plan through their own access (L33).
    Never edited; the coordinator reads it on the plan page."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"))
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["written_at", "id"]

    def __str__(self):
        return self.text[:60]


class PlanMeasure(models.Model):
    """A measure in the plan: which service, how much and when (L32). Linked to the case's
    measure where there is one."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey(
        "measures.Measure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_entries",
        verbose_name=_("the case's measure"),
    )
    description = models.CharField(_("measure"), max_length=300)
    responsible_agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible service"),
    )
    extent = models.CharField(_("extent"), max_length=200)
    timing = models.CharField(_("when"), max_length=200)
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.description


class PlanRevision(models.Model):
    """A date the plan is to be revised; the coordinator gets a task before it."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="revisions")
    due_on = models.DateField(_("revision date"))
    done_at = models.DateTimeField(null=True, blank=True)
    reminder_task = models.OneToOneField(
        "cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "due_on"], name="plan_revision_date_once")
        ]

    def __str__(self):
        return f"{self.plan}: {self.due_on}"

    @property
    def is_overdue(self):
        return self.done_at is None and self.due_on < timezone.localdate()


class PlanContribution(models.Model):
    """A service's own part of the plan. Each service (the school too) writes only its own."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="contributions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("our part of the plan"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["agency__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "agency"], name="plan_contribution_once")
        ]

    def __str__(self):
        return f"{self.plan}: {self.agency}"


class PlanVersion(models.Model):
    """A finalised version, kept as it was: the plan's content as JSON (L33)."""

    plan = models.ForeignKey(IndividualPlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    finalised_at = models.DateTimeField(default=timezone.now)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once")
        ]

    def __str__(self):
        return f"{self.plan}: version {self.number}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A finalised plan version is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A finalised plan version is never deleted.")
