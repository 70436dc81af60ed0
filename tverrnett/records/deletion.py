"""Deleting a case's personal data from every table and every file (C3, issue 20).

`delete_case` starts from the case and, when no other case refers to them, its person;
it follows every foreign key that points at what it has collected, in every model of
the project (the many-to-many tables too), so a model added later is covered without
being named here. A foreign key declared `SET_NULL` is set to NULL instead (the row
belongs to something else: an e-mail log, a notice chain's link); every other one
takes the row with it. Files of deleted rows are removed from storage after the
commit. Nothing is deleted through the ORM's collector: the models' PROTECT rules are
for everyday work, and append-only records are deleted only while a
`DeletionPermit` exists inside this transaction (records migration 0002).

The audit log is not touched: its entries keep ids, never names, and the chain stays
whole (`verify_audit`).
"""

from collections import defaultdict

from django.apps import apps
from django.db import connection, models, transaction

from tverrnett.records.models import DeletionPermit

# Models the walk never enters: the log and the lifecycle's own records of what happened.
NEVER_WALKED = {
    "audit.AuditEntry",
    "records.Tombstone",
    "records.DeletionPermit",
    "records.ArchivePackage",
    "records.RetentionRule",
}
_CHUNK = 500


def _pointing_fields():
    """{target model: [(model, field)]} for every concrete FK and one-to-one field."""
    found = defaultdict(list)
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in NEVER_WALKED:
            continue
        for field in model._meta.concrete_fields:
            if field.is_relation and field.many_to_one or field.one_to_one:
                if field.remote_field is None:
                    continue
                target = field.remote_field.model
                found[target._meta.concrete_model].append((model, field))
    return found


def _chunks(values):
    values = sorted(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def collect(case):
    """What deleting `case` removes: ({model: {pk}}, [(model, field, {target pk})] to
    set NULL)."""
    from tverrnett.cases.models import ConcernCase, Person

    pointing = _pointing_fields()
    collected = defaultdict(set)
    nulled = []
    queue = [(ConcernCase, {case.pk})]
    if (
        case.subject_id
        and not ConcernCase.objects.filter(subject_id=case.subject_id).exclude(pk=case.pk).exists()
    ):
        queue.append((Person, {case.subject_id}))
    while queue:
        model, pks = queue.pop()
        model = model._meta.concrete_model
        new = set(pks) - collected[model]
        if not new:
            continue
        collected[model] |= new
        for child, field in pointing.get(model, []):
            for chunk in _chunks(new):
                rows = child._base_manager.filter(**{f"{field.attname}__in": chunk})
                if field.null and field.remote_field.on_delete is models.SET_NULL:
                    ids = set(rows.values_list("pk", flat=True))
                    if ids:
                        nulled.append((child, field, ids))
                else:
                    ids = set(rows.values_list("pk", flat=True))
                    if ids:
                        queue.append((child, ids))
    return collected, nulled


def _delete_order(collected):
    """Children before the rows they point at, as far as the links allow. The order is
    for readability of the statements only: Django declares every foreign key
    DEFERRABLE INITIALLY DEFERRED (PostgreSQL and SQLite), so the constraints are
    checked at the commit, when all of it is gone, and a cycle (a case converted from a
    discussion, a task a revision points at) needs no special handling."""

    def points_at(model, target):
        return any(
            field.remote_field.model._meta.concrete_model is target
            for field in model._meta.concrete_fields
            if field.is_relation and field.remote_field is not None
        )

    remaining = sorted(collected, key=lambda model: model._meta.label)
    order = []
    while remaining:
        leaf = next(
            (
                model
                for model in remaining
                if not any(other is not model and points_at(other, model) for other in remaining)
            ),
            remaining[0],
        )
        order.append(leaf)
        remaining.remove(leaf)
    return order


def _execute(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _update_null(model, field, pks):
    table, column = model._meta.db_table, field.column
    pk_column = model._meta.pk.column
    quote = connection.ops.quote_name
    for chunk in _chunks(pks):
        marks = ", ".join(["%s"] * len(chunk))
        _execute(
            f"UPDATE {quote(table)} SET {quote(column)} = NULL "  # noqa: S608 (names from models)
            f"WHERE {quote(pk_column)} IN ({marks})",
            chunk,
        )


def _files(collected):
    found = []
    for model, pks in collected.items():
        file_fields = [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]
        for field in file_fields:
            for chunk in _chunks(pks):
                for name in model._base_manager.filter(pk__in=chunk).values_list(
                    field.attname, flat=True
                ):
                    if name:
                        found.append((field.storage, name))
    return found


def delete_collected(case_id, collected, nulled):
    """Delete what `collect` found, inside the caller's transaction."""
    files = _files(collected)
    permit = DeletionPermit.objects.create(case_id=case_id)
    for model, field, pks in nulled:
        _update_null(model, field, pks)
    quote = connection.ops.quote_name
    for model in _delete_order(collected):
        table, pk_column = model._meta.db_table, model._meta.pk.column
        for chunk in _chunks(collected[model]):
            marks = ", ".join(["%s"] * len(chunk))
            _execute(
                f"DELETE FROM {quote(table)} WHERE {quote(pk_column)} IN ({marks})",  # noqa: S608
                chunk,
            )
    DeletionPermit.objects.filter(pk=permit.pk).delete()

    def remove_files():
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
    return {model._meta.label: len(pks) for model, pks in collected.items()}
