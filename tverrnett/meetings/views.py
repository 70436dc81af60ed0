"""Forum meeting pages. Who sees a meeting, who manages it and how much of each agenda
item a user sees is decided in `access.policy.meetings`; a meeting the user may not see,
or may not manage on a manager's page, answers 404 like one that does not exist."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.agencies.models import Agency
from tverrnett.cases import forms as case_forms
from tverrnett.cases import services as case_services
from tverrnett.consent.pdf import render_pdf
from tverrnett.core.form_errors import add_service_errors
from tverrnett.core.parsing import parse_case_reference
from tverrnett.core.versions import StaleEdit
from tverrnett.meetings import services
from tverrnett.meetings.forms import AgendaItemForm, MeetingEditForm, MeetingForm
from tverrnett.meetings.models import AgendaDecision, AgendaMinutes, MeetingStatus
from tverrnett.networks.models import Forum, Role


def _meeting(request, pk):
    return get_object_or_404(
        policy.visible_meetings(request.user).select_related("forum__network"), pk=pk
    )


def _managed_meeting(request, pk):
    meeting = _meeting(request, pk)
    if not policy.manages_forum_meetings(request.user, meeting.forum.network):
        raise Http404
    return meeting


def _item(request, pk, item_pk):
    """An agenda item whose case the user may work on (team or coordinator, open case);
    anything else is a 404, as a missing item."""
    meeting = _meeting(request, pk)
    item = get_object_or_404(
        meeting.agenda.filter(case__in=policy.visible_cases(request.user)).select_related(
            "case__coordinator_role"
        ),
        pk=item_pk,
    )
    access_path = policy.case_access_path(request.user, item.case)
    if not policy.can_work_on_case(request.user, item.case, access_path):
        raise Http404
    item.meeting = meeting
    return item, access_path


def _network_members(meeting):
    return Agency.objects.filter(network_members__network=meeting.forum.network_id).distinct()


@member
@require_http_methods(["GET", "POST"])
def meeting_create(request, forum_pk):
    forum = get_object_or_404(
        Forum.objects.filter(
            network_id__in=policy.meeting_network_ids(request.user)
        ).select_related("network"),
        pk=forum_pk,
    )
    if not policy.manages_forum_meetings(request.user, forum.network):
        raise Http404
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.create_meeting(
                request.user, forum, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was planned. Put cases on its agenda."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "forum": forum, "network": forum.network, "meeting": None},
    )


@member
@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = _managed_meeting(request, pk)
    agencies = _network_members(meeting).order_by("name")
    form = MeetingEditForm(
        request.POST or None,
        agencies=agencies,
        initial={
            "starts_at": meeting.starts_at,
            "place": meeting.place,
            "status": meeting.status,
            "attended": list(meeting.attendees.values_list("agency_id", flat=True)),
            "version": meeting.version,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_meeting(request.user, meeting, **form.cleaned_data, request=request)
        except StaleEdit as error:
            form.add_error(None, str(error))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The meeting was saved."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {
            "form": form,
            "forum": meeting.forum,
            "network": meeting.forum.network,
            "meeting": meeting,
        },
    )


def _agenda(request, meeting):
    """The agenda as the user may see it, and the ids of the cases it shows."""
    memberships = policy.case_memberships(request.user)
    items = list(
        policy.agenda_with_access(request.user, meeting, memberships).prefetch_related(
            Prefetch(
                "minutes",
                queryset=AgendaMinutes.objects.select_related("entry__agency").order_by("pk"),
                to_attr="minutes_rows",
            ),
            Prefetch(
                "decisions",
                queryset=AgendaDecision.objects.select_related("task__owner_agency").order_by("pk"),
                to_attr="decision_rows",
            ),
        )
    )
    shown_ids = sorted({item.case_id for item in items if item.shown})
    readable = policy.readable_journal_ids(request.user, shown_ids) if shown_ids else set()
    own_agencies = memberships[0]
    for item in items:
        if not item.shown:
            # Nothing of a case the user may not see leaves this function.
            item.case = None
            item.note = ""
            item.minutes_rows = []
            item.decision_rows = []
            continue
        item.minutes_rows = [row for row in item.minutes_rows if row.entry_id in readable]
        # A decision shows to its own agency and to whoever recorded it; the case page
        # shows the rest to those who may see the case's tasks.
        item.decision_rows = [
            row
            for row in item.decision_rows
            if row.task.owner_agency_id in own_agencies or row.task.created_by_id == request.user.pk
        ]
    return items, shown_ids


@member
@require_GET
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    items, shown_ids = _agenda(request, meeting)
    if shown_ids:
        # References and labels of cases: a read of those cases (L44).
        case_services.record_case_list_read(
            request.user, shown_ids, searched=False, request=request
        )
    manages = policy.manages_forum_meetings(request.user, meeting.forum.network)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "forum": meeting.forum,
            "network": meeting.forum.network,
            "items": items,
            "attendees": meeting.attendees.select_related("agency"),
            "manages": manages,
            "may_add": manages and meeting.status == MeetingStatus.PLANNED,
        },
    )


@member
@require_GET
def agenda_print(request, pk):
    meeting = _meeting(request, pk)
    items, shown_ids = _agenda(request, meeting)
    if shown_ids:
        case_services.record_case_list_read(
            request.user, shown_ids, searched=False, request=request
        )
    return render(
        request,
        "meetings/agenda_print.html",
        {
            "meeting": meeting,
            "forum": meeting.forum,
            "network": meeting.forum.network,
            "items": items,
        },
    )


@member
@require_GET
def agenda_pdf(request, pk):
    """The printed agenda as a PDF marked "Unntatt offentlighet, offl. § 13"."""
    meeting = _meeting(request, pk)
    items, shown_ids = _agenda(request, meeting)
    body = render_pdf(
        "meetings/pdf/agenda.html",
        {"meeting": meeting, "forum": meeting.forum, "items": items},
    )
    if shown_ids:
        case_services.record_case_list_read(
            request.user, shown_ids, searched=False, request=request
        )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="saksliste-{meeting.starts_at:%Y-%m-%d}.pdf"'
    )
    return response


@member
@require_http_methods(["GET", "POST"])
def agenda_add(request, pk):
    meeting = _managed_meeting(request, pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise Http404
    form = AgendaItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = _visible_case_by_reference(request, meeting, form.cleaned_data["reference"])
        try:
            if case is None:
                raise PermissionDenied
            services.add_agenda_item(
                request.user, meeting, case, note=form.cleaned_data["note"], request=request
            )
        except PermissionDenied:
            # A case the user may not see gets the answer a missing one gets.
            form.add_error("reference", _not_found())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The case was put on the agenda."))
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request,
        "meetings/agenda_form.html",
        {"form": form, "meeting": meeting, "forum": meeting.forum},
    )


def _not_found():
    return _("No case of this network that you may see has this reference.")


def _visible_case_by_reference(request, meeting, reference):
    parsed = parse_case_reference(reference)
    if parsed is None:
        return None
    year, number = parsed
    return (
        policy.visible_cases(request.user)
        .filter(pk=number, created_at__year=year, network_id=meeting.forum.network_id)
        .first()
    )


def _item_page(request, item, form, title, submit, intro):
    return render(
        request,
        "meetings/item_form.html",
        {
            "meeting": item.meeting,
            "forum": item.meeting.forum,
            "item": item,
            "form": form,
            "title": title,
            "submit": submit,
            "intro": intro,
        },
    )


@member
@require_http_methods(["GET", "POST"])
def minutes_write(request, pk, item_pk):
    item, _access_path = _item(request, pk, item_pk)
    police = case_services.actor_agency(request.user, item.case, request).agency_type in (
        case_services.POLICE_SECTORS
    )
    form = case_forms.JournalForm(request.POST or None, police=police)
    if request.method == "POST" and form.is_valid():
        try:
            services.write_minutes(request.user, item, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The minutes were saved as a journal entry on the case."))
            return redirect("meetings:detail", pk=item.meeting.pk)
    if request.method == "GET":
        case_services.record_case_list_read(
            request.user, [item.case_id], searched=False, request=request
        )
    return _item_page(
        request,
        item,
        form,
        _("Write the minutes"),
        _("Save minutes"),
        _(
            "The minutes become a journal entry on the case, owned by your agency. Other "
            "agencies read it only as the journal's sharing rules allow."
        ),
    )


@member
@require_http_methods(["GET", "POST"])
def decision_record(request, pk, item_pk):
    item, access_path = _item(request, pk, item_pk)
    case = item.case
    agency_ids = policy.case_agency_ids(request.user)
    agencies = Agency.objects.filter(case_teams__case=case).order_by("name")
    if not policy.can_manage_case(request.user, case, access_path, agency_ids):
        agencies = agencies.filter(pk__in=agency_ids)
    form = case_forms.TaskForm(
        request.POST or None,
        agencies=agencies,
        roles=Role.objects.filter(agency__in=agencies).select_related("agency", "holder"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_decision(request.user, item, **form.cleaned_data, request=request)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision was saved as a task on the case."))
            return redirect("meetings:detail", pk=item.meeting.pk)
    if request.method == "GET":
        case_services.record_case_list_read(
            request.user, [item.case_id], searched=False, request=request
        )
    return _item_page(
        request,
        item,
        form,
        _("Record a decision"),
        _("Save decision"),
        _(
            "The decision becomes a task on the case, with a deadline, for an agency on the "
            "team. It shows in that agency's task inbox."
        ),
    )
