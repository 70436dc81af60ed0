"""Contact agreements and conversations in exit work (X11 steps 6 and 14, L23).

A contact agreement (kontaktavtale) says who contacts the person, how, when and
where, and who must not. A conversation (samtale) is planned with its
attendees and, for a child, with the guardians' and child welfare's part
decided. What was said is written in the journal, under the journal's rules:
nothing of it is stored here.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ContactChannel(models.TextChoices):
    IN_PERSON = "in_person", _("Meeting in person")
    PHONE = "phone", _("Phone")
    VIDEO = "video", _("Video")
    MESSAGE = "message", _("Message")
    TRUSTED_PERSON = "trusted_person", _("Through a trusted person")
    OTHER = "other", _("Other")


class Attendance(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class ContactAgreement(models.Model):
    """A contact agreement (kontaktavtale): who contacts the person, how, when, where (X11.6)."""

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="contact_agreements"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency that makes contact"),
    )
    contact_name = models.CharField(_("who makes contact"), max_length=200)
    channel = models.CharField(_("how"), max_length=20, choices=ContactChannel.choices)
    when = models.CharField(_("when"), max_length=300)
    next_contact_on = models.DateField(_("next contact"), null=True, blank=True)
    where = models.CharField(_("where"), max_length=300, blank=True)
    not_to_contact = models.TextField(_("who must not contact the person, and why"), blank=True)
    note = models.TextField(_("note"), blank=True)
    agreed_on = models.DateField(_("agreed on"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic locking (C5): a save carries the version it was read at.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-agreed_on", "-id"]
        verbose_name = _("contact agreement")
        verbose_name_plural = _("contact agreements")

    def __str__(self):
        return f"{self.case}: {self.get_channel_display()}"


class Conversation(models.Model):
    """A conversation (samtale) with the person, planned and then held (X11.14, L23)."""

    case = models.ForeignKey(
        "cases.ConcernCase", on_delete=models.CASCADE, related_name="conversations"
    )
    is_first = models.BooleanField(_("first conversation"), default=False)
    planned_at = models.DateTimeField(_("planned for"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    # One name or role per line; never empty (L23).
    attendees = models.TextField(_("who attends"))
    # Blank for an adult. For a child both are answered, a "no" with its reason.
    guardians_attend = models.CharField(
        _("do the guardians attend?"), max_length=20, choices=Attendance.choices, blank=True
    )
    guardians_reason = models.TextField(_("why the guardians do not attend"), blank=True)
    child_welfare_attends = models.CharField(
        _("does child welfare attend?"), max_length=20, choices=Attendance.choices, blank=True
    )
    child_welfare_reason = models.TextField(_("why child welfare does not attend"), blank=True)
    trusted_person = models.CharField(_("another trusted person"), max_length=300, blank=True)
    interpretation_needed = models.BooleanField(_("interpretation needed"), default=False)
    interpreter_language = models.CharField(_("interpreter language"), max_length=100, blank=True)
    held_at = models.DateTimeField(_("held"), null=True, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The review task opened when the first conversation was held (L23).
    review_task = models.OneToOneField(
        "cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-planned_at", "-id"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        indexes = [models.Index(fields=["case", "held_at", "planned_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(is_first=True),
                name="conversation_one_first_per_case",
            ),
        ]

    def __str__(self):
        return f"{self.case}: {self.planned_at:%Y-%m-%d %H:%M}"

    @property
    def is_held(self):
        return self.held_at is not None

    @property
    def attendee_list(self):
        return [line for line in self.attendees.splitlines() if line.strip()]
