"""Competence building (kompetanseheving, N8): events, their material and registrations.

An event belongs to a network and reaches the members of that network and of
every network below it (the same reach `policy.visible_network_ids` gives).
The organiser agency (for example an RVTS) manages it: edits it, uploads
material and marks attendance.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _


class EventQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Events in a network the user may see, and events their own agency organises."""
        from tverrnett.access import policy

        return self.filter(
            Q(network_id__in=policy.visible_network_ids(user))
            | Q(organiser_id__in=policy.event_agency_ids(user))
        )

    def managed_by(self, user):
        """Events the user may change: their agency (an active membership) organises them."""
        from tverrnett.access import policy

        return self.filter(organiser_id__in=policy.event_agency_ids(user))

    def with_registration_of(self, user):
        return self.annotate(
            is_registered=Exists(Registration.objects.filter(event=OuterRef("pk"), user=user))
        )


class Event(models.Model):
    """Arrangement: a course, seminar or meeting for building competence."""

    network = models.ForeignKey(
        "networks.Network",
        verbose_name=_("network"),
        help_text=_("The event is for the members of this network and the networks below it."),
        on_delete=models.PROTECT,
        related_name="events",
    )
    organiser = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="organised_events",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_url = models.URLField(_("online meeting link"), max_length=500, blank=True)
    capacity = models.PositiveIntegerField(_("number of places"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    # The version the user read, moved on by each save (C5, tverrnett/core/versions.py).
    version = models.PositiveIntegerField(default=1)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "title"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_url=""), name="event_has_place_or_link"
            ),
        ]

    def __str__(self):
        return self.title


def material_path(instance, filename):
    """A random name under MEDIA_ROOT; the user's file name is kept only in the database."""
    return f"events/{secrets.token_hex(16)}"


class EventMaterial(models.Model):
    """Materiell: a file that belongs to an event (slides, handouts)."""

    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="materials")
    file = models.FileField(upload_to=material_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["event", "original_name"]
        verbose_name = _("event material")
        verbose_name_plural = _("event material")

    def __str__(self):
        return self.original_name

    @property
    def kind(self):
        from tverrnett.core.files import label_for

        return label_for(self.content_type)


class Registration(models.Model):
    """Påmelding: a user registered for an event, and whether they came."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="event_registrations"
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # None until the organiser marks it.
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    class Meta:
        ordering = ["event", "registered_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="registration_once_per_user")
        ]

    def __str__(self):
        return f"{self.user} – {self.event}"
