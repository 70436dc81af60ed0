"""Invitations: how a new person gets an account in an agency (issue 19, item 3)."""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tverrnett.accounts.models import MembershipRole


def token_hash(token):
    """The stored form of an invitation token. The token is 256 random bits, so a plain
    SHA-256 is enough: the database never holds a link that works."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class Invitation(models.Model):
    """Invitasjon: an agency administrator asks a person to join the agency in a role.

    The e-mail carries a one-time link with a random token; only its hash is stored.
    The membership is created when the person accepts.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=40, choices=MembershipRole.choices)
    first_name = models.CharField(_("first name"), max_length=150)
    last_name = models.CharField(_("last name"), max_length=150)
    email = models.EmailField(_("e-mail"))
    # The language of the invitation e-mail and, once accepted, of the new user's pages
    # and e-mails (a code from settings.LANGUAGES; empty: the site's language).
    language = models.CharField(_("language"), max_length=8, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def status(self, now=None):
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING

    def is_pending(self, now=None):
        return self.status(now) == InvitationStatus.PENDING
