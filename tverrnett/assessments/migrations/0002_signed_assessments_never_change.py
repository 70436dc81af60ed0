"""A signed assessment never changes (X8): refuse UPDATE and DELETE of a signed
assessment, and any change to its ratings, at the database.

The services are the only writers and already refuse it; the triggers make sure
nothing else connected as the application's role does either. Signing itself is an
UPDATE of a draft, so it passes.
"""

from django.db import migrations

POSTGRESQL_UP = [
    """
CREATE OR REPLACE FUNCTION assessments_refuse_signed_change() RETURNS trigger AS $$
DECLARE
    signed boolean;
BEGIN
    IF TG_TABLE_NAME = 'assessments_assessment' THEN
        signed := OLD.status = 'signed';
    ELSIF TG_OP = 'INSERT' THEN
        SELECT status = 'signed' INTO signed FROM assessments_assessment
            WHERE id = NEW.assessment_id;
    ELSE
        SELECT status = 'signed' INTO signed FROM assessments_assessment
            WHERE id = OLD.assessment_id;
    END IF;
    IF signed THEN
        RAISE EXCEPTION 'a signed assessment cannot be changed: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
""",
    """CREATE TRIGGER assessments_assessment_signed_unchanged BEFORE UPDATE OR DELETE
        ON assessments_assessment FOR EACH ROW EXECUTE FUNCTION assessments_refuse_signed_change();""",
    """CREATE TRIGGER assessments_rating_signed_unchanged BEFORE INSERT OR UPDATE OR DELETE
        ON assessments_rating FOR EACH ROW EXECUTE FUNCTION assessments_refuse_signed_change();""",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER IF EXISTS assessments_assessment_signed_unchanged ON assessments_assessment;",
    "DROP TRIGGER IF EXISTS assessments_rating_signed_unchanged ON assessments_rating;",
    "DROP FUNCTION IF EXISTS assessments_refuse_signed_change();",
]
_REFUSED = "a signed assessment cannot be changed"
SQLITE_UP = [
    f"""CREATE TRIGGER assessments_assessment_signed_no_update BEFORE UPDATE ON assessments_assessment
        WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END;""",
    f"""CREATE TRIGGER assessments_assessment_signed_no_delete BEFORE DELETE ON assessments_assessment
        WHEN OLD.status = 'signed' BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END;""",
    *(
        f"""CREATE TRIGGER assessments_rating_signed_no_{operation.lower()} BEFORE {operation}
            ON assessments_rating
            WHEN (SELECT status FROM assessments_assessment WHERE id = {row}.assessment_id)
                = 'signed'
            BEGIN SELECT RAISE(ABORT, '{_REFUSED}'); END;"""
        for operation, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
    ),
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS assessments_assessment_signed_no_update;",
    "DROP TRIGGER IF EXISTS assessments_assessment_signed_no_delete;",
    "DROP TRIGGER IF EXISTS assessments_rating_signed_no_insert;",
    "DROP TRIGGER IF EXISTS assessments_rating_signed_no_update;",
    "DROP TRIGGER IF EXISTS assessments_rating_signed_no_delete;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the plpgsql body has a literal % that is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP, "sqlite": SQLITE_UP}),
            _run({"postgresql": POSTGRESQL_DOWN, "sqlite": SQLITE_DOWN}),
        )
    ]
