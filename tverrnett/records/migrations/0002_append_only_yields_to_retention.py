"""The append-only triggers (disclosures, signed assessments) let a DELETE through while
a `records_deletionpermit` row exists: the row exists only inside the transaction that
deletes a case under its retention schedule (records.deletion), so every other DELETE
and every UPDATE stays refused at the database. Storage limitation (GDPR art. 5(1)(e))
reaches these records too: kept as they were while the case lives, deleted with it.
"""

from django.db import migrations

PERMIT = "EXISTS (SELECT 1 FROM records_deletionpermit)"
DISCLOSURE_TABLES = (
    "consent_disclosure",
    "consent_discloseditem",
    "consent_disclosedpart",
    "consent_recipientbasis",
)

POSTGRESQL_UP = [
    f"""
CREATE OR REPLACE FUNCTION consent_disclosure_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND {PERMIT} THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""",
    f"""
CREATE OR REPLACE FUNCTION assessments_refuse_signed_change() RETURNS trigger AS $$
DECLARE
    signed boolean;
BEGIN
    IF TG_OP = 'DELETE' AND {PERMIT} THEN
        RETURN OLD;
    END IF;
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
]
# The functions as they were (consent 0002, assessments 0002).
POSTGRESQL_DOWN = [
    """
CREATE OR REPLACE FUNCTION consent_disclosure_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""",
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
]

_SIGNED = "a signed assessment cannot be changed"
_RATING_SIGNED = "(SELECT status FROM assessments_assessment WHERE id = OLD.assessment_id) = 'signed'"


def _sqlite(with_permit):
    unless = f" AND NOT {PERMIT}" if with_permit else ""
    statements = []
    for table in DISCLOSURE_TABLES:
        condition = f"WHEN NOT {PERMIT} " if with_permit else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_no_delete;",
            f"""CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} {condition}
                BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END;""",
        ]
    statements += [
        "DROP TRIGGER IF EXISTS assessments_assessment_signed_no_delete;",
        f"""CREATE TRIGGER assessments_assessment_signed_no_delete BEFORE DELETE
            ON assessments_assessment WHEN OLD.status = 'signed'{unless}
            BEGIN SELECT RAISE(ABORT, '{_SIGNED}'); END;""",
        "DROP TRIGGER IF EXISTS assessments_rating_signed_no_delete;",
        f"""CREATE TRIGGER assessments_rating_signed_no_delete BEFORE DELETE
            ON assessments_rating WHEN {_RATING_SIGNED}{unless}
            BEGIN SELECT RAISE(ABORT, '{_SIGNED}'); END;""",
    ]
    return statements


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the plpgsql body has a literal % that is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
        ("consent", "0007_withdrawalrequest"),
        ("assessments", "0002_signed_assessments_never_change"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP, "sqlite": _sqlite(True)}),
            _run({"postgresql": POSTGRESQL_DOWN, "sqlite": _sqlite(False)}),
        )
    ]
