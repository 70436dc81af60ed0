"""The audit log (revisjonslogg): append-only, authenticated with a key the database
does not hold, and sealed in batches.

Each entry carries an HMAC of its id and content under the audit key
(`audit.keys`), written at insert without any lock, so concurrent requests never
queue behind each other. The worker seals the entries written since the last seal
(`audit.sealing`): a seal names exactly which entries it covers, holds one hash
over their rows and the previous seal's hash, and is authenticated with the key
too. `manage.py anchor_audit` copies the newest seal's hash out of the database,
and `manage.py verify_audit` checks entries, seals and anchors, naming the first
bad entry. The application cannot update or delete either table; on PostgreSQL and
SQLite triggers refuse it at the database too.

The actor and agency are stored as id plus a snapshot of their name rather
than as foreign keys: the log must outlive renames and must never be touched
by a cascade, and the audit app depends on no domain app.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tverrnett.audit import authentication


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
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)
    # The inserting transaction's id: a column default on PostgreSQL, with a BRIN
    # index (migration 0004); NULL on SQLite. The sealer seals only transactions that
    # have ended (see audit.sealing). Inserts must leave the column out (services).
    txid = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["action", "created_at"]),
            # The start page's "your previous login": one user's newest auth.login.
            models.Index(fields=["actor_id", "action", "id"]),
            # One object's entries, newest first (the readers of a case read only the
            # latest of them, however often it was read); by id, the log's order.
            models.Index(fields=["target_type", "target_id", "id"]),
            # The log review: one agency's entries in a period.
            models.Index(fields=["agency_id", "created_at"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted")

    def authenticated_values(self) -> dict:
        return {name: getattr(self, name) for name in authentication.ENTRY_FIELDS}

    def compute_mac(self, secret: bytes) -> str:
        return authentication.entry_mac(secret, self.authenticated_values())


class AuditSeal(models.Model):
    """A seal over a batch of entries: which ones, one hash over their rows, the
    previous seal's hash (a chain of seals) and a MAC under the audit key."""

    position = models.PositiveBigIntegerField(unique=True)
    sealed_at = models.DateTimeField()
    entry_ids = models.TextField(help_text="The sealed entries' ids as ranges: 1-40,42")
    entry_count = models.PositiveIntegerField()
    first_entry_id = models.BigIntegerField()
    last_entry_id = models.BigIntegerField(db_index=True)
    # Where the next seal starts: a transaction id on PostgreSQL, an entry id on SQLite.
    horizon = models.BigIntegerField()
    rows_hash = models.CharField(max_length=64)
    prev_hash = models.CharField(max_length=64)
    seal_hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=16)
    mac = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["position"]

    def __str__(self):
        return f"seal {self.position}: {self.entry_count} entries"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit seals cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit seals cannot be deleted")

    def hashed_values(self) -> dict:
        return {name: getattr(self, name) for name in authentication.SEAL_FIELDS}
