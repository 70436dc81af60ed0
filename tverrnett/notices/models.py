"""Notices (varsler) along notification chains, and the reminders the worker sends
(X11.12, X11.13, L14, L26, L27).

A `NoticeChain` is one run of a chain template (chains.py, data/chains.json): a
presumed foreign fighter's return from PST to the police district and on to the
municipality, or a return learned locally from the municipality or NAV to the police
and PST. Each hop is a `Notice` to a role (holder and deputy), never to a person
only, with a deadline to acknowledge; an unacknowledged notice escalates (to the
deputy, then to the agency's managers). `NoticeEvent` is the chain's timeline.

`Delivery` records every e-mail and reminder sent, under a key that names what it was
about: the worker checks the key before it sends, so running a job twice sends
nothing twice.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class ChainStatus(models.TextChoices):
    OPEN = "open", _("Under way")
    COMPLETED = "completed", _("Completed")


class NoticeChain(models.Model):
    template = models.CharField(_("chain"), max_length=60)
    municipality = models.ForeignKey(
        "geography.Municipality",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("municipality"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="started_notice_chains"
    )
    started_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=ChainStatus.choices, default=ChainStatus.OPEN)
    # The municipality's decision on special follow-up (X11.12): blank until made.
    special_follow_up = models.BooleanField(_("special follow-up"), null=True, blank=True)
    decision_note = models.TextField(_("about the decision"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # A case the notice led to: the chain links to it. Its reference shows only to those
    # who may see the case; the link is changed or removed only by the agency that made it
    # or the case's coordinator (policy.can_change_notice_case_link).
    case = models.ForeignKey(
        "cases.ConcernCase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notice_chains",
    )
    case_linked_by_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("notice chain")
        verbose_name_plural = _("notice chains")

    def __str__(self):
        return self.subject


class Notice(models.Model):
    """One hop of a chain: a notice from an agency to a role, to be acknowledged."""

    chain = models.ForeignKey(NoticeChain, on_delete=models.PROTECT, related_name="notices")
    hop = models.PositiveSmallIntegerField()
    # The decision going back along the chain is a notice too.
    is_decision = models.BooleanField(default=False)
    sender_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipient_role = models.ForeignKey(
        "networks.Role", on_delete=models.PROTECT, related_name="notices"
    )
    # Exactly what the sender chose to send, and on what ground.
    content = models.TextField(_("content"))
    legal_basis = models.ForeignKey(
        "consent.LegalBasis",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("legal basis"),
    )
    sent_at = models.DateTimeField(default=timezone.now)
    deadline = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # 0: with the role's holder and deputy; 1: escalated to the deputy; 2: to the
    # agency's managers.
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Set when the recipient passed the chain on to its next hop.
    forwarded = models.BooleanField(default=False)

    class Meta:
        ordering = ["chain", "hop", "id"]
        indexes = [models.Index(fields=["acknowledged_at", "deadline"])]

    def __str__(self):
        return f"{self.chain} → {self.recipient_role}"

    @property
    def is_overdue(self):
        return self.acknowledged_at is None and self.deadline < timezone.now()


class EventKind(models.TextChoices):
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED_TO_DEPUTY = "escalated_deputy", _("Escalated to the deputy")
    ESCALATED_TO_MANAGERS = "escalated_managers", _("Escalated to the agency's managers")
    NOBODY_TO_ESCALATE_TO = "no_escalation", _("Nobody to escalate to")
    DECIDED = "decided", _("Decision on special follow-up")
    CASE_LINKED = "case_linked", _("Linked to a case")
    CASE_UNLINKED = "case_unlinked", _("Link to a case removed")


class NoticeEvent(models.Model):
    chain = models.ForeignKey(NoticeChain, on_delete=models.PROTECT, related_name="events")
    notice = models.ForeignKey(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Who was told: names, not ids, so the timeline reads as it was. Never a case
    # reference: everyone on the chain reads the timeline.
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.chain}: {self.kind} {self.at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """An e-mail or reminder sent once: `key` says about what, to whom and for when."""

    key = models.CharField(max_length=200, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=40)
    url = models.CharField(max_length=300)
    # When it was recorded (the e-mail leaves once the recording transaction commits).
    sent_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(default=False)
    # The claim of the process sending it (emails.claim_next): nobody else sends it until
    # `claimed_until`. A claim that ran out (the process died) may be taken again.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [
            models.Index(fields=["user", "sent_at"]),
            # The worker's retry reads only the unsent ones.
            models.Index(
                fields=["claimed_until"],
                condition=models.Q(emailed=False),
                name="notices_delivery_unsent",
            ),
        ]

    def __str__(self):
        return self.key


class CoordinatorChange(models.Model):
    """A case moved from one coordinator role to another (L21), told to one of the two roles
    (its holder and deputy): one row for the old role, one for the new. In the app it shows
    the case's reference only to those who may see the case; the e-mail says only that a
    notice waits."""

    role = models.ForeignKey("networks.Role", on_delete=models.PROTECT, related_name="+")
    # Gone with the case (an anonymous discussion past its time is deleted, C3).
    case = models.ForeignKey("cases.ConcernCase", on_delete=models.CASCADE, related_name="+")
    from_role = models.ForeignKey("networks.Role", on_delete=models.PROTECT, related_name="+")
    to_role = models.ForeignKey("networks.Role", on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.from_role} → {self.to_role}"
