"""What users do with forum meetings (issue 21, item 2).

Each function takes the acting user first, checks permission, changes data and writes
the audit entry in one transaction. Minutes and decisions go through the case's own
services (`cases.services.write_journal_entry`, `add_task`), which check that the user
may work on the case and audit the change on the case.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import services as case_services
from tverrnett.core.identity_numbers import contains_identity_number
from tverrnett.core.versions import changed_message, claim
from tverrnett.meetings.models import (
    AgendaDecision,
    AgendaItem,
    AgendaMinutes,
    ForumMeeting,
    MeetingAttendee,
    MeetingStatus,
)

for _name, _description in [
    ("meeting.created", gettext_noop("Planned a forum meeting")),
    ("meeting.changed", gettext_noop("Changed a forum meeting or its attendance")),
    ("meeting.agenda_added", gettext_noop("Put a case on a forum meeting's agenda")),
    ("meeting.minutes_written", gettext_noop("Wrote the minutes of a case at a forum meeting")),
    ("meeting.decision_recorded", gettext_noop("Recorded a forum meeting's decision as a task")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _refuse_identity_numbers(fields):
    for name, value in fields.items():
        if value and contains_identity_number(value):
            raise ValidationError({name: _("Do not write national identity numbers here.")})


@transaction.atomic
def create_meeting(actor, forum, *, starts_at, place="", request=None):
    _require(policy.manages_forum_meetings(actor, forum.network))
    _refuse_identity_numbers({"place": place})
    meeting = ForumMeeting.objects.create(
        forum=forum, starts_at=starts_at, place=place, created_by=actor
    )
    record(
        "meeting.created",
        actor=actor,
        target=meeting,
        detail={"forum": forum.pk},
        request=request,
    )
    return meeting


@transaction.atomic
def update_meeting(actor, meeting, *, version, starts_at, place, status, attended, request=None):
    """Change the date, place and status, and record which agencies attended
    (`attended`: agencies that are members of the forum's network)."""
    network = meeting.forum.network
    _require(policy.manages_forum_meetings(actor, network))
    _refuse_identity_numbers({"place": place})
    if status not in MeetingStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    member_ids = set(network.members.values_list("agency_id", flat=True))
    attended_ids = {agency.pk for agency in attended}
    if not attended_ids <= member_ids:
        raise ValidationError({"attended": _("Choose agencies of the network.")})
    claim(
        meeting,
        version,
        message=changed_message(),
        starts_at=starts_at,
        place=place,
        status=status,
    )
    meeting.attendees.exclude(agency_id__in=attended_ids).delete()
    present = set(meeting.attendees.values_list("agency_id", flat=True))
    MeetingAttendee.objects.bulk_create(
        MeetingAttendee(meeting=meeting, agency_id=agency_id, recorded_by=actor)
        for agency_id in sorted(attended_ids - present)
    )
    record(
        "meeting.changed",
        actor=actor,
        target=meeting,
        detail={"status": status, "attended": sorted(attended_ids)},
        request=request,
    )
    return meeting


@transaction.atomic
def add_agenda_item(actor, meeting, case, *, note="", request=None):
    """Put a case the actor may see on a planned meeting's agenda, last."""
    _require(policy.may_add_to_agenda(actor, meeting, case))
    _refuse_identity_numbers({"note": note})
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Cases are put on the agenda of a planned meeting only."))
    if case.is_closed:
        raise ValidationError({"reference": _("The case is closed.")})
    # Lock the meeting's row so two additions do not take the same position.
    ForumMeeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if meeting.agenda.filter(case=case).exists():
        raise ValidationError({"reference": _("The case is already on the agenda.")})
    last = meeting.agenda.aggregate(last=Max("position"))["last"] or 0
    item = AgendaItem.objects.create(
        meeting=meeting, case=case, position=last + 1, note=note, added_by=actor
    )
    record(
        "meeting.agenda_added",
        actor=actor,
        target=case,
        detail={"meeting": meeting.pk, "item": item.pk},
        request=request,
    )
    return item


@transaction.atomic
def write_minutes(actor, item, *, text, confidentiality, request=None, **tags):
    """The minutes of one case: a journal entry on the case, owned by the writer's agency
    (`cases.services.write_journal_entry` checks that the writer may work on it)."""
    entry = case_services.write_journal_entry(
        actor, item.case, text=text, confidentiality=confidentiality, request=request, **tags
    )
    AgendaMinutes.objects.create(item=item, entry=entry)
    record(
        "meeting.minutes_written",
        actor=actor,
        agency=entry.agency,
        target=item.case,
        detail={"meeting": item.meeting_id, "item": item.pk, "entry": entry.pk},
        request=request,
    )
    return entry


@transaction.atomic
def record_decision(actor, item, *, request=None, **task_fields):
    """A decision about one case: a task on the case for a team agency, owned by one of its
    roles or a named person, with a deadline (`task_fields`: title, owner_agency,
    deadline, owner_role, owner_name; `cases.services.add_task` checks who may give it)."""
    task = case_services.add_task(actor, item.case, request=request, **task_fields)
    AgendaDecision.objects.create(item=item, task=task)
    record(
        "meeting.decision_recorded",
        actor=actor,
        target=item.case,
        detail={"meeting": item.meeting_id, "item": item.pk, "task": task.pk},
        request=request,
    )
    return task
