"""Issue 17: entries authenticated with a key outside the database, sealed in batches.

The SHA-256 chain goes: entries get a key id and an HMAC (covering their id) and, on
PostgreSQL, the id of the transaction that wrote them (a column default, for the
sealer). Existing entries are checked against their old chain first (the migration
stops if it is broken) and then authenticated with the current audit key, so the
whole log verifies the new way and is sealed by the worker.

SQLite rebuilds the table when columns change, which drops its triggers; they are
created again at the end.
"""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

from tverrnett.audit import authentication, keys

REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

POSTGRESQL_UP = [
    REFUSE_FUNCTION,
    """CREATE TRIGGER audit_auditseal_no_update_delete
       BEFORE UPDATE OR DELETE ON audit_auditseal
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();""",
    """CREATE TRIGGER audit_auditseal_no_truncate
       BEFORE TRUNCATE ON audit_auditseal
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();""",
    # The writing transaction's id, for the sealer: a column default rather than a
    # trigger, and a BRIN index rather than a B-tree, because both sat on the path of
    # every audited request (a B-tree on an ever-growing value is one more hot page
    # that every concurrent insert waits for).
    """ALTER TABLE audit_auditentry
       ALTER COLUMN txid SET DEFAULT pg_current_xact_id()::text::bigint;""",
    "CREATE INDEX audit_auditentry_txid_brin ON audit_auditentry USING brin (txid);",
]

POSTGRESQL_DOWN = [
    "DROP INDEX IF EXISTS audit_auditentry_txid_brin;",
    "ALTER TABLE audit_auditentry ALTER COLUMN txid DROP DEFAULT;",
    "DROP TRIGGER IF EXISTS audit_auditseal_no_truncate ON audit_auditseal;",
    "DROP TRIGGER IF EXISTS audit_auditseal_no_update_delete ON audit_auditseal;",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]

SQLITE_UP = [
    f"""CREATE TRIGGER IF NOT EXISTS {table}_no_{operation.lower()}
        BEFORE {operation} ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END;"""
    for table in ("audit_auditentry", "audit_auditseal")
    for operation in ("UPDATE", "DELETE")
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_auditseal_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditseal_no_delete;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the plpgsql bodies have a literal % that is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


def _old_hash(entry):
    """The SHA-256 the chain of migration 0001 computed (audit.models before issue 17)."""
    content = {
        "created_at": entry.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "action": entry.action,
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "agency_id": entry.agency_id,
        "agency_name": entry.agency_name,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "detail": entry.detail,
        "request_id": entry.request_id,
        "ip_address": entry.ip_address,
        "prev_hash": entry.prev_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def authenticate_existing_entries(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    if not AuditEntry.objects.exists():
        return
    connection = schema_editor.connection
    key = keys.current()
    expected_prev = authentication.GENESIS_HASH
    updates = []
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != expected_prev or _old_hash(entry) != entry.entry_hash:
            raise RuntimeError(
                f"The audit log's hash chain is broken at entry {entry.pk}; investigate "
                "(with the previous release's verify_audit) before migrating."
            )
        expected_prev = entry.entry_hash
        entry.key_id = key.key_id
        values = {name: getattr(entry, name) for name in authentication.ENTRY_FIELDS}
        updates.append((key.key_id, authentication.entry_mac(key.secret, values), entry.pk))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_no_update_delete"
            )
        else:
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditentry_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS audit_auditentry_no_delete")
        cursor.executemany(
            "UPDATE audit_auditentry SET key_id = %s, mac = %s WHERE id = %s", updates
        )
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditentry ENABLE TRIGGER audit_auditentry_no_update_delete"
            )


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_actor_action_index")]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="key_id",
            field=models.CharField(default="", max_length=16),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="mac",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditentry",
            name="txid",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(authenticate_existing_entries, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditentry", name="entry_hash"),
        migrations.RemoveField(model_name="auditentry", name="prev_hash"),
        migrations.AddIndex(
            model_name="auditentry",
            index=models.Index(fields=["agency_id", "created_at"], name="audit_audit_agency__94c64d_idx"),
        ),
        # No query reads it ((actor_id, action, id) serves a user's entries), and every
        # index is one more page each audited request writes.
        migrations.RemoveIndex(model_name="auditentry", name="audit_audit_actor_i_3c2844_idx"),
        migrations.CreateModel(
            name="AuditSeal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveBigIntegerField(unique=True)),
                ("sealed_at", models.DateTimeField()),
                ("entry_ids", models.TextField(help_text="The sealed entries' ids as ranges: 1-40,42")),
                ("entry_count", models.PositiveIntegerField()),
                ("first_entry_id", models.BigIntegerField()),
                ("last_entry_id", models.BigIntegerField(db_index=True)),
                ("horizon", models.BigIntegerField()),
                ("rows_hash", models.CharField(max_length=64)),
                ("prev_hash", models.CharField(max_length=64)),
                ("seal_hash", models.CharField(max_length=64, unique=True)),
                ("key_id", models.CharField(max_length=16)),
                ("mac", models.CharField(max_length=64)),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN}),
        ),
    ]
