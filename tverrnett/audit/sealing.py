"""Sealing the audit log in batches (run by the worker every minute, and by
`manage.py anchor_audit`).

Writers never wait for each other: each entry is authenticated on its own at
insert. The sealer, alone under its own lock, takes the entries of every
transaction that has ended since the last seal, checks each entry's MAC (a forged
entry stops the sealing, loudly), and writes a seal naming exactly those entries,
a hash over their rows and the previous seal's hash, with a MAC.

Which transactions have ended: on PostgreSQL a column default stores each entry's
transaction id (`txid`), and every transaction older than the oldest one still
running (`pg_snapshot_xmin`) has committed or rolled back, so its entries are all
visible now and none can appear later. On SQLite writers hold the database lock
for their whole transaction, so every entry up to the largest id is final.

An entry committed but not yet sealed (the application died right after) is
simply sealed next time: nothing is lost between insert and sealing.
"""

import hashlib
import logging

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from psycopg import pq

from tverrnett.audit import authentication, keys
from tverrnett.audit.models import AuditEntry, AuditSeal

logger = logging.getLogger(__name__)

# Only sealers take this lock; writers never do.
_SEALER_LOCK_KEY = 7_160_202

# What a leaf covers: everything the MAC covers, the MAC itself and the transaction id.
ROW_COLUMNS = (*authentication.ENTRY_FIELDS, "mac", "txid")
# Column names from the constant above; values always go in as parameters.
_SELECT_ROWS = f"SELECT {', '.join(ROW_COLUMNS)} FROM audit_auditentry"  # noqa: S608


class SealRefused(Exception):
    """An entry waiting for its seal does not authenticate: someone wrote the log
    without the key. Nothing is sealed until an operator has looked."""

    def __init__(self, entry_id, reason):
        super().__init__(f"audit entry {entry_id} {reason}; sealing stopped")
        self.entry_id = entry_id
        self.reason = reason


def seal_pending(limit=None):
    """Seal everything sealable, in batches of at most `limit` entries. Return the
    number of entries sealed."""
    limit = limit or settings.AUDIT_SEAL_BATCH
    total = 0
    while True:
        sealed = _seal_one_batch(limit)
        total += sealed
        if sealed == 0:
            return total


def _seal_one_batch(limit):
    key = keys.current()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALER_LOCK_KEY])
        last = AuditSeal.objects.order_by("-position").first()
        ids, horizon = _pending(last, limit)
        if not ids:
            return 0
        problem = first_unauthenticated(ids)
        if problem is not None:
            logger.error("Audit sealing refused: entry %s %s", *problem)
            raise SealRefused(*problem)
        leaves = [leaf for _id, leaf in sorted(row_leaves(ids))]
        seal = AuditSeal(
            position=(last.position + 1) if last else 1,
            sealed_at=timezone.now(),
            entry_ids=authentication.encode_ids(ids),
            entry_count=len(ids),
            first_entry_id=ids[0],
            last_entry_id=ids[-1],
            horizon=horizon,
            rows_hash=authentication.rows_hash(leaves),
            prev_hash=last.seal_hash if last else authentication.GENESIS_HASH,
            key_id=key.key_id,
        )
        seal.seal_hash = authentication.seal_hash(seal.hashed_values())
        seal.mac = authentication.seal_mac(key.secret, seal.seal_hash)
        seal.save(force_insert=True)
    return len(ids)


def _pending(last, limit):
    """The ids to seal next (ascending) and the new horizon."""
    if connection.vendor != "postgresql":
        lower = last.horizon if last else 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM audit_auditentry WHERE id > %s ORDER BY id LIMIT %s",
                [lower, limit],
            )
            ids = [row[0] for row in cursor.fetchall()]
        return ids, (ids[-1] if ids else lower)
    ids, horizon = _postgresql_pending(last, limit)
    return _not_yet_sealed(ids), horizon


def _postgresql_pending(last, limit):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        horizon, own = cursor.fetchone()
        lower = last.horizon if last else None
        # Entries from before the txid trigger (none after the first seal) have no txid.
        where = "txid IS NULL OR txid < %s" if lower is None else "txid >= %s AND txid < %s"
        params = [horizon] if lower is None else [lower, horizon]
        if own is not None:
            # Sealing inside a transaction that wrote entries itself (tests, migrations):
            # those are visible here though the transaction has not ended; later seals
            # skip the ones already sealed (`_not_yet_sealed`).
            where, params = f"{where} OR txid = %s", [*params, own]
        select = f"SELECT id, txid FROM audit_auditentry WHERE ({where})"  # noqa: S608
        cursor.execute(f"{select} ORDER BY txid NULLS FIRST, id LIMIT %s", [*params, limit + 1])
        rows = cursor.fetchall()
        if len(rows) <= limit:
            return [row[0] for row in rows], horizon
        cut = rows[limit][1]
        if cut is None:
            # The rows from before the trigger, all in the first seal.
            cursor.execute(f"{select} AND txid IS NULL", params)
            return [row[0] for row in cursor.fetchall()], 0
        kept = [row for row in rows[:limit] if row[1] != cut]
        if kept:
            # Stop at a whole transaction: the next seal starts with it.
            return [row[0] for row in kept], min(cut, horizon)
        # One transaction larger than a batch: take it whole.
        cursor.execute(f"{select} AND txid = %s", [*params, cut])
        return [row[0] for row in cursor.fetchall()], min(cut + 1, horizon)


