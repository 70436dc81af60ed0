"""The audit log against someone who can write its database but does not hold its key.

Every tamper below happens behind the application's back, the way a database
administrator could: triggers off, rows changed with SQL, and whatever hashes and
MACs the attacker can compute recomputed with a key of their own.
"""

import datetime
import json
import secrets
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from tverrnett.audit import actions, authentication, keys
from tverrnett.audit.anchors import read_anchors, write_anchor
from tverrnett.audit.models import AppendOnlyError, AuditEntry, AuditSeal
from tverrnett.audit.sealing import SealRefused, row_leaves, seal_pending
from tverrnett.audit.services import append_generated, record
from tverrnett.audit.verification import verify_log

pytestmark = pytest.mark.django_db

actions.register("test.touched", "Used by the audit tests")

ATTACKER_SECRET = secrets.token_bytes(32)


def _sql(sql, params=()):
    """Run SQL with the append-only triggers out of the way, as a database owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers off for this transaction only: a superuser can do this.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            for table in ("audit_auditentry", "audit_auditseal"):
                for operation in ("update", "delete"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation}")
            cursor.execute(sql, params)


def _forge_entry(entry_id, **changes):
    """Change an entry and give it a MAC computed with the attacker's own key."""
    entry = AuditEntry.objects.get(pk=entry_id)
    for name, value in changes.items():
        setattr(entry, name, value)
    mac = entry.compute_mac(ATTACKER_SECRET)
    assignments = ", ".join(f"{name} = %s" for name in changes)
    values = [
        value if not isinstance(value, dict) else json.dumps(value) for value in changes.values()
    ]
    _sql(
        f"UPDATE audit_auditentry SET {assignments}, mac = %s WHERE id = %s",  # noqa: S608
        [*values, mac, entry_id],
    )


def _reseal_everything_without_the_key():
    """Recompute every seal from the rows as they are now: Merkle roots, hashes and the
    chain exactly as the sealer would, and MACs under the attacker's key."""
    previous = authentication.GENESIS_HASH
    for seal in AuditSeal.objects.order_by("position"):
        ids = sorted(
            entry_id
            for start, end in authentication.decode_ranges(seal.entry_ids)
            for entry_id in range(start, end + 1)
        )
        present = dict(row_leaves(ids))
        seal.entry_ids = authentication.encode_ids(sorted(present))
        seal.entry_count = len(present)
        seal.rows_hash = authentication.rows_hash([present[i] for i in sorted(present)])
        seal.prev_hash = previous
        seal.seal_hash = authentication.seal_hash(seal.hashed_values())
        previous = seal.seal_hash
        _sql(
            "UPDATE audit_auditseal SET entry_ids = %s, entry_count = %s, rows_hash = %s, "
            "prev_hash = %s, seal_hash = %s, mac = %s WHERE id = %s",
            [
                seal.entry_ids,
                seal.entry_count,
                seal.rows_hash,
                seal.prev_hash,
                seal.seal_hash,
                authentication.seal_mac(ATTACKER_SECRET, seal.seal_hash),
                seal.pk,
            ],
        )


def _entries(count):
    return [record("test.touched", detail={"n": n}) for n in range(count)]


def _broken():
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert failure.value.returncode == 1
    return str(failure.value)


def test_it_refuses_unknown_action_names():
    with pytest.raises(actions.UnknownAction):
        record("test.not_registered")
    assert AuditEntry.objects.count() == 0


def test_each_entry_carries_a_mac_over_its_id_and_content(owner, owner_agency):
    entry = record("test.touched", actor=owner, agency=owner_agency, target=owner_agency)

    stored = AuditEntry.objects.get(pk=entry.pk)
    key = keys.current()
    assert stored.key_id == key.key_id
    assert stored.mac == stored.compute_mac(key.secret)
    assert stored.mac != stored.compute_mac(ATTACKER_SECRET)
    assert (stored.actor_username, stored.agency_name) == ("eier", "Drammen kommune – SLT")
    assert (stored.target_type, stored.target_id) == ("agencies.agency", str(owner_agency.pk))
    stored.id += 1
    assert stored.compute_mac(key.secret) != entry.mac  # the MAC covers the id


def test_it_writes_the_entry_in_the_same_transaction_as_the_change(owner):
    with pytest.raises(RuntimeError), transaction.atomic():
        record("test.touched", actor=owner)
        raise RuntimeError("the change failed after it was audited")

    assert AuditEntry.objects.count() == 0


