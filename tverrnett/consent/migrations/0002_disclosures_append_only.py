"""Refuse UPDATE and DELETE on disclosure records at the database (L02).

The models already refuse it through the ORM (consent.models._AppendOnly); the
triggers make sure nothing else connected as the application's role does either.
"""

from django.db import migrations

TABLES = ("consent_disclosure", "consent_discloseditem")

POSTGRESQL_UP = [
    """
CREATE OR REPLACE FUNCTION consent_disclosure_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""",
    *(
        f"""CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION consent_disclosure_refuse_change();"""
        for table in TABLES
    ),
]
POSTGRESQL_DOWN = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};" for table in TABLES),
    "DROP FUNCTION IF EXISTS consent_disclosure_refuse_change();",
]
SQLITE_UP = [
    statement
    for table in TABLES
    for statement in (
        f"""CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END;""",
        f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;""",
    )
]
SQLITE_DOWN = [
    statement
    for table in TABLES
    for statement in (
        f"DROP TRIGGER IF EXISTS {table}_no_update;",
        f"DROP TRIGGER IF EXISTS {table}_no_delete;",
    )
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the plpgsql body has a literal % that is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
