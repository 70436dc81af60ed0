"""The audit log (revisjonslogg): append-only and hash-chained.

Each entry carries the SHA-256 of its own content and the previous entry's
hash, so changing, removing or reordering a stored entry breaks the chain
(`manage.py verify_audit` finds it). The application cannot update or delete
entries; on PostgreSQL and SQLite a trigger refuses it at the database too.

The actor and agency are stored as id plus a snapshot of their name rather
than as foreign keys: the log must outlive renames and must never be touched
by a cascade, and the audit app depends on no domain app.
"""

import hashlib
import json
from datetime import UTC

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed")

    def delete(self):
        raise AppendOnlyError("Audit entries cannot be deleted")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are written one at a time through audit.record")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be changed")


class AuditEntry(models.Model):
    """Revisjonsloggpost."""

    created_at = models.DateTimeField(_("time"))
    action = models.CharField(_("action"), max_length=100)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    agency_id = models.BigIntegerField(_("agency id"), null=True, blank=True)
    agency_name = models.CharField(_("agency"), max_length=200, blank=True)
    target_type = models.CharField(_("target type"), max_length=100, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["action", "created_at"]),
            models.Index(fields=["actor_id", "created_at"]),
            # The start page's "your previous login": one user's newest auth.login.
            models.Index(fields=["actor_id", "action", "id"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted")

    def canonical_content(self) -> str:
        """The entry's content as the exact text the hash is computed over."""
        content = {
            "created_at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "agency_id": self.agency_id,
            "agency_name": self.agency_name,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "detail": self.detail,
            "request_id": self.request_id,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical_content().encode("utf-8")).hexdigest()
