"""The case's next open deadline, kept on the case row (issue 22 item 2).

`ConcernCase.next_open_deadline` is the earliest deadline among the case's tasks that
are not done, or None. The case list sorts and filters by it and shows the overdue
flag from it (`next_open_deadline < today`), and the start page's overdue tasks start
from it, so neither reads the tasks of every visible case.

Every service that adds a task, changes its status or deadline, or moves or deletes
one calls `refresh_next_deadline` with the cases it touched, in its own transaction.
A case that is deleted needs nothing. `manage.py check_case_deadlines [--fix]` finds
and repairs any drift (`drifted`, `repair`).
"""

from django.db.models import OuterRef, Subquery

from tverrnett.cases.models import ConcernCase, Task, TaskStatus


def _first_open_deadline():
    """The earliest deadline of the outer case's tasks that are not done (or NULL)."""
    return Subquery(
        Task.objects.filter(case=OuterRef("pk"))
        .exclude(status=TaskStatus.DONE)
        .order_by("deadline")
        .values("deadline")[:1]
    )


def refresh_next_deadline(case_ids):
    """Recompute the stored next open deadline of these cases from their tasks: one
    UPDATE, whatever the number of cases. It changes neither the case's version (an
    edit read before it is not stale) nor its `updated_at` (the case did not change)."""
    ids = {case_id for case_id in case_ids if case_id is not None}
    if ids:
        ConcernCase.objects.filter(pk__in=ids).update(next_open_deadline=_first_open_deadline())


def drifted():
    """(case id, stored, computed) for every case whose stored value is wrong."""
    rows = (
        ConcernCase.objects.annotate(computed=_first_open_deadline())
        .order_by("pk")
        .values_list("pk", "next_open_deadline", "computed")
    )
    return [row for row in rows.iterator() if row[1] != row[2]]


def repair(case_ids):
    """Set the stored value right for these cases (see `drifted`)."""
    refresh_next_deadline(case_ids)