def test_sealing_covers_each_entry_once_and_chains_the_seals():
    first = _entries(3)
    assert seal_pending() == 3
    second = _entries(2)
    assert seal_pending() == 2
    assert seal_pending() == 0

    seals = list(AuditSeal.objects.order_by("position"))
    assert [seal.position for seal in seals] == [1, 2]
    assert seals[0].entry_ids == f"{first[0].pk}-{first[2].pk}"
    assert seals[1].entry_ids == f"{second[0].pk}-{second[1].pk}"
    assert seals[0].prev_hash == authentication.GENESIS_HASH
    assert seals[1].prev_hash == seals[0].seal_hash
    report = verify_log()
    assert report.intact, report.first_problem()
    assert (report.entries, report.sealed, report.seals, report.unsealed) == (5, 5, 2, [])


def test_a_seal_holds_at_most_one_batch():
    _entries(5)
    assert seal_pending(limit=2) == 5
    assert sorted(AuditSeal.objects.values_list("entry_count", flat=True)) in (
        [1, 2, 2],
        [5],  # PostgreSQL: one test transaction is one transaction, sealed whole
    )
    assert verify_log().intact


def test_generated_entries_are_authenticated_and_sealed():
    record("test.touched")
    entries = [
        AuditEntry(
            created_at=datetime.datetime(2026, 1, 1, 10, minute, tzinfo=datetime.UTC),
            action="test.touched",
            target_type="cases.concerncase",
            target_id=str(minute),
            request_id="generate_scale_data",
        )
        for minute in range(3)
    ]

    assert append_generated(entries) == 3
    assert seal_pending() == 4

    stored = list(AuditEntry.objects.order_by("id"))
    assert [entry.target_id for entry in stored[1:]] == ["0", "1", "2"]
    report = verify_log()
    assert report.intact, report.first_problem()
    assert report.entries == 4


def test_generated_entries_need_registered_actions():
    entry = AuditEntry(created_at=datetime.datetime.now(datetime.UTC), action="test.unknown")
    with pytest.raises(actions.UnknownAction):
        append_generated([entry])
    assert AuditEntry.objects.count() == 0


def test_verify_audit_prints_ok_with_the_counts(capsys):
    _entries(3)
    seal_pending()
    _entries(1)

    call_command("verify_audit")

    out = capsys.readouterr().out
    assert "OK: 4 audit entries intact, 3 in 1 seals, 1 awaiting their seal" in out


def test_a_changed_entry_is_named_though_the_attacker_recomputed_everything():
    """The acceptance scenario: triggers dropped, an entry changed, its MAC and every
    seal after it recomputed by someone without the key."""
    entries = _entries(6)
    seal_pending()
    _forge_entry(entries[2].pk, actor_username="someone-else")
    _reseal_everything_without_the_key()

    message = _broken()

    assert f"BROKEN: audit entry {entries[2].pk} does not match its MAC" in message


def test_a_changed_entry_awaiting_its_seal_is_named():
    entries = _entries(4)
    _forge_entry(entries[1].pk, detail={"n": 99})

    assert f"BROKEN: audit entry {entries[1].pk} does not match its MAC" in _broken()
    with pytest.raises(SealRefused) as refused:
        seal_pending()  # nothing forged is ever sealed
    assert refused.value.entry_id == entries[1].pk
    assert not AuditSeal.objects.exists()


def test_a_deleted_entry_is_named_even_with_the_seals_recomputed():
    entries = _entries(5)
    seal_pending()
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])

    assert f"BROKEN: audit entry {entries[2].pk} is missing (sealed in seal 1)" in _broken()

    _reseal_everything_without_the_key()
    assert "BROKEN: audit seal 1 does not match its MAC" in _broken()


def test_an_inserted_entry_is_named():
    entries = _entries(3)
    seal_pending()
    forged_id = entries[-1].pk + 1
    forged = AuditEntry(
        id=forged_id,
        created_at=entries[-1].created_at,
        action="test.touched",
        key_id=keys.current().key_id,
    )
    forged.mac = forged.compute_mac(ATTACKER_SECRET)
    _sql(
        "INSERT INTO audit_auditentry (id, created_at, action, actor_username, agency_name, "
        "target_type, target_id, detail, request_id, key_id, mac) "
        "VALUES (%s, %s, 'test.touched', '', '', '', '', '{}', '', %s, %s)",
        [forged_id, forged.created_at, forged.key_id, forged.mac],
    )

    assert f"BROKEN: audit entry {forged_id} does not match its MAC" in _broken()


