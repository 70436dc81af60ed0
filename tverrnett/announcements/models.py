"""Announcements and decisions posted in a network (N6), and who has read them.

An announcement in a network reaches every member of that network and of the
networks below it: work at national and regional level flows down to the
people who work locally. `services.recipients_of` says who they are.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AnnouncementKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", _("Announcement")
    DECISION = "decision", _("Decision")


class Announcement(models.Model):
    """Kunngjøring (or beslutning): a message from a network to its members and those below."""

    network = models.ForeignKey(
        "networks.Network",
        verbose_name=_("network"),
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=AnnouncementKind.choices,
        default=AnnouncementKind.ANNOUNCEMENT,
    )
    title = models.CharField(_("title"), max_length=200)
    # Plain text; templates escape it and keep its line breaks.
    body = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    author_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["network", "-published_at"])]

    def __str__(self):
        return self.title


class ReadReceipt(models.Model):
    """Lesekvittering: when a user first opened an announcement."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="read_receipts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_receipts"
    )
    read_at = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        ordering = ["read_at", "id"]
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "user"], name="read_receipt_once_per_user"
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.announcement}"
