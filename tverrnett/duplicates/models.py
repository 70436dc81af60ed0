"""Possible duplicates (mulige dobbeltregistreringer) and merged cases.

When an intake matches the person of an open case the registering user cannot see,
the user is told nothing and that case's coordinator role gets a `DuplicateNotice`.
The coordinator dismisses it or merges the two cases; when the coordinator cannot
manage the new case, the merge is proposed to the new case's coordinator role, and
happens when that side agrees. A `CaseMerge` records a merge: the merged case is
closed, and what it held moved to the surviving case or stays linked through this row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the coordinator")
    PROPOSED = "proposed", _("Merge proposed to the other case's coordinator")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Dismissed")
    DECLINED = "declined", _("Merge declined")


class MatchedOn(models.TextChoices):
    IDENTITY_NUMBER = "identity_number", _("the national identity number")
    NAME_AND_BIRTH = "name_and_birth", _("the name and the date or year of birth")


class DuplicateNotice(models.Model):
    """Another agency registered a concern that may be about the same person."""

    # The case the registering user could not see; its coordinator role is told.
    existing_case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="duplicate_notices"
    )
    # The case the intake made.
    new_case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="duplicate_notices_as_new"
    )
    registering_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="+"
    )
    matched_on = models.CharField(max_length=20, choices=MatchedOn.choices)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["existing_case", "new_case"], name="duplicate_notice_once_per_pair"
            )
        ]

    def __str__(self):
        return f"{self.existing_case} ~ {self.new_case}"

    @property
    def is_open(self):
        return self.status in (NoticeStatus.OPEN, NoticeStatus.PROPOSED)


class CaseMerge(models.Model):
    """A case merged into another (sammenslåtte saker)."""

    merged_case = models.OneToOneField(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="merged_into"
    )
    survivor = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="merged_from"
    )
    notice = models.OneToOneField(
        DuplicateNotice, on_delete=models.PROTECT, null=True, blank=True, related_name="merge"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The survivor's coordinator who proposed it, when the merged case's coordinator
    # agreed (the two-sided merge); empty when one user managed both cases.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    # {"app.Model.field": rows} moved to the survivor, and kept with the merged case.
    moved = models.JSONField(default=dict)
    kept = models.JSONField(default=dict)

    class Meta:
        ordering = ["-merged_at", "-id"]

    def __str__(self):
        return f"{self.merged_case} → {self.survivor}"
