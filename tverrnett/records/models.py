"""The records lifecycle (C3, L29, L38, L39): retention schedules as data, the cases due
under them, legal holds, archival packages (Noark 5) and the tombstones of deleted cases.

A case's personal data is deleted when its schedule's period has run from its start
(closing, the last review after exit), unless a legal hold stops it, and only after its
archival package's receipt is recorded where the schedule says "archive first". What
remains of a deleted case is its `Tombstone`, here and in the tombstone ledger outside
the database (`RECORDS_TOMBSTONE_LEDGER`), which a restore re-applies.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RecordKind(models.TextChoices):
    ANONYMOUS_DISCUSSION = "anonymous_discussion", _("Anonymous discussion")
    CONCERN_CLOSED_WITHOUT_MEASURES = (
        "concern_closed_without_measures",
        _("Concern case closed without measures"),
    )
    CASE_CLOSED_AFTER_FOLLOW_UP = "case_closed_after_follow_up", _("Case closed after follow-up")
    EXIT_CASE = "exit_case", _("Exit case")
    INDIVIDUAL_PLAN = "individual_plan", _("Individual plan")
    ASSESSMENT = "assessment", _("Risk and needs assessment")
    NOTICE_CHAIN = "notice_chain", _("Notice chain")
    UPLOADED_FILES = "uploaded_files", _("Uploaded files")
    AUDIT_LOG = "audit_log", _("Audit log")


class StartsFrom(models.TextChoices):
    REGISTRATION = "registration", pgettext_lazy("retention starts from", "registration")
    CLOSING = "closing", _("closing of the case")
    LAST_REVIEW_AFTER_EXIT = "last_review_after_exit", _("the last review after exit")
    PLAN_END = "plan_end", _("the end of the plan")
    WITH_THE_CASE = "with_the_case", _("follows the case")
    ENTRY = "entry", _("the entry is written")


class RetentionAction(models.TextChoices):
    DELETE = "delete", _("Delete")
    ANONYMISE = "anonymise", _("Anonymise")
    KEEP = "keep", _("Keep")


class RetentionRule(models.Model):
    """One line of the retention schedule (data/retention_schedules.json)."""

    kind = models.CharField(
        _("kind of record"), max_length=40, choices=RecordKind.choices, unique=True
    )
    period_days = models.PositiveIntegerField(_("period (days)"), null=True, blank=True)
    starts_from = models.CharField(_("starts from"), max_length=30, choices=StartsFrom.choices)
    action = models.CharField(_("action"), max_length=10, choices=RetentionAction.choices)
    archive_first = models.BooleanField(_("archive before deletion"))
    authority = models.TextField(_("law or decision"))
    # A value the data controller must decide: the file's default is a safe one, and the
    # health page warns until a records officer confirms it.
    controller_must_decide = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    catalogue_version = models.CharField(max_length=40)

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    @property
    def awaits_confirmation(self):
        return self.controller_must_decide and self.confirmed_at is None


class CaseRetention(models.Model):
    """A case whose deletion is coming: entered when it comes within
    `RECORDS_PREVIEW_DAYS` of its due date (the records officer's preview list)."""

    case = models.OneToOneField(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="retention"
    )
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField(_("due"))
    previewed_at = models.DateTimeField(default=timezone.now)
    package = models.ForeignKey(
        "records.ArchivePackage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="retentions",
    )

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self):
        return f"{self.case_id}: {self.due_on}"


class LegalHold(models.Model):
    """Stops the lifecycle of one case (a lawsuit, an inspection, a request for access
    under way) until lifted. Placing and lifting are audited."""

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(_("why the hold is lifted"), blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(lifted_at__isnull=True), name="one_open_hold"
            )
        ]

    def __str__(self):
        return f"{self.case_id}: hold"


class ArchivePackage(models.Model):
    """An archival package (Noark 5 arkivuttrekk) of due cases, written to
    `RECORDS_ARCHIVE_DIR` outside the database and kept there until the archive's
    receipt is recorded."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    directory = models.CharField(max_length=200)
    checksum = models.CharField(_("SHA-256 of the package's manifest"), max_length=64)
    case_ids = models.JSONField(default=list)
    receipt_reference = models.CharField(_("the archive's receipt"), max_length=200, blank=True)
    receipt_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    receipt_recorded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.directory

    @property
    def is_receipted(self):
        return self.receipt_recorded_at is not None


class Tombstone(models.Model):
    """What remains of a deleted case: no personal data, so nobody wonders where it went."""

    case_id = models.BigIntegerField(unique=True)
    reference = models.CharField(_("reference"), max_length=40)
    kind = models.CharField(_("kind of record"), max_length=40, choices=RecordKind.choices)
    registered_on = models.DateField(_("registered"))
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), default=timezone.now)
    rule_kind = models.CharField(max_length=40)
    catalogue_version = models.CharField(max_length=40)
    archive_receipt = models.CharField(_("the archive's receipt"), max_length=200, blank=True)
    # The agency that coordinated the case (its records officer's list of deleted cases).
    # An id, not a foreign key: a tombstone outlives anything it could point at.
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-deleted_at", "-id"]

    def __str__(self):
        return self.reference


class DeletionPermit(models.Model):
    """A row that exists only inside the transaction deleting a case: the append-only
    triggers on disclosures and signed assessments let a DELETE through while one
    exists. Other transactions never see it (it is deleted before the commit)."""

    case_id = models.BigIntegerField()

    def __str__(self):
        return f"permit {self.case_id}"
