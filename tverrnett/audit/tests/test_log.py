import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from tverrnett.audit import actions
from tverrnett.audit.models import GENESIS_HASH, AppendOnlyError, AuditEntry
from tverrnett.audit.services import append_generated, record, verify_chain

pytestmark = pytest.mark.django_db

actions.register("test.touched", "Used by the audit tests")


def _tamper(sql, params):
    """Change the log behind the application's back, as someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Triggers off for this session only: a superuser can do this.
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(sql, params)
            cursor.execute("SET LOCAL session_replication_role = origin")
        else:
            cursor.execute("DROP TRIGGER audit_auditentry_no_update")
            cursor.execute("DROP TRIGGER audit_auditentry_no_delete")
            cursor.execute(sql, params)


def test_it_refuses_unknown_action_names():
    with pytest.raises(actions.UnknownAction):
        record("test.not_registered")
    assert AuditEntry.objects.count() == 0


def test_it_links_each_entry_to_the_one_before(owner, owner_agency):
    first = record("test.touched", actor=owner, agency=owner_agency, target=owner_agency)
    second = record("test.touched", actor=owner, detail={"n": 2})

    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert first.entry_hash != second.entry_hash
    stored = AuditEntry.objects.get(pk=first.pk)
    assert stored.compute_hash() == stored.entry_hash
    assert (stored.actor_username, stored.agency_name) == ("eier", "Drammen kommune – SLT")
    assert (stored.target_type, stored.target_id) == ("agencies.agency", str(owner_agency.pk))


def test_it_writes_the_entry_in_the_same_transaction_as_the_change(owner):
    with pytest.raises(RuntimeError), transaction.atomic():
        record("test.touched", actor=owner)
        raise RuntimeError("the change failed after it was audited")

    assert AuditEntry.objects.count() == 0


def _generated(action, minute):
    return AuditEntry(
        created_at=datetime.datetime(2026, 1, 1, 10, minute, tzinfo=datetime.UTC),
        action=action,
        target_type="cases.concerncase",
        target_id=str(minute),
        request_id="generate_scale_data",
    )


def test_generated_entries_are_chained_onto_the_log():
    first = record("test.touched")

    assert append_generated([_generated("test.touched", n) for n in range(3)]) == 3

    stored = list(AuditEntry.objects.order_by("id"))
    assert stored[1].prev_hash == first.entry_hash
    assert [entry.target_id for entry in stored[1:]] == ["0", "1", "2"]
    assert verify_chain() == (4, None)


def test_generated_entries_need_registered_actions():
    with pytest.raises(actions.UnknownAction):
        append_generated([_generated("test.touched", 0), _generated("test.unknown", 1)])
    assert AuditEntry.objects.count() == 0


def test_verify_audit_prints_ok_and_the_count(capsys):
    for n in range(3):
        record("test.touched", detail={"n": n})

    call_command("verify_audit")

    assert "OK: 3 audit entries" in capsys.readouterr().out


def test_verify_audit_names_a_changed_entry_and_exits_non_zero():
    entries = [record("test.touched", detail={"n": n}) for n in range(4)]
    _tamper("UPDATE audit_auditentry SET actor_username = %s WHERE id = %s", ["x", entries[2].pk])

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")

    assert failure.value.returncode == 1
    assert f"audit entry {entries[2].pk} content does not match" in str(failure.value)


def test_verify_audit_notices_a_deleted_entry():
    entries = [record("test.touched", detail={"n": n}) for n in range(4)]
    _tamper("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")

    assert f"audit entry {entries[2].pk} does not link" in str(failure.value)


def test_verify_audit_notices_a_rehashed_entry():
    """Recomputing the changed entry's own hash still breaks the link from the next one."""
    entries = [record("test.touched", detail={"n": n}) for n in range(3)]
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.detail = {"n": 99}
    _tamper(
        "UPDATE audit_auditentry SET detail = %s, entry_hash = %s WHERE id = %s",
        ['{"n": 99}', forged.compute_hash(), forged.pk],
    )

    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")

    assert f"audit entry {entries[2].pk} does not link" in str(failure.value)


def test_the_application_cannot_change_or_delete_entries():
    entry = record("test.touched")

    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="auth.login")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'auth.login' WHERE id = %s",
        "DELETE FROM audit_auditentry WHERE id = %s",
    ],
)
def test_the_database_refuses_update_and_delete(sql):
    entry = record("test.touched")

    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.touched"


def test_the_database_refuses_emptying_the_log():
    record("test.touched")
    # SQLite has no TRUNCATE; an unqualified DELETE is its way of emptying a table.
    sql = (
        "TRUNCATE audit_auditentry"
        if connection.vendor == "postgresql"
        else ("DELETE FROM audit_auditentry")
    )

    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql)

    assert AuditEntry.objects.count() == 1
