# ruff: noqa: S608 (SQL built from the listed table names, not from input)
"""The application's database role (docs/security.md, "Database roles").

On PostgreSQL each test creates its own role inside the test transaction (CREATE
ROLE is transactional, so the rollback at the end removes it), grants it what
`migrate` would, acts as it with SET ROLE and shows what it may and may not do.
"""

import os
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction
from django.db.models.signals import post_migrate

from tverrnett.audit import actions
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.roles import (
    APPEND_ONLY_TABLES,
    AppRoleError,
    check_app_role,
    grant_app_role,
)
from tverrnett.audit.sealing import seal_pending
from tverrnett.audit.services import record
from tverrnett.audit.verification import verify_log

pytestmark = pytest.mark.django_db

actions.register("test.role_checked", "Used by the database role tests")

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="database roles and privileges exist only on PostgreSQL (CI runs these there)",
)
# Append-only triggers follow one naming rule: <table>_no_<operation>.
_TRIGGER_SUFFIXES = ("_no_update_delete", "_no_truncate", "_no_update", "_no_delete")


def _sql(statement, params=None):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


def _existing(tables):
    with connection.cursor() as cursor:
        present = set(connection.introspection.table_names(cursor))
    return [table for table in tables if table in present]


def _append_only_trigger_tables():
    """Tables any trigger guards as append-only: by its name (<table>_no_update…) or, on
    PostgreSQL, by its function refusing with "append-only"."""
    if connection.vendor == "postgresql":
        rows = _sql(
            """
            SELECT c.relname, t.tgname, p.prosrc FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
            WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace
            """
        )
    else:
        rows = _sql("SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {
        table
        for table, name, source in rows
        if "append-only" in (source or "").lower()
        or name in {table + suffix for suffix in _TRIGGER_SUFFIXES}
    }


@pytest.fixture
def app_role():
    """A fresh role, granted as `migrate` grants DATABASE_APP_ROLE; gone after the test."""
    name = f"tv_test_app_{os.getpid()}"
    _sql(f"CREATE ROLE {name} NOLOGIN")
    grant_app_role(name)
    return name


@contextmanager
def acting_as(role):
    _sql(f"SET ROLE {role}")
    try:
        yield
    finally:
        _sql("RESET ROLE")


def _refused(statement, params=None):
    """Run `statement` in a savepoint; return the InsufficientPrivilege it must raise."""
    import psycopg

    with pytest.raises(ProgrammingError) as refused, transaction.atomic():
        _sql(statement, params)
    assert isinstance(refused.value.__cause__, psycopg.errors.InsufficientPrivilege), refused.value
    return str(refused.value)


def _triggers(table):
    return _sql(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal ORDER BY tgname",
        [table],
    )


# The list -----------------------------------------------------------------------------


def test_every_append_only_trigger_guards_a_table_in_the_list():
    unlisted = _append_only_trigger_tables() - set(APPEND_ONLY_TABLES)

    assert not unlisted, (
        f"{sorted(unlisted)} have append-only triggers: add them to "
        "tverrnett.audit.roles.APPEND_ONLY_TABLES so the application role gets no UPDATE, "
        "DELETE or TRUNCATE there"
    )


def test_every_listed_table_that_exists_has_its_append_only_trigger():
    missing = set(_existing(APPEND_ONLY_TABLES)) - _append_only_trigger_tables()

    assert not missing, f"{sorted(missing)} are listed as append-only but have no trigger"


def test_a_new_append_only_trigger_on_an_unlisted_table_is_noticed():
    table = "geography_municipality"
    if connection.vendor == "postgresql":
        _sql(
            f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_auditentry_refuse_change()"
        )
    else:
        _sql(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
        )

    assert table in _append_only_trigger_tables() - set(APPEND_ONLY_TABLES)


# Granting -----------------------------------------------------------------------------


