"""The task inbox (issue 21, item 4): which tasks a user's inbox lists, who a task may be
given to, and who may give it.

A task belongs to its agency (`Task.owner_agency`); a role of that agency or a named
colleague in it may carry it. The inbox lists the tasks of the agency the user acts for,
and only on cases the user may see (`visible_cases`): a task on a case they may not see
does not exist for them, whoever it names. The roles the user holds count only for the
acting agency (`holds_role_filter`), and a task's role always belongs to the task's
agency, so "my roles" and "mine" are parts of "my agency".
"""

from django.db import models


def inbox_tasks(user, agency, memberships=None):
    """The tasks of `agency` (the one the user acts for) on the cases the user may see.
    Nothing when the user does no case work for it (a voluntary organisation, an agency
    administrator, or an agency the user does not act for)."""
    from tverrnett.access.policy import case_memberships, visible_cases
    from tverrnett.cases.models import Task

    memberships = memberships or case_memberships(user)
    if agency is None or agency.pk not in memberships[0]:
        return Task.objects.none()
    visible = visible_cases(user, memberships=memberships)
    return Task.objects.filter(owner_agency=agency, case__in=visible.values("pk"))


def my_role_tasks_filter(user):
    """Q for tasks whose role the user holds or deputises (in the acting agency)."""
    from tverrnett.access.policy import holds_role_filter

    return holds_role_filter(user, "owner_role")


def task_assignees(agency):
    """Who a task of `agency` may be given to: active users with an active case-work
    membership in it (not its administrators, privacy or records officers, who see no
    case)."""
    from django.contrib.auth import get_user_model

    from tverrnett.access.policy import _NO_CASE_WORK_ROLES
    from tverrnett.accounts.models import Membership

    members = (
        Membership.objects.filter(agency=agency, is_active=True, agency__is_active=True)
        .exclude(role__in=_NO_CASE_WORK_ROLES)
        .values("user_id")
    )
    return (
        get_user_model()
        .objects.filter(is_active=True, pk__in=members)
        .order_by("first_name", "last_name", "username")
    )


def can_assign_task(user, task, access_path, agency_ids):
    """Give a task to a colleague: a user of the task's own agency, acting for it, who may
    work on the case (team or coordinator, case open). The coordinator's side of another
    agency does not pick people in an agency that is not theirs."""
    from tverrnett.access.policy import can_work_on_case

    if not can_work_on_case(user, task.case, access_path):
        return False
    return task.owner_agency_id in agency_ids


def may_assign_in_inbox_filter(user, agency):
    """Q for inbox rows whose task the user may give to a colleague without asking row by
    row (`can_assign_task` for a task of the acting agency): an open case with the
    agency on its team, or one whose coordinator role the user holds."""
    from tverrnett.access.policy import holds_role_filter
    from tverrnett.cases.models import CaseState, TeamMember

    on_team = models.Exists(
        TeamMember.objects.filter(case_id=models.OuterRef("case_id"), agency_id=agency.pk)
    )
    return ~models.Q(case__state=CaseState.CLOSED) & (
        models.Q(on_team) | holds_role_filter(user, "case__coordinator_role")
    )
