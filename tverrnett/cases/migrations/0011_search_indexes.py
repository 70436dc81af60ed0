"""Indexes for the case list's text search (cases/search_index.py, issue 22 item 1).

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13: the database's owner
may create it), a GIN trigram index on the person's name and a GIN index on the
summary's Norwegian text search vector. Built CONCURRENTLY, so writes to the tables go
on while they are built; that needs a migration outside a transaction (atomic = False).

SQLite: two FTS5 tables with triggers that keep them right on every insert, change and
delete of a name or a summary, filled from the rows already there
(search_index.ensure_sqlite_index).
"""

from django.db import migrations

from tverrnett.cases import search_index

POSTGRESQL_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_person_name_trgm "
    "ON cases_person USING gin (name gin_trgm_ops)",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS cases_concerncase_summary_fts "
    "ON cases_concerncase USING gin (to_tsvector('norwegian'::regconfig, summary))",
]

POSTGRESQL_DOWN = [
    "DROP INDEX CONCURRENTLY IF EXISTS cases_concerncase_summary_fts",
    "DROP INDEX CONCURRENTLY IF EXISTS cases_person_name_trgm",
    # The extension stays: something else may use it by now.
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


def sqlite_up(apps, schema_editor):
    # The same function runs after every `migrate` (post_migrate), since a later
    # migration that rebuilds one of the tables on SQLite drops its triggers.
    if schema_editor.connection.vendor == "sqlite":
        search_index.ensure_sqlite_index(schema_editor.connection)


def sqlite_down(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        search_index.drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("cases", "0010_removal")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL_UP}), _run({"postgresql": POSTGRESQL_DOWN})
        ),
        migrations.RunPython(sqlite_up, sqlite_down),
    ]