def test_reordered_entries_are_named():
    """Swapping two entries' ids (their content and MACs with them) is a reordering."""
    entries = _entries(4)
    seal_pending()
    first, second = entries[1].pk, entries[2].pk
    _sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [-1, first])
    _sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [first, second])
    _sql("UPDATE audit_auditentry SET id = %s WHERE id = %s", [second, -1])

    assert f"BROKEN: audit entry {first} does not match its MAC" in _broken()


def test_a_log_rewritten_whole_without_the_key_is_named_at_its_first_entry():
    entries = _entries(3)
    seal_pending()
    for entry in entries:
        _forge_entry(entry.pk, request_id="rewritten")
    _reseal_everything_without_the_key()

    assert f"BROKEN: audit entry {entries[0].pk} does not match its MAC" in _broken()


def test_deleting_the_newest_entries_after_an_anchor_is_noticed():
    entries = _entries(5)
    call_command("anchor_audit")
    assert [anchor["position"] for anchor in read_anchors()] == [1]

    _sql("DELETE FROM audit_auditentry WHERE id >= %s", [entries[3].pk])
    assert f"BROKEN: audit entry {entries[3].pk} is missing" in _broken()

    # Their seal gone too, as if the log had always ended earlier: the anchor says otherwise.
    _sql("DELETE FROM audit_auditseal")
    message = _broken()
    assert "the log was cut short" in message
    assert f"entries up to {entries[4].pk}" in message


def test_a_rewritten_seal_differs_from_its_anchor_even_with_the_key():
    """Anchors hold even if the key leaks later: they name the seal's hash."""
    entries = _entries(3)
    call_command("anchor_audit")
    seal = AuditSeal.objects.get()
    key = keys.current()
    _forge_entry(entries[0].pk, request_id="rewritten")
    _sql(
        "UPDATE audit_auditentry SET mac = %s WHERE id = %s",
        [AuditEntry.objects.get(pk=entries[0].pk).compute_mac(key.secret), entries[0].pk],
    )
    present = dict(row_leaves([entry.pk for entry in entries]))
    seal.rows_hash = authentication.rows_hash([present[i] for i in sorted(present)])
    seal.seal_hash = authentication.seal_hash(seal.hashed_values())
    _sql(
        "UPDATE audit_auditseal SET rows_hash = %s, seal_hash = %s, mac = %s WHERE id = %s",
        [
            seal.rows_hash,
            seal.seal_hash,
            authentication.seal_mac(key.secret, seal.seal_hash),
            seal.pk,
        ],
    )

    assert "BROKEN: audit seal 1 differs from the anchor" in _broken()


def test_anchor_files_only_grow(settings):
    _entries(2)
    call_command("anchor_audit")
    _entries(1)
    call_command("anchor_audit")

    anchors = read_anchors()
    assert [anchor["position"] for anchor in anchors] == [1, 2]
    assert anchors[1]["last_entry_id"] == AuditEntry.objects.order_by("-id").first().pk
    assert all(anchor["key_id"] == keys.current().key_id for anchor in anchors)
    call_command("verify_audit")


def test_anchoring_with_nothing_sealed_writes_nothing():
    assert write_anchor() is None
    assert read_anchors() == []


def test_entries_under_an_old_key_verify_after_rotation(settings, tmp_path):
    key_file = tmp_path / "audit.key"
    key_file.write_text(f"k-old {secrets.token_hex(32)}\n")
    settings.AUDIT_KEY_FILE = str(key_file)
    keys.reload()
    try:
        old = _entries(2)
        seal_pending()
        call_command("audit_key", "--rotate")
        new = _entries(1)
        call_command("anchor_audit")

        assert keys.current().key_id != "k-old"
        assert AuditEntry.objects.get(pk=old[0].pk).key_id == "k-old"
        assert AuditEntry.objects.get(pk=new[0].pk).key_id == keys.current().key_id
        call_command("verify_audit")

        # Without the old key in the file, its entries cannot be verified.
        key_file.write_text(key_file.read_text().splitlines()[-1] + "\n")
        keys.reload()
        assert f"audit entry {old[0].pk} names key 'k-old'" in _broken()
    finally:
        keys.reload()


