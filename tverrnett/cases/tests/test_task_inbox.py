"""The task inbox (issue 21, item 4): the acting agency's tasks on the cases the user may
see, filters, search, paging, the read entry, and giving a task to a colleague.

Four actors: the owner (Drammen kommune – SLT, the coordinator's agency), the partner (Nav
Drammen, on the team), the outsider (Nav Oslo, on no team) and `two_hats` (Nav Drammen
and Nav Bergen, acting for Nav Bergen).
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.accounts.models import MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services
from tverrnett.cases.models import Task, TaskStatus
from tverrnett.cases.tests import test_acting_agency, test_views
from tverrnett.cases.tests.conftest import signed_in

pytestmark = pytest.mark.django_db

team_case = test_views.team_case
two_hats = test_acting_agency.two_hats
unrelated_agency = test_acting_agency.unrelated_agency
act_for = test_acting_agency.act_for

INBOX = "/oppgaver/"


def soon(days=3):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def colleague(make_user, owner_agency):
    return signed_in(
        make_user("kollega", owner_agency, MembershipRole.CASE_WORKER, first_name="Kari")
    )


@pytest.fixture
def partner_task(team_case, partner):
    return services.add_task(
        partner,
        team_case,
        title="Møte hos Nav",
        owner_agency=team_case.team.get(agency__name="Nav Drammen").agency,
        deadline=soon(5),
    )


def owner_task(case):
    return case.tasks.get(title="Ring skolen")


def _list_reads():
    return AuditEntry.objects.filter(action="case.list_viewed")


def _titles(response):
    return [task.title for task in response.context["rows"]]


def test_it_lists_the_agencys_tasks_and_writes_a_read_entry(client, login_as, owner, team_case):
    login_as(client, owner)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert _titles(response) == ["Ring skolen"]
    assert reverse("cases:detail", args=[team_case.pk]) + "#tasks-heading" in response.text
    assert _list_reads().get().detail["cases"] == [team_case.pk]


def test_a_team_agency_sees_its_own_tasks_and_never_another_agencys(
    client, login_as, partner, team_case, partner_task
):
    login_as(client, partner)

    response = client.get(INBOX)

    assert _titles(response) == ["Møte hos Nav"]
    assert "Ring skolen" not in response.text


def test_an_outsider_sees_no_task_of_a_case_it_may_not_see(
    client, login_as, outsider, outsider_agency, team_case
):
    # A task of the outsider's agency on a case it is not on (as if removed from the team).
    Task.objects.create(
        case=team_case, title="Hemmelig oppgave", owner_agency=outsider_agency, deadline=soon()
    )
    login_as(client, outsider)

    response = client.get(INBOX)

    assert response.status_code == 200
    assert _titles(response) == []
    assert "Hemmelig" not in response.text
    assert not _list_reads().exists()


def test_a_user_acting_for_an_unrelated_agency_sees_nothing_and_cannot_assign(
    client, login_as, two_hats, unrelated_agency, team_case, partner_task
):
    act_for(client, login_as, two_hats, unrelated_agency)
    before = (partner_task.version, partner_task.assignee_id)

    response = client.get(INBOX)
    assign = client.post(
        reverse("tasks:assign", args=[partner_task.pk]),
        {"assignee": two_hats.pk, "version": partner_task.version},
    )

    assert _titles(response) == []
    assert assign.status_code == 404
    partner_task.refresh_from_db()
    assert (partner_task.version, partner_task.assignee_id) == before
    assert not _list_reads().exists()


def test_the_same_user_acting_for_the_team_agency_sees_its_tasks(
    client, login_as, two_hats, partner_agency, team_case, partner_task
):
    act_for(client, login_as, two_hats, partner_agency)

    assert _titles(client.get(INBOX)) == ["Møte hos Nav"]


def test_a_volunteer_or_agency_administrator_gets_404(client, login_as, make_user, owner_agency):
    admin = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)
    login_as(client, admin)

    assert client.get(INBOX).status_code == 404


def test_filters_mine_roles_status_and_overdue(
    client, login_as, owner, colleague, team_case, slt_role
):
    task = owner_task(team_case)
    role_task = services.add_task(
        owner,
        team_case,
        title="Rolleoppgave",
        owner_agency=team_case.created_agency,
        owner_role=slt_role,
        deadline=soon(1),
    )
    Task.objects.create(
        case=team_case,
        title="Gammel",
        owner_agency=team_case.created_agency,
        deadline=soon(-2),
    )
    Task.objects.create(
        case=team_case,
        title="Ferdig",
        owner_agency=team_case.created_agency,
        deadline=soon(1),
        status=TaskStatus.DONE,
    )
    services.assign_task(owner, task, assignee=colleague, version=task.version)
    login_as(client, owner)

    assert _titles(client.get(INBOX)) == ["Gammel", "Rolleoppgave", "Ring skolen"]
    assert _titles(client.get(INBOX, {"whose": "roles"})) == [role_task.title]
    assert _titles(client.get(INBOX, {"whose": "mine"})) == []
    assert _titles(client.get(INBOX, {"overdue": "on"})) == ["Gammel"]
    assert _titles(client.get(INBOX, {"status": "done"})) == ["Ferdig"]
    assert len(_titles(client.get(INBOX, {"status": "all"}))) == 4
    login_as(client, colleague)
    assert _titles(client.get(INBOX, {"whose": "mine"})) == ["Ring skolen"]


def test_search_by_title_or_reference_is_kept_out_of_the_url(client, login_as, owner, team_case):
    login_as(client, owner)

    posted = client.post(INBOX, {"q": "skolen"})
    by_reference = client.post(INBOX, {"q": team_case.reference})
    miss = client.post(INBOX, {"q": "ingenting"})

    assert "skolen" not in posted.url
    assert _titles(client.get(posted.url)) == ["Ring skolen"]
    assert _titles(client.get(by_reference.url)) == ["Ring skolen"]
    assert _titles(client.get(miss.url)) == []


def test_the_inbox_costs_the_same_queries_for_many_tasks(client, login_as, owner, team_case):
    login_as(client, owner)
    client.get(INBOX)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        return len(queries)

    few = count()
    for number in range(8):
        Task.objects.create(
            case=team_case,
            title=f"Oppgave {number}",
            owner_agency=team_case.created_agency,
            deadline=soon(number),
        )
    assert count() == few
    assert few <= 11, few


def test_paging(client, login_as, owner, team_case):
    for number in range(30):
        Task.objects.create(
            case=team_case,
            title=f"Oppgave {number}",
            owner_agency=team_case.created_agency,
            deadline=soon(),
        )
    login_as(client, owner)

    assert len(_titles(client.get(INBOX))) == 25
    assert len(_titles(client.get(INBOX, {"side": 2}))) == 6


# Giving a task to a colleague ------------------------------------------------------


def test_it_gives_a_task_to_a_colleague_with_an_audit_entry(
    client, login_as, owner, colleague, team_case
):
    task = owner_task(team_case)
    login_as(client, owner)

    response = client.post(
        reverse("tasks:assign", args=[task.pk]),
        {"assignee": colleague.pk, "version": task.version, "next": INBOX + "?whose=roles"},
    )

    assert response.status_code == 302
    assert response.url == INBOX + "?whose=roles"
    task.refresh_from_db()
    assert task.assignee == colleague
    entry = AuditEntry.objects.get(action="case.task_assigned")
    assert entry.detail == {"task": task.pk, "assignee": colleague.pk}
    page = client.get(reverse("cases:detail", args=[team_case.pk]))
    assert "Kari" in page.text


def test_a_stale_assignment_is_refused(client, login_as, owner, colleague, team_case):
    task = owner_task(team_case)
    old = task.version
    services.change_task_status(owner, task, status=TaskStatus.IN_PROGRESS, version=old)
    login_as(client, owner)

    response = client.post(
        reverse("tasks:assign", args=[task.pk]),
        {"assignee": colleague.pk, "version": old},
        follow=True,
    )

    task.refresh_from_db()
    assert task.assignee is None
    assert [message.level_tag for message in response.context["messages"]] == ["error"]
    assert not AuditEntry.objects.filter(action="case.task_assigned").exists()


def test_only_a_colleague_in_the_tasks_agency_can_be_given_it(
    client, login_as, owner, partner, team_case
):
    task = owner_task(team_case)
    login_as(client, owner)

    client.post(
        reverse("tasks:assign", args=[task.pk]), {"assignee": partner.pk, "version": task.version}
    )

    task.refresh_from_db()
    assert task.assignee is None
    assert not AuditEntry.objects.filter(action="case.task_assigned").exists()


def test_another_team_agency_cannot_give_the_task_away(client, login_as, partner, team_case):
    task = owner_task(team_case)
    login_as(client, partner)

    response = client.post(
        reverse("tasks:assign", args=[task.pk]), {"assignee": partner.pk, "version": task.version}
    )

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.assignee is None


def test_the_service_refuses_the_coordinators_side_for_another_agencys_task(
    owner, partner, team_case, partner_task
):
    with pytest.raises(PermissionDenied):
        services.assign_task(owner, partner_task, assignee=owner, version=partner_task.version)


def test_the_service_refuses_on_a_closed_case(owner, colleague, team_case):
    task = owner_task(team_case)
    team_case.state = "closed"
    team_case.save(update_fields=["state"])
    task.refresh_from_db()

    with pytest.raises(PermissionDenied):
        services.assign_task(owner, task, assignee=colleague, version=task.version)


def test_giving_to_nobody_in_particular_clears_it(owner, colleague, team_case):
    task = owner_task(team_case)
    services.assign_task(owner, task, assignee=colleague, version=task.version)
    services.assign_task(owner, task, assignee=None, version=task.version)

    task.refresh_from_db()
    assert task.assignee is None
    assert task.version == 3
