"""Writing to the audit log.

`record` is the only way in. Call it inside the same `transaction.atomic()`
block as the change it records, so the change and its entry commit or roll
back together. A read goes through `record_read`, which in a request waits
for the response to be a success (a refused request leaves no read entry).
"""

import ipaddress
import threading
import time
from contextlib import nullcontext

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tverrnett.audit import actions, authentication, keys
from tverrnett.audit.context import current_request_id
from tverrnett.audit.models import AuditEntry


def _next_entry_id():
    """The new entry's id, taken before the insert because its MAC covers it.

    PostgreSQL hands out sequence values without waiting for other transactions; a
    process draws a few at a time (`_IdBlock`). On SQLite the IMMEDIATE transaction
    (settings.py) already holds the write lock, so the largest id cannot change
    under us.
    """
    if connection.vendor == "postgresql":
        return _id_blocks.next_id()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM audit_auditentry")
        return cursor.fetchone()[0]


class _IdBlocks(threading.local):
    """Ids drawn from the sequence `AUDIT_ID_BLOCK` at a time, used within a second.

    A busy process then asks the database for an id once per block instead of once
    per entry (one round trip of two on the path of every audited request). Ids stay
    in time order across processes to within `ID_BLOCK_SECONDS`: a block not used up
    in time is dropped (its ids are gaps), never handed out late.
    """

    def __init__(self):
        self.database = None
        self.ids = []
        self.drawn_at = 0.0

    def next_id(self):
        database = connection.settings_dict["NAME"]
        if (
            not self.ids
            or database != self.database
            or time.monotonic() - self.drawn_at > ID_BLOCK_SECONDS
        ):
            with connection.cursor() as cursor:
                cursor.execute(_DRAW_IDS, [settings.AUDIT_ID_BLOCK])
                self.ids = sorted((row[0] for row in cursor.fetchall()), reverse=True)
            self.database = database
            self.drawn_at = time.monotonic()
        return self.ids.pop()


ID_BLOCK_SECONDS = 1.0
_DRAW_IDS = (
    "SELECT nextval(pg_get_serial_sequence('audit_auditentry', 'id')) FROM generate_series(1, %s)"
)
_id_blocks = _IdBlocks()


def _authenticate(entry, key):
    entry.key_id = key.key_id
    entry.mac = entry.compute_mac(key.secret)


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
    key = keys.current()
    # PostgreSQL outside a transaction (a read's entry): no transaction of our own,
    # the INSERT is atomic by itself. Inside the caller's transaction, a savepoint, so
    # a failed entry does not spoil the caller's work. SQLite: the id is read and used
    # under the write lock, so the two must share a transaction.
    standalone = connection.vendor == "postgresql" and not connection.in_atomic_block
    with nullcontext() if standalone else transaction.atomic():
        entry = AuditEntry(
            id=_next_entry_id(),
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
        )
        _authenticate(entry, key)
        _insert(entry)
    return entry


_INSERTED = (*authentication.ENTRY_FIELDS, "mac")


def _insert(entry):
    """One INSERT with a fixed text and the values as the backend adapts them: the
    ORM's save() spent more time building the SQL than the database spent running
    it, on the path of every audited request; and it would write txid, which
    PostgreSQL fills in itself."""
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, _row(entry))
    entry._state.adding = False
    entry._state.db = connection.alias


def _row(entry):
    values = [getattr(entry, name) for name in _INSERTED]
    ops = connection.ops
    values[_CREATED_AT] = ops.adapt_datetimefield_value(entry.created_at)
    values[_DETAIL] = ops.adapt_json_value(entry.detail, None)
    values[_IP_ADDRESS] = ops.adapt_ipaddressfield_value(entry.ip_address)
    return values


_CREATED_AT, _DETAIL, _IP_ADDRESS = (
    _INSERTED.index(name) for name in ("created_at", "detail", "ip_address")
)
_INSERT_SQL = (
    f"INSERT INTO audit_auditentry ({', '.join(_INSERTED)}) "  # noqa: S608 (constants)
    f"VALUES ({', '.join(['%s'] * len(_INSERTED))})"
)


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


def append_generated(entries, batch_size=1000):
    """Append prepared, unsaved entries in their order, authenticated like `record`.

    For generated data sets only (`generate_scale_data`): the application writes one
    entry per change through `record`. Action names are checked against the
    registry all the same; the worker seals them like any other entry.
    """
    for entry in entries:
        actions.get(entry.action)
    key = keys.current()
    with transaction.atomic(), connection.cursor() as cursor:
        for entry_id, entry in zip(_reserve_ids(len(entries)), entries, strict=True):
            entry.id = entry_id
            _authenticate(entry, key)
        # AuditEntry.objects refuses bulk writes on purpose; and the ORM would write
        # txid, which PostgreSQL fills in itself.
        for start in range(0, len(entries), batch_size):
            cursor.executemany(
                _INSERT_SQL, [_row(entry) for entry in entries[start : start + batch_size]]
            )
    return len(entries)


def _reserve_ids(count):
    """`count` new ids in ascending order. PostgreSQL draws them from the sequence
    (another writer may take values in between; ids need not be consecutive); on
    SQLite the write lock makes the next `count` ids ours."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_DRAW_IDS, [count])
            return sorted(row[0] for row in cursor.fetchall())
    first = _next_entry_id()
    return list(range(first, first + count))


def _client_ip(request):
    if request is None:
        return None
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted
    # proxy rewrites it, and the audit log must not record what a caller claims.
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        # The form the database gives back, so the MAC still matches after a round trip.
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