def _not_yet_sealed(ids):
    """`ids` (sorted) without those an earlier seal already covers."""
    ids = sorted(ids)
    if not ids:
        return ids
    covered = [
        (start, end)
        for text in AuditSeal.objects.filter(last_entry_id__gte=ids[0]).values_list(
            "entry_ids", flat=True
        )
        for start, end in authentication.decode_ranges(text)
        if end >= ids[0]
    ]
    if not covered:
        return ids
    return [entry_id for entry_id in ids if not any(a <= entry_id <= b for a, b in covered)]


def first_unauthenticated(ids):
    """(entry id, reason) of the first of `ids` whose MAC does not hold, or None."""
    return next(mac_problems(ids), None)


def mac_problems(ids):
    """(entry id, reason) for each of `ids` whose MAC does not hold, in id order."""
    ids = sorted(ids)
    for start in range(0, len(ids), 5000):
        for entry in AuditEntry.objects.filter(id__in=ids[start : start + 5000]).order_by("id"):
            reason = mac_problem(entry)
            if reason:
                yield entry.pk, reason


def mac_problem(entry):
    try:
        key = keys.by_id(entry.key_id)
    except keys.UnknownKey:
        return f"names key {entry.key_id!r}, which is not in AUDIT_KEY_FILE"
    if not authentication.same(entry.compute_mac(key.secret), entry.mac):
        return "does not match its MAC (changed, or written without the key)"
    return None


def row_leaves(ids):
    """(id, leaf hash) of the row of each entry in `ids`, in no particular order.

    The leaf is the SHA-256 of the row exactly as the database writes it:
    PostgreSQL's binary COPY tuple, which is also the fastest way to read a million
    rows; on SQLite a tab-separated line of the stored values, in COPY's text
    escaping.
    """
    ids = [int(entry_id) for entry_id in ids]
    leaves = []
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        for batch in _leaf_batches(f"id IN ({','.join(map(str, chunk))})"):
            leaves += batch
    return leaves


def every_row_leaf():
    """(id, leaf hash) of every entry, in batches, in the order the database reads
    them. The consumer may not use the database connection until the last batch."""
    return _leaf_batches(None)


def _leaf_batches(where):
    """`where`: SQL over integers only (formatted here): COPY takes no parameters."""
    if connection.vendor == "postgresql":
        return _postgresql_leaf_batches(where)
    return _sqlite_leaf_batches(where)


_BATCH = 10_000


def _postgresql_leaf_batches(where):
    """COPY in PostgreSQL's binary format, through libpq directly: every tuple arrives
    as one message (field count, then each field's length and bytes: the id's eight
    bytes first), and its leaf is the SHA-256 of that message. The binary format does
    not depend on the session's time zone or date style, and psycopg's own COPY
    iterator would cost more per row than the rest of the verification."""
    sha256 = hashlib.sha256
    from_bytes = int.from_bytes
    query = f"COPY ({_SELECT_ROWS}{f' WHERE {where}' if where else ''}) TO STDOUT (FORMAT binary)"
    with transaction.atomic(), connection.cursor() as cursor:
        pgconn = cursor.connection.pgconn
        pgconn.send_query(query.encode("ascii"))
        result = pgconn.get_result()
        if result.status != pq.ExecStatus.COPY_OUT:
            _finish(pgconn, result)
        get_copy_data = pgconn.get_copy_data
        batch = []
        append = batch.append
        first = True
        while True:
            size, data = get_copy_data(0)
            if size <= 0:
                break
            if first:  # the file header comes with the first message
                if bytes(data[: len(_BINARY_HEADER)]) != _BINARY_HEADER:
                    raise DatabaseError("Reading the audit log failed: unexpected COPY header")
                data = data[len(_BINARY_HEADER) :]
                first = False
            if len(data) < 14:  # the trailer (field count -1), or the header alone
                continue
            # int16 field count, int32 length of the id, then the id as int64.
            append((from_bytes(data[6:14], "big"), sha256(data).digest()))
            if len(batch) >= _BATCH:
                yield batch
                batch = []
                append = batch.append
        _finish(pgconn, None)
        if batch:
            yield batch


# Signature, flags and header extension length (PostgreSQL's COPY documentation).
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)


def _finish(pgconn, failed):
    """Read the results left on the connection; raise if the COPY failed."""
    message = failed.error_message.decode("utf-8", "replace") if failed is not None else None
    while (result := pgconn.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK:
            message = result.error_message.decode("utf-8", "replace")
    if message:
        raise DatabaseError(f"Reading the audit log failed: {message}")


def _sqlite_leaf_batches(where):
    sha256 = hashlib.sha256
    with connection.cursor() as cursor:
        cursor.execute(f"{_SELECT_ROWS}{f' WHERE {where}' if where else ''}")
        while rows := cursor.fetchmany(_BATCH):
            yield [
                (
                    row[0],
                    sha256(b"\x00" + "\t".join(map(_copy_text, row)).encode("utf-8")).digest(),
                )
                for row in rows
            ]


def _copy_text(value):
    if value is None:
        return "\\N"
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )
