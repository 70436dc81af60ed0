"""The case's stored next open deadline (cases.deadlines, issue 22 item 2): every service
that changes a task keeps it equal to what the tasks say; the check command finds drift."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from tverrnett.cases import deadlines, services
from tverrnett.cases.models import ConcernCase, Task, TaskStatus

pytestmark = pytest.mark.django_db


def day(offset):
    return timezone.localdate() + datetime.timedelta(days=offset)


def computed(case):
    """The value from the tasks themselves, in Python (not the query the module uses)."""
    open_deadlines = [t.deadline for t in Task.objects.filter(case=case) if t.status != "done"]
    return min(open_deadlines, default=None)


def stored(case):
    return ConcernCase.objects.values_list("next_open_deadline", flat=True).get(pk=case.pk)


def add(actor, case, agency, offset, title="Ring foresatte"):
    return services.add_task(
        actor, case, title=title, owner_agency=agency, owner_name="Eva", deadline=day(offset)
    )


def status(actor, task, value):
    task.refresh_from_db()
    services.change_task_status(actor, task, status=value, version=task.version)


def test_every_task_service_keeps_the_stored_deadline_right(owner, owner_agency, register):
    case, other = register(), register(person={"name": "Kari Berg", "birth_year": 2008})
    version = ConcernCase.objects.get(pk=case.pk).version
    steps = [
        ("no task", lambda: None, None),
        ("a task in ten days", lambda: add(owner, case, owner_agency, 10), day(10)),
        ("an overdue task", lambda: add(owner, case, owner_agency, -2, "Møte"), day(-2)),
        ("a later task changes nothing", lambda: add(owner, case, owner_agency, 30), day(-2)),
    ]
    for label, step, expected in steps:
        step()
        assert stored(case) == computed(case) == expected, label
    overdue = Task.objects.get(case=case, title="Møte")
    status(owner, overdue, TaskStatus.IN_PROGRESS)
    assert stored(case) == computed(case) == day(-2)
    status(owner, overdue, TaskStatus.DONE)
    assert stored(case) == computed(case) == day(10)
    status(owner, overdue, TaskStatus.OPEN)  # reopened
    assert stored(case) == computed(case) == day(-2)
    services.add_coordinator_task(owner, case, title="Vurder etter samtalen", deadline=day(-5))
    assert stored(case) == computed(case) == day(-5)
    for task in Task.objects.filter(case=case):
        status(owner, task, TaskStatus.DONE)
        assert stored(case) == computed(case)
    assert stored(case) is None
    # Another case's tasks never touch this one; keeping the value is no edit of the case.
    add(owner, other, owner_agency, 3)
    assert (stored(case), stored(other)) == (None, day(3))
    assert ConcernCase.objects.get(pk=case.pk).version == version
    assert deadlines.drifted() == []


def test_the_check_command_finds_and_repairs_drift(owner, owner_agency, case, capsys):
    add(owner, case, owner_agency, -1)
    call_command("check_case_deadlines")
    assert "OK" in capsys.readouterr().out
    # A change behind the services' back (a raw update) drifts.
    Task.objects.filter(case=case).update(deadline=day(4))

    with pytest.raises(CommandError, match="DRIFT: 1 case"):
        call_command("check_case_deadlines")
    assert stored(case) == day(-1)  # the check alone repairs nothing

    call_command("check_case_deadlines", "--fix")
    assert stored(case) == computed(case) == day(4)
    assert deadlines.drifted() == []


def test_the_list_flags_filters_and_sorts_by_the_stored_deadline(
    client, login_as, owner, owner_agency, register
):
    late = register()
    soon = register(person={"name": "Kari Berg", "birth_year": 2008})
    none = register(person={"name": "Per Dal", "birth_year": 2007})
    add(owner, late, owner_agency, -3)
    add(owner, soon, owner_agency, 2)
    login_as(client, owner)

    def listed(**params):
        response = client.get(reverse("cases:list"), params)
        return [c.pk for c in response.context["page"].object_list], response.content.decode()

    assert listed(overdue="on")[0] == [late.pk]
    assert listed(sort="deadline")[0] == [late.pk, soon.pk, none.pk]
    _order, page = listed()
    assert page.count('data-color="danger">Forfalt') == 1  # the overdue case only
    # Done: the case is no longer overdue, at once.
    status(owner, Task.objects.get(case=late), TaskStatus.DONE)
    assert listed(overdue="on")[0] == []