def test_the_application_cannot_change_or_delete_entries_or_seals():
    entry = record("test.touched")
    seal_pending()
    seal = AuditSeal.objects.get()

    for stored in (entry, seal):
        with pytest.raises(AppendOnlyError):
            stored.save()
        with pytest.raises(AppendOnlyError):
            stored.delete()
    for model in (AuditEntry, AuditSeal):
        with pytest.raises(AppendOnlyError):
            model.objects.all().update(key_id="x")
        with pytest.raises(AppendOnlyError):
            model.objects.all().delete()


@pytest.mark.parametrize("table", ["audit_auditentry", "audit_auditseal"])
@pytest.mark.parametrize(
    "sql",
    ["UPDATE {table} SET key_id = 'x' WHERE id = %s", "DELETE FROM {table} WHERE id = %s"],
)
def test_the_database_refuses_update_and_delete(table, sql):
    record("test.touched")
    seal_pending()
    row_id = (AuditEntry if table == "audit_auditentry" else AuditSeal).objects.get().pk

    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql.format(table=table), [row_id])

    assert AuditEntry.objects.get().key_id == keys.current().key_id
    assert AuditSeal.objects.get().key_id == keys.current().key_id


@pytest.mark.parametrize("table", ["audit_auditentry", "audit_auditseal"])
def test_the_database_refuses_emptying_the_log(table):
    record("test.touched")
    seal_pending()
    # SQLite has no TRUNCATE; an unqualified DELETE is its way of emptying a table.
    sql = f"TRUNCATE {table}" if connection.vendor == "postgresql" else f"DELETE FROM {table}"  # noqa: S608

    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert (AuditEntry.objects.count(), AuditSeal.objects.count()) == (1, 1)


def test_postgresql_records_the_writing_transaction():
    entry = record("test.touched")
    if connection.vendor != "postgresql":
        # SQLite writers hold the database lock; the sealer goes by id there.
        assert AuditEntry.objects.get(pk=entry.pk).txid is None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        current = cursor.fetchone()[0]
    assert AuditEntry.objects.get(pk=entry.pk).txid == current


def test_the_worker_seals_and_anchors_every_round():
    entries = _entries(3)

    call_command("run_worker", "--once")

    seal = AuditSeal.objects.get()
    assert seal.entry_ids == f"{entries[0].pk}-{entries[-1].pk}"
    assert [anchor["seal_hash"] for anchor in read_anchors()] == [seal.seal_hash]


def test_the_worker_goes_on_with_its_other_jobs_when_sealing_is_refused(capsys):
    entries = _entries(2)
    _forge_entry(entries[0].pk, detail={"n": 7})

    call_command("run_worker", "--once")

    assert f"AUDIT LOG: audit entry {entries[0].pk}" in capsys.readouterr().err
    assert not AuditSeal.objects.exists()
    assert read_anchors() == []


def test_postgresql_draws_entry_ids_in_blocks_used_within_a_second(settings, monkeypatch):
    from django.test.utils import CaptureQueriesContext

    from tverrnett.audit import services

    settings.AUDIT_ID_BLOCK = 4
    services._id_blocks.ids = []
    with CaptureQueriesContext(connection) as queries:
        entries = _entries(5)
    draws = [q for q in queries.captured_queries if "nextval" in q["sql"]]
    if connection.vendor != "postgresql":
        assert draws == []  # SQLite takes the next id under its write lock
        return
    assert len(draws) == 2  # 4 ids, then 4 more for the fifth entry
    assert [entry.pk for entry in entries] == sorted(entry.pk for entry in entries)

    # A block not used up within a second is dropped, never handed out late.
    left = list(services._id_blocks.ids)
    assert left
    now = time.monotonic()
    monkeypatch.setattr(services.time, "monotonic", lambda: now + 2)
    late = record("test.touched")
    assert late.pk > max(left)
    assert seal_pending() == 6
    assert verify_log().intact


def test_anchors_also_go_to_syslog_when_asked(settings):
    import logging

    from tverrnett.audit import anchors

    settings.AUDIT_ANCHOR_SYSLOG = True
    captured = []

    class Capture(logging.Handler):
        def emit(self, record):
            captured.append(record.getMessage())

    handler = Capture()
    anchors.syslog.addHandler(handler)  # in place of the SysLogHandler it would add
    try:
        _entries(1)
        call_command("anchor_audit")
    finally:
        anchors.syslog.removeHandler(handler)

    seal = AuditSeal.objects.get()
    assert len(captured) == 1
    assert captured[0].startswith("tverrnett-audit-anchor {")
    assert seal.seal_hash in captured[0]
