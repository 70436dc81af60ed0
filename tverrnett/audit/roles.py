"""The application's database role on PostgreSQL (docs/security.md, "Database roles").

In production two roles exist. The owner (`tverrnett_owner`) owns every table and
runs `migrate`. The application (`tverrnett_app`) connects for everything else: it
owns nothing, is no superuser, and may only SELECT and INSERT on the append-only
tables, so it can neither change nor remove a row there nor drop or disable the
triggers that guard them (only a table's owner may).

`grant_app_role` gives the application role exactly that. It runs after every
`migrate` when `DATABASE_APP_ROLE` names the role (the `post_migrate` handler
below), and on its own as `manage.py grant_app_role`. Every statement is
REVOKE-then-GRANT, so running it again after a change (a table that became
append-only) leaves the right privileges, not the old ones plus new ones.

`check_app_role` is the system check that makes the opposite visible: an
application connected as the log's owner (or a superuser) in production.
"""

import re

from django.conf import settings
from django.core import checks
from django.db import connections, transaction

# THE list of append-only tables: the application role may SELECT and INSERT here,
# nothing else. A migration that adds an append-only trigger to another table fails
# a test (audit/tests/test_roles.py) until the table is named here. A name whose
# table does not exist (yet) is skipped.
APPEND_ONLY_TABLES = (
    "audit_auditentry",  # audit/migrations/0002
    "audit_auditseal",  # the log's seals (when the table exists)
    "consent_disclosure",  # consent/migrations/0002 (L02)
    "consent_discloseditem",  # consent/migrations/0002
    "consent_disclosedpart",  # consent/migrations/0004
    "consent_recipientbasis",  # consent/migrations/0005
)
# Read by the application, written only by `migrate` (as the owner).
READ_ONLY_TABLES = ("django_migrations",)
# The table whose owner the system check looks for.
AUDIT_TABLE = "audit_auditentry"

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class AppRoleError(Exception):
    """The named role cannot safely be the application's role."""


def _quote(name):
    # Names come from the catalogue or are checked against _ROLE_NAME; the quotes
    # still keep an odd table name from reading as SQL.
    return '"' + name.replace('"', '""') + '"'


def _refusal(cursor, role):
    """Why `role` must not be the application's role, or None."""
    cursor.execute(
        """
        SELECT r.rolsuper, r.rolcreaterole, r.rolname = current_user,
               pg_has_role(r.rolname, current_user, 'MEMBER'),
               EXISTS (SELECT 1 FROM pg_class c
                       WHERE c.relowner = r.oid AND c.relnamespace = current_schema()::regnamespace)
        FROM pg_roles r WHERE r.rolname = %s
        """,
        [role],
    )
    row = cursor.fetchone()
    if row is None:
        return f"the role {role!r} does not exist; create it first (README, Production)"
    superuser, createrole, is_self, member_of_owner, owns = row
    if superuser:
        return f"{role!r} is a superuser: it would bypass every grant and trigger"
    if createrole:
        return f"{role!r} has CREATEROLE: it could make itself a member of the owner"
    if is_self:
        return f"{role!r} is the role running this; run migrate as the owner instead"
    if member_of_owner:
        return f"{role!r} is a member of the owner role and could act as the owner"
    if owns:
        return f"{role!r} owns tables in this schema; the application role must own nothing"
    return None


def grant_app_role(role, using="default"):
    """Grant `role` what the application needs on PostgreSQL; return the statements run.

    Run as the owner of the tables (the role `migrate` runs as). Raises
    AppRoleError (and grants nothing) when the role is missing or could act as
    the owner.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise AppRoleError("database roles exist only on PostgreSQL")
    if not _ROLE_NAME.fullmatch(role or ""):
        raise AppRoleError(f"not a lower-case role name: {role!r}")
    statements = []
    with transaction.atomic(using=using), connection.cursor() as cursor:
        reason = _refusal(cursor, role)
        if reason:
            raise AppRoleError(reason)
        cursor.execute("SELECT current_schema()")
        schema = _quote(cursor.fetchone()[0])
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
              AND pg_has_role(current_user, c.relowner, 'USAGE')
            ORDER BY c.relname
            """
        )
        tables = [name for (name,) in cursor.fetchall()]
        grantee = _quote(role)
        statements += [
            f"GRANT USAGE ON SCHEMA {schema} TO {grantee}",
            f"REVOKE CREATE ON SCHEMA {schema} FROM {grantee}",
        ]
        for table in tables:
            if table in APPEND_ONLY_TABLES:
                allowed = "SELECT, INSERT"
            elif table in READ_ONLY_TABLES:
                allowed = "SELECT"
            else:
                allowed = "SELECT, INSERT, UPDATE, DELETE"
            statements += [
                # ALL: also TRUNCATE, REFERENCES and TRIGGER, which the application never needs.
                f"REVOKE ALL ON TABLE {schema}.{_quote(table)} FROM {grantee}",
                f"GRANT {allowed} ON TABLE {schema}.{_quote(table)} TO {grantee}",
            ]
        statements += [
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {grantee}",
            # USAGE: nextval (the audit writer's pg_get_serial_sequence); no UPDATE (setval).
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {grantee}",
        ]
        for statement in statements:
            cursor.execute(statement)
    return statements


def grant_after_migrate(sender, using="default", verbosity=1, **kwargs):
    """post_migrate: grant `DATABASE_APP_ROLE` its privileges once every migration has run."""
    role = settings.DATABASE_APP_ROLE
    if not role or connections[using].vendor != "postgresql":
        return
    statements = grant_app_role(role, using=using)
    if verbosity >= 1:
        stdout = kwargs.get("stdout")
        if stdout is not None:
            stdout.write(f"  Granted the application role {role!r} ({len(statements)} statements)")


MISCONFIGURED = "W001"


def check_app_role(app_configs=None, databases=None, **kwargs):
    """Warn when production connects to PostgreSQL as the audit log's owner or a superuser.

    A database check (it queries): run by `manage.py check --deploy --database default`
    with the application's environment.
    """
    if settings.DEBUG or not databases:
        return []
    messages = []
    for alias in databases:
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT r.rolsuper, r.rolcreaterole,
                       COALESCE((SELECT pg_has_role(current_user, c.relowner, 'MEMBER')
                                 FROM pg_class c WHERE c.oid = to_regclass(%s)), false)
                FROM pg_roles r WHERE r.rolname = current_user
                """,
                [AUDIT_TABLE],
            )
            superuser, createrole, owner = cursor.fetchone()
        if superuser or owner or createrole:
            what = (
                "a superuser"
                if superuser
                else "the audit log's owner"
                if owner
                else "a role with CREATEROLE"
            )
            messages.append(
                checks.Warning(
                    f"The application connects to database {alias!r} as {what}: "
                    "it could drop the append-only triggers.",
                    hint="Run migrate as the owner with DATABASE_APP_ROLE set, and the "
                    "application with the application role's DATABASE_URL "
                    "(docs/security.md, 'Database roles').",
                    id=f"audit.{MISCONFIGURED}",
                )
            )
    return messages
