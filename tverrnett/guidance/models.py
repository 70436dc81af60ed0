"""Guidance requests to an RVTS centre or Nav Grünerløkka (N7, X10, L55).

A guidance request asks for advice about a concern in general terms. It
carries no identifying details about the person concerned: the form has no
fields for them and refuses a question that contains a national identity
number. The municipality is there only to route the request to the RVTS
region that serves it.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Recipient(models.TextChoices):
    RVTS = "rvts", _("RVTS (the regional resource centre for the municipality)")
    NAV_GRUNERLOKKA = "nav_grunerlokka", _("Nav Grünerløkka (national contact point for exit work)")


class Topic(models.TextChoices):
    GETTING_STARTED = "getting_started", _("Getting started with a concern")
    EXIT_WORK = "exit_work", _("Exit work")
    RISK_ASSESSMENT = "risk_assessment", _("Risk and needs assessment")
    NETWORK_BUILDING = "network_building", _("Network building")
    OTHER = "other", _("Other")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")


class GuidanceRequest(models.Model):
    """Veiledningsforespørsel."""

    recipient = models.CharField(_("recipient"), max_length=20, choices=Recipient.choices)
    municipality = models.ForeignKey(
        "geography.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The region the request was routed to (RVTS only), kept as it was when sent.
    rvts_region = models.ForeignKey(
        "geography.RvtsRegion",
        verbose_name=_("RVTS region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipient_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("receiving agency"),
        on_delete=models.PROTECT,
        related_name="guidance_requests_received",
    )
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    question = models.TextField(_("question"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.PROTECT,
        related_name="guidance_requests_sent",
    )
    sender_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("sending agency"),
        on_delete=models.PROTECT,
        related_name="guidance_requests_sent",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guidance_requests_answered",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    # Asked from an exit case (X10): the answer is filed on that case. The request
    # itself still carries nothing that names the person.
    case = models.ForeignKey(
        "cases.ConcernCase",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="guidance_requests",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("guidance request")
        verbose_name_plural = _("guidance requests")
        indexes = [
            models.Index(fields=["recipient_agency", "status"], name="guidance_inbox_idx"),
        ]

    def __str__(self):
        return f"{self.get_topic_display()} ({self.created_at:%Y-%m-%d})"

    @property
    def is_open(self):
        return self.status == Status.OPEN
