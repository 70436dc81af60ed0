"""Undo the removal of a plan goal or a plan measure (issue 21 item 10): it comes back as
it was (a measure at a new version) on the plan page of the user who removed it; anyone
else gets 404; a stale undo is refused with the reason."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases import undo
from tverrnett.cases.models import Removal
from tverrnett.plans import services
from tverrnett.plans.models import PlanGoal, PlanMeasure

pytestmark = pytest.mark.django_db


def test_a_removed_goal_comes_back(owner, plan, fill):
    fill(plan)
    goal = plan.goals.get()
    values, pk = undo.snapshot(goal), goal.pk
    removal = services.remove_goal(owner, goal)
    services.undo_remove_goal(owner, plan, removal)
    assert undo.snapshot(PlanGoal.objects.get(pk=pk)) == values
    assert AuditEntry.objects.filter(action="case.removal_undone").count() == 1


def test_a_removed_measure_comes_back_at_a_new_version(owner, plan, fill):
    fill(plan)
    entry = plan.measures.get()
    values, pk = undo.snapshot(entry), entry.pk
    removal = services.remove_plan_measure(owner, entry)
    services.undo_remove_measure(owner, plan, removal)
    restored = PlanMeasure.objects.get(pk=pk)
    assert undo.snapshot(restored) == {**values, "version": values["version"] + 1}


def test_a_measure_whose_service_left_the_team_is_not_brought_back(
    owner, plan, fill, partner_agency
):
    fill(plan)
    removal = services.remove_plan_measure(owner, plan.measures.get())
    member = plan.case.team.get(agency=partner_agency)
    member.has_lead = False
    member.save()
    case_services.remove_team_member(owner, plan.case, member)
    with pytest.raises(ValidationError, match="ikke lenger med"):
        services.undo_remove_measure(owner, plan, removal)
    assert not plan.measures.exists()


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_the_plan_page_offers_the_undo_to_the_remover_only(
    client, login_as, owner, plan, fill, request, who
):
    fill(plan)
    login_as(client, owner)
    goal = plan.goals.get()
    client.post(reverse("plans:remove_goal", args=[plan.case_id, plan.pk, goal.pk]))
    removal = Removal.objects.get()
    undo_url = reverse("plans:undo_removal", args=[plan.case_id, plan.pk, removal.pk])
    page = client.get(reverse("plans:detail", args=[plan.case_id, plan.pk]))
    assert undo_url in page.content.decode()

    login_as(client, request.getfixturevalue(who))
    assert client.post(undo_url).status_code == 404
    assert not plan.goals.exists()

    login_as(client, owner)
    assert client.post(undo_url).status_code == 302
    assert plan.goals.get().text == "Jeg vil ha en jobb."
