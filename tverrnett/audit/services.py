"""Writing to the audit log.

`record` is the only way in. Call it inside the same `transaction.atomic()`
block as the change it records, so the change and its entry commit or roll
back together. A read goes through `record_read`, which in a request waits
for the response to be a success (a refused request leaves no read entry).
"""

from django.db import connection, models, transaction
from django.utils import timezone

from tverrnett.audit import actions
from tverrnett.audit.context import current_request_id
from tverrnett.audit.models import GENESIS_HASH, AuditEntry

# Any constant works; it only has to be the same in every process.
_CHAIN_LOCK_KEY = 7_160_201


def _lock_chain():
    """Serialise writers so every entry links to the one committed before it.

    On SQLite the IMMEDIATE transaction mode (settings.py) already gives the
    writer the database lock; on PostgreSQL an advisory lock held to the end
    of the transaction does the same without blocking readers.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def _label(obj, attribute):
    return str(getattr(obj, attribute, "") or "")[:200] if obj is not None else ""


def record(action, *, actor=None, agency=None, target=None, detail=None, request=None):
    """Append an entry for `action` and return it.

    `actor` is a user (or None for the system or an anonymous caller),
    `agency` the agency the actor acted for, `target` the model instance the
    action concerns. `detail` is a small JSON-able dict: ids and codes, not
    free text, and never a person's identity number.
    """
    actions.get(action)  # refuses unknown names
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None and agency is None:
        agency = getattr(request, "agency", None)
    with transaction.atomic():
        _lock_chain()
        previous = _last_hash()
        entry = AuditEntry(
            created_at=timezone.now(),
            action=action,
            actor_id=actor.pk if actor is not None else None,
            actor_username=actor.get_username() if actor is not None else "",
            agency_id=agency.pk if agency is not None else None,
            agency_name=_label(agency, "name"),
            target_type=target._meta.label_lower if target is not None else "",
            target_id=str(target.pk) if target is not None else "",
            detail=detail or {},
            request_id=current_request_id.get(),
            ip_address=_client_ip(request),
            prev_hash=previous,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


def record_read(action, *, actor=None, agency=None, target=None, detail=None, request=None):
    """Like `record`, for a read: inside a request served through
    `DeferredReadMiddleware` the entry waits until the response is known to be a
    success (below 400), so a refused page leaves no read entry. The agency and the
    request's id are taken now, as `record` would."""
    pending = getattr(request, "deferred_reads", None) if request is not None else None
    if pending is None:
        return record(
            action, actor=actor, agency=agency, target=target, detail=detail, request=request
        )
    actions.get(action)  # refuse unknown names at once, not after the response
    if agency is None:
        agency = getattr(request, "agency", None)
    pending.append(
        {"action": action, "actor": actor, "agency": agency, "target": target, "detail": detail}
    )
    return None


def write_deferred_reads(request):
    """Write the reads `record_read` queued on `request` (each in its own transaction, as
    `record` does: a read changes nothing else)."""
    for entry in request.deferred_reads:
        record(**entry, request=request)


def _last_hash():
    return (
        AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        or GENESIS_HASH
    )


def append_generated(entries, batch_size=1000):
    """Append prepared, unsaved entries in their order, chained like `record` does.

    For generated data sets only (`generate_scale_data`): the application
    writes one entry per change through `record`. Action names are checked
    against the registry all the same.
    """
    for entry in entries:
        actions.get(entry.action)
    with transaction.atomic():
        _lock_chain()
        previous = _last_hash()
        for entry in entries:
            entry.prev_hash = previous
            entry.entry_hash = previous = entry.compute_hash()
        # AuditEntry.objects refuses bulk writes on purpose; inserts are all this does.
        models.QuerySet(model=AuditEntry).bulk_create(entries, batch_size=batch_size)
    return len(entries)


def _client_ip(request):
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted
    # proxy rewrites it, and the audit log must not record what a caller claims.
    return request.META.get("REMOTE_ADDR") or None


def verify_chain(batch_size=2000):
    """Walk the log in order. Return (count, None) or (count, (entry_id, reason))."""
    expected_prev = GENESIS_HASH
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        count += 1
        if entry.prev_hash != expected_prev:
            return count, (entry.pk, "does not link to the entry before it")
        if entry.compute_hash() != entry.entry_hash:
            return count, (entry.pk, "content does not match its hash")
        expected_prev = entry.entry_hash
    return count, None
