"""Forum meetings (issue 21, item 2): who sees a meeting, who manages it, and how much of
each agenda item a user sees.

A meeting belongs to a forum of a municipal network. The members of that network (the
agency the user acts for is a member) see the meeting: its date, place, attendance and
the agenda's length. The network's administrators and the holders of its SLT coordinator
role, acting for the role's agency, plan and manage meetings. For everyone else a
meeting does not exist.

An agenda item is a case: it shows only to a user who may see the case
(`visible_cases`), decided for the whole agenda in one query. Everyone else sees its
position and nothing more.
"""

from django.db import models


def meeting_network_ids(user):
    """The networks whose meetings the user sees: those the acting agency is a member of
    (in a request; outside one, any of the user's agencies)."""
    from tverrnett.access.policy import _acting_agency_ids
    from tverrnett.networks.models import NetworkMember

    return set(
        NetworkMember.objects.filter(
            agency_id__in=_acting_agency_ids(user), network__is_active=True
        ).values_list("network_id", flat=True)
    )


def visible_meetings(user):
    """Every forum meeting the user may see."""
    from tverrnett.access.policy import is_fully_authenticated
    from tverrnett.meetings.models import ForumMeeting

    if not is_fully_authenticated(user):
        return ForumMeeting.objects.none()
    return ForumMeeting.objects.filter(forum__network_id__in=meeting_network_ids(user))


def sees_network_meetings(user, member_agency_ids):
    """The rule of `meeting_network_ids` for one network whose member agencies' ids the
    caller already has: the acting agency is one of them."""
    from tverrnett.access.policy import acting_agency_id

    return acting_agency_id(user) in set(member_agency_ids)


def manages_forum_meetings(user, network, is_member=None):
    """The holder or deputy of the network's administrator role or of an SLT coordinator
    role of the network (its own, or one of its municipalities'), acting for the role's
    agency, in a network the acting agency is a member of (`is_member`: what
    `sees_network_meetings` gave, when the caller already asked)."""
    from tverrnett.networks.models import Role, RoleKind

    if is_member is None:
        is_member = network.pk in meeting_network_ids(user)
    if not is_member:
        return False
    held = Role.objects.filter(
        _held_by(user),
        models.Q(kind=RoleKind.NETWORK_ADMINISTRATOR, network=network)
        | models.Q(
            kind=RoleKind.SLT_COORDINATOR,
            municipality__in=network.municipalities.values("pk"),
        )
        | models.Q(kind=RoleKind.SLT_COORDINATOR, network=network),
    )
    return held.exists()


def _held_by(user):
    """Q on Role: held or deputised by the user, acting for the role's agency."""
    from tverrnett.access.policy import _OUTSIDE_REQUEST, acting_membership

    condition = models.Q(holder=user) | models.Q(deputy=user)
    acting = acting_membership(user)
    if acting is None:
        return models.Q(pk__in=[])
    if acting is not _OUTSIDE_REQUEST:
        condition &= models.Q(agency_id=acting.agency_id)
    return condition


def agenda_with_access(user, meeting, memberships=None):
    """The meeting's agenda items, each with `shown` (the user may see its case) and
    `workable` (may write minutes and decisions on it). One query for the whole agenda
    (besides the user's memberships)."""
    from tverrnett.access.policy import case_memberships, visible_cases
    from tverrnett.meetings.models import AgendaItem

    memberships = memberships or case_memberships(user)
    visible = visible_cases(user, memberships=memberships)
    workable = workable_cases(user, memberships=memberships)
    return (
        AgendaItem.objects.filter(meeting=meeting)
        .annotate(
            shown=models.Exists(visible.filter(pk=models.OuterRef("case_id"))),
            workable=models.Exists(workable.filter(pk=models.OuterRef("case_id"))),
        )
        .select_related("case")
        .order_by("position", "id")
    )


def may_add_to_agenda(user, meeting, case):
    """Put a case on the agenda: a manager of the forum's meetings, on a planned meeting,
    with a case of the forum's network that they may see."""
    from tverrnett.access.policy import visible_cases

    return (
        manages_forum_meetings(user, meeting.forum.network)
        and case.network_id == meeting.forum.network_id
        and visible_cases(user).filter(pk=case.pk).exists()
    )


def workable_cases(user, memberships=None):
    """The cases the user may work on (`can_work_on_case`: the team or the coordinator,
    while the case is open), as a queryset to test many agenda items at once."""
    from tverrnett.access.policy import case_memberships, holds_role_filter
    from tverrnett.cases.models import CaseState, ConcernCase, TeamMember

    agency_ids = (memberships or case_memberships(user))[0]
    if not agency_ids:
        return ConcernCase.objects.none()
    on_team = models.Q(pk__in=TeamMember.objects.filter(agency_id__in=agency_ids).values("case_id"))
    return ConcernCase.objects.filter(
        on_team | holds_role_filter(user), merged_into__isnull=True
    ).exclude(state=CaseState.CLOSED)