@postgresql_only
def test_the_app_role_may_only_read_and_add_to_the_append_only_tables(app_role):
    def allowed(table, privilege):
        return _sql("SELECT has_table_privilege(%s, %s, %s)", [app_role, table, privilege])[0][0]

    for table in _existing(APPEND_ONLY_TABLES):
        assert allowed(table, "SELECT") and allowed(table, "INSERT"), table
        for privilege in ("UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES"):
            assert not allowed(table, privilege), (table, privilege)
    for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE"):
        assert allowed("cases_concerncase", privilege)
    assert not allowed("cases_concerncase", "TRUNCATE")
    assert allowed("django_migrations", "SELECT")
    assert not allowed("django_migrations", "INSERT")
    sequence = _sql("SELECT pg_get_serial_sequence('audit_auditentry', 'id')")[0][0]
    assert _sql("SELECT has_sequence_privilege(%s, %s, 'USAGE')", [app_role, sequence])[0][0]
    assert not _sql("SELECT has_sequence_privilege(%s, %s, 'UPDATE')", [app_role, sequence])[0][0]
    assert not _sql("SELECT has_schema_privilege(%s, current_schema(), 'CREATE')", [app_role])[0][0]
    assert not _sql("SELECT count(*) FROM pg_class WHERE relowner = %s::regrole", [app_role])[0][0]


@postgresql_only
def test_granting_again_takes_back_what_was_granted_by_hand(app_role):
    _sql(f"GRANT UPDATE, DELETE, TRUNCATE ON audit_auditentry TO {app_role}")

    grant_app_role(app_role)

    assert _sql(
        "SELECT has_table_privilege(%s, 'audit_auditentry', 'UPDATE, DELETE, TRUNCATE')",
        [app_role],
    ) == [(False,)]


@postgresql_only
def test_migrate_grants_the_role_named_in_the_settings(settings):
    role = f"tv_test_migrate_{os.getpid()}"
    _sql(f"CREATE ROLE {role} NOLOGIN")
    settings.DATABASE_APP_ROLE = role

    # What migrate sends once every migration has run.
    post_migrate.send(
        sender=apps.get_app_config("audit"),
        app_config=apps.get_app_config("audit"),
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )

    privileges = "SELECT has_table_privilege(%s, 'audit_auditentry', %s)"
    assert _sql(privileges, [role, "INSERT"]) == [(True,)]
    assert _sql(privileges, [role, "UPDATE"]) == [(False,)]


@postgresql_only
def test_the_command_grants_the_named_role():
    role = f"tv_test_command_{os.getpid()}"
    _sql(f"CREATE ROLE {role} NOLOGIN")

    call_command("grant_app_role", role, verbosity=0)

    assert _sql("SELECT has_table_privilege(%s, 'audit_auditentry', 'INSERT')", [role]) == [(True,)]


@postgresql_only
@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ("SUPERUSER", "superuser"),
        ("CREATEROLE", "CREATEROLE"),
        ("IN ROLE postgres", "member of the owner"),
    ],
)
def test_a_role_that_could_act_as_the_owner_is_refused(attributes, reason):
    if _sql("SELECT current_user")[0][0] != "postgres":
        pytest.skip("this test names the owner role postgres")
    role = f"tv_test_refused_{os.getpid()}"
    _sql(f"CREATE ROLE {role} NOLOGIN {attributes}")

    with pytest.raises(AppRoleError, match=reason):
        grant_app_role(role)


@postgresql_only
def test_a_missing_role_is_refused():
    with pytest.raises(CommandError, match="does not exist"):
        call_command("grant_app_role", f"tv_test_missing_{os.getpid()}")


def test_the_command_needs_a_role(settings):
    settings.DATABASE_APP_ROLE = ""

    with pytest.raises(CommandError, match="DATABASE_APP_ROLE"):
        call_command("grant_app_role")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has no roles")
def test_the_command_refuses_sqlite():
    with pytest.raises(CommandError, match="only on PostgreSQL"):
        call_command("grant_app_role", "tverrnett_app")


# Acting as the application role -------------------------------------------------------


@postgresql_only
def test_the_app_role_writes_the_log_and_ordinary_rows(app_role):
    with acting_as(app_role):
        entry = record("test.role_checked", detail={"n": 1})
        # The worker's round and verification need no more than the role has.
        assert seal_pending() >= 1
        report = verify_log()
        assert report.intact, report.first_problem()
        next_id = _sql("SELECT nextval(pg_get_serial_sequence('audit_auditentry', 'id'))")
        user = get_user_model().objects.create_user(username="rolle", password="x" * 20)
        user.first_name = "Rolf"
        user.save()
        get_user_model().objects.filter(pk=user.pk).delete()

    assert AuditEntry.objects.get(pk=entry.pk).detail == {"n": 1}
    assert next_id[0][0] > entry.pk
    assert not get_user_model().objects.filter(pk=user.pk).exists()


