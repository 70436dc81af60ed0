"""Meetings of a case forum (issue 21, item 2), like the case panels of E-CINS.

A meeting has a date, a place and the agencies that attended; its agenda is a list of
cases. Each attendee sees each agenda item only as far as they may see its case
(`access.policy.meetings`). What the forum says about a case is not kept here: the
minutes become a journal entry on the case (owned by the writer's agency) and a
decision becomes a task on the case, so the case's own sharing rules apply to them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")


class ForumMeeting(models.Model):
    """Møte i samarbeidsforum."""

    forum = models.ForeignKey(
        "networks.Forum",
        verbose_name=_("case forum"),
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    attended_by = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("attended"),
        through="MeetingAttendee",
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("forum meeting")
        verbose_name_plural = _("forum meetings")

    def __str__(self):
        return f"{self.forum} {self.starts_at:%Y-%m-%d}"


class MeetingAttendee(models.Model):
    """An agency of the network that attended the meeting, and who came for it."""

    meeting = models.ForeignKey(ForumMeeting, on_delete=models.CASCADE, related_name="attendees")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "agency"], name="meeting_attendee_once")
        ]

    def __str__(self):
        return f"{self.meeting}: {self.agency}"


class AgendaItem(models.Model):
    """Sak på sakslisten: a case on a meeting's agenda, with a short label."""

    meeting = models.ForeignKey(ForumMeeting, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="agenda_items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    # Shown with the case reference on the agenda and its print: never a name.
    note = models.CharField(_("short label"), max_length=120, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["meeting", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_case_once")
        ]

    def __str__(self):
        return f"{self.meeting} #{self.position}"


class AgendaMinutes(models.Model):
    """Referat: the journal entry that holds what the meeting said about the item's case."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="minutes")
    entry = models.OneToOneField(
        "cases.JournalEntry", on_delete=models.CASCADE, related_name="agenda_minutes"
    )

    def __str__(self):
        return f"{self.item}: {self.entry_id}"


class AgendaDecision(models.Model):
    """Vedtak: the task on the item's case that a decision of the meeting became."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    task = models.OneToOneField(
        "cases.Task", on_delete=models.CASCADE, related_name="agenda_decision"
    )

    def __str__(self):
        return f"{self.item}: {self.task_id}"
