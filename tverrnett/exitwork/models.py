"""Exit work (exit-arbeid) on a concern case: the person wants help to leave an
extremist milieu (X1-X11).

The planning checklist's steps are the case's `ChecklistItem` rows; background and
motivation are the case's information items (`JournalEntry` with a topic), so the
consent rules apply to them as to any other item. What lives here is what only exit
work has: that it started, the returnee's linked child cases (L28) and the
follow-up reviews after exit (L29).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExitWork(models.Model):
    """The case is an exit case from this moment."""

    case = models.OneToOneField(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="exit_work"
    )
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A returning foreign fighter or another returnee from a conflict area (X11.12, L28).
    is_returnee = models.BooleanField(_("the person is a returnee"), default=False)
    # Written when the case closes: how the checklist and the process went (L29).
    checklist_evaluation = models.TextField(_("evaluation of the checklist"), blank=True)

    class Meta:
        verbose_name = _("exit work")

    def __str__(self):
        return f"{self.case}: exit work"


class ChildCaseLink(models.Model):
    """A child of a returnee has a case of its own, owned by child welfare (L28).

    The link tells the returnee's team that a child case exists; what is in it
    stays behind child welfare's confidentiality (the child case's own team).
    """

    parent_case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="child_links"
    )
    child_case = models.OneToOneField(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="parent_link"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.parent_case} → {self.child_case}"


class FollowUpReview(models.Model):
    """A review of how the person is doing some months after the exit case closed (L29)."""

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="follow_up_reviews"
    )
    months_after = models.PositiveSmallIntegerField(_("months after closing"))
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    outcome = models.TextField(_("how the person is doing"), blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "months_after"], name="follow_up_review_once_per_case_and_month"
            )
        ]
        indexes = [models.Index(fields=["done_at", "due_on"])]

    def __str__(self):
        return f"{self.case}: {self.months_after} months"

    @property
    def is_overdue(self):
        return self.done_at is None and self.due_on < timezone.localdate()