@postgresql_only
@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE audit_auditentry SET action = 'auth.login' WHERE id = %(id)s", "permission"),
        ("DELETE FROM audit_auditentry WHERE id = %(id)s", "permission"),
        ("TRUNCATE audit_auditentry", "permission"),
        ("ALTER TABLE audit_auditentry DISABLE TRIGGER ALL", "must be owner"),
        ("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_auditentry_no_update_delete", "owner"),
        ("DROP TRIGGER audit_auditentry_no_update_delete ON audit_auditentry", "must be owner"),
        ("DROP TRIGGER audit_auditentry_no_truncate ON audit_auditentry", "must be owner"),
        ("DROP TABLE audit_auditentry", "must be owner"),
        ("ALTER TABLE audit_auditentry OWNER TO CURRENT_USER", "must be owner"),
        ("DROP FUNCTION audit_auditentry_refuse_change() CASCADE", "must be owner"),
        ("DROP FUNCTION audit_refuse_change() CASCADE", "must be owner"),
        ("ALTER TABLE audit_auditentry ALTER COLUMN txid DROP DEFAULT", "must be owner"),
        ("DROP INDEX audit_auditentry_txid_brin", "must be owner"),
        ("CREATE TABLE audit_shadow (id integer)", "permission"),
    ],
)
def test_the_app_role_cannot_change_the_log_or_its_triggers(app_role, statement, message):
    entry = record("test.role_checked")
    before = _triggers("audit_auditentry")

    with acting_as(app_role):
        assert message in _refused(statement, {"id": entry.pk})

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.action, stored.mac) == ("test.role_checked", entry.mac)
    assert AuditEntry.objects.count() >= 1
    assert _triggers("audit_auditentry") == before
    assert {enabled for _name, enabled in before} == {"O"}  # every trigger enabled


@postgresql_only
@pytest.mark.parametrize("table", [t for t in APPEND_ONLY_TABLES if t != "audit_auditentry"])
def test_the_app_role_cannot_change_the_other_append_only_tables(app_role, table):
    if not _existing([table]):
        pytest.skip(f"{table} does not exist (yet)")
    before = _triggers(table)
    rows = _sql(f"SELECT * FROM {table} ORDER BY id")
    assert before, f"{table} has no trigger"

    with acting_as(app_role):
        _sql(f"SELECT count(*) FROM {table}")
        for statement in (
            f"UPDATE {table} SET id = id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            assert "permission denied" in _refused(statement)
        for statement in (
            f"ALTER TABLE {table} DISABLE TRIGGER ALL",
            *(f"DROP TRIGGER {name} ON {table}" for name, _enabled in before),
            f"DROP TABLE {table} CASCADE",
        ):
            assert "must be owner" in _refused(statement)

    assert _sql(f"SELECT * FROM {table} ORDER BY id") == rows
    assert _triggers(table) == before


# The system check ---------------------------------------------------------------------


@postgresql_only
def test_the_check_warns_when_production_connects_as_a_superuser():
    (warning,) = check_app_role(databases=["default"])

    assert warning.id == "audit.W001"
    assert "could drop the append-only triggers" in warning.msg
    assert "a superuser" in warning.msg


@postgresql_only
def test_the_check_warns_when_production_connects_as_the_logs_owner():
    owner = f"tv_test_owner_{os.getpid()}"
    _sql(f"CREATE ROLE {owner} NOLOGIN")
    _sql(f"ALTER TABLE audit_auditentry OWNER TO {owner}")

    with acting_as(owner):
        (warning,) = check_app_role(databases=["default"])

    assert "the audit log's owner" in warning.msg


@postgresql_only
def test_the_check_is_quiet_for_the_app_role(app_role):
    with acting_as(app_role):
        assert check_app_role(databases=["default"]) == []


@postgresql_only
def test_the_check_is_quiet_in_debug_and_without_a_database(settings):
    assert check_app_role(databases=None) == []
    settings.DEBUG = True
    assert check_app_role(databases=["default"]) == []


def test_the_check_is_registered_for_deployment_with_the_database():
    from django.core import checks

    registered = checks.registry.registry.get_checks(include_deployment_checks=True)

    assert check_app_role in registered
    assert check_app_role not in checks.registry.registry.get_checks()
    assert {"security", "database"} <= set(check_app_role.tags)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite case")
def test_the_check_is_quiet_on_sqlite():
    assert check_app_role(databases=["default"]) == []
