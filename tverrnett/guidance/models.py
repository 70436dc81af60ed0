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


# The resource library (issue 21 item 6, X9 step 10) ----------------------------


class LibraryKind(models.TextChoices):
    GUIDANCE = "guidance", _("Guidance")
    RVTS_MATERIAL = "rvts_material", _("RVTS material")
    LITERATURE = "literature", _("Literature")
    OTHER = "other", _("Other")


class LibraryLanguage(models.TextChoices):
    NB = "nb", _("Norwegian bokmål")
    NN = "nn", _("Norwegian nynorsk")
    EN = "en", _("English")
    OTHER = "other", _("Other language")


class LibraryResource(models.Model):
    """A piece of material in the resource library: guidance, RVTS material, literature.

    Users acting for an RVTS agency add and edit entries; every member reads the
    published ones. The link is shown as a link: the server never fetches it. Entries
    loaded from `data/library.json` carry a `slug`; those added in the application
    have none.
    """

    slug = models.SlugField(_("key"), max_length=80, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=LibraryKind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=LibraryLanguage.choices, default=LibraryLanguage.NB
    )
    is_published = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now_add=True)
    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("library resource")
        verbose_name_plural = _("library resources")

    def __str__(self):
        return self.title
