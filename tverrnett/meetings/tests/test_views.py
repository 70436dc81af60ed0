"""Forum meeting pages, from the attacker's side as much as the user's: four actors (see
conftest.py). A refused request answers 404, changes nothing and writes no read entry."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tverrnett.access import policy
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import JournalEntry, Task
from tverrnett.cases.tests.test_acting_agency import act_for
from tverrnett.meetings import services
from tverrnett.meetings.models import AgendaItem, ForumMeeting, MeetingStatus
from tverrnett.networks.models import Role, RoleKind

pytestmark = pytest.mark.django_db

HIDDEN = "Sak (ikke tilgjengelig for deg)"


def _reads():
    return AuditEntry.objects.filter(action="case.list_viewed")


def _urls(meeting, item, forum):
    return {
        "create": reverse("meetings:create", args=[forum.pk]),
        "detail": reverse("meetings:detail", args=[meeting.pk]),
        "edit": reverse("meetings:edit", args=[meeting.pk]),
        "agenda_add": reverse("meetings:agenda_add", args=[meeting.pk]),
        "print": reverse("meetings:print", args=[meeting.pk]),
        "pdf": reverse("meetings:pdf", args=[meeting.pk]),
        "minutes": reverse("meetings:minutes", args=[meeting.pk, item.pk]),
        "decision": reverse("meetings:decision", args=[meeting.pk, item.pk]),
    }


def _payloads(meeting, case, partner_agency):
    soon = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    return {
        "create": {"starts_at": "2030-01-10T09:00", "place": "Et sted"},
        "edit": {
            "starts_at": "2030-01-10T09:00",
            "place": "Et annet sted",
            "status": "held",
            "attended": [partner_agency.pk],
            "version": meeting.version,
        },
        "agenda_add": {"reference": case.reference, "note": "Skal ikke inn"},
        "minutes": {"text": "Referat.", "confidentiality": "ordinary", "category": "concern"},
        "decision": {
            "title": "Skal ikke inn",
            "owner_agency": partner_agency.pk,
            "owner_name": "Noen",
            "deadline": soon,
        },
    }


def _state():
    return (
        list(ForumMeeting.objects.values_list("pk", "version", "place", "status")),
        AgendaItem.objects.count(),
        JournalEntry.objects.count(),
        Task.objects.count(),
    )


# The manager -----------------------------------------------------------------------


def test_the_coordinator_plans_a_meeting_and_puts_a_case_on_its_agenda(
    client, login_as, owner, youth_forum, shared_case
):
    login_as(client, owner)

    network_page = client.get(reverse("networks:detail", args=[youth_forum.network_id]))
    created = client.post(
        reverse("meetings:create", args=[youth_forum.pk]),
        {"starts_at": "2030-01-10T09:00", "place": "Rådhuset"},
    )
    meeting = ForumMeeting.objects.get()
    added = client.post(
        reverse("meetings:agenda_add", args=[meeting.pk]),
        {"reference": shared_case.reference, "note": "Status"},
    )

    assert reverse("meetings:create", args=[youth_forum.pk]) in network_page.text
    assert created.status_code == 302
    assert added.status_code == 302
    item = meeting.agenda.get()
    assert (item.case, item.position, item.note) == (shared_case, 1, "Status")
    assert AuditEntry.objects.filter(action="meeting.agenda_added").count() == 1
    assert (
        reverse("meetings:detail", args=[meeting.pk])
        in client.get(reverse("networks:detail", args=[youth_forum.network_id])).text
    )


def test_a_case_the_manager_may_not_see_is_answered_as_a_missing_one(
    client, login_as, partner, partner_agency, network, meeting, private_case
):
    # The partner administers the network, but is not on the private case's team.
    Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR, agency=partner_agency, network=network, holder=partner
    )
    login_as(client, partner)
    url = reverse("meetings:agenda_add", args=[meeting.pk])

    hidden = client.post(url, {"reference": private_case.reference})
    missing = client.post(url, {"reference": "2020-99999"})

    assert hidden.status_code == missing.status_code == 200
    assert hidden.context["form"].errors == missing.context["form"].errors
    assert not AgendaItem.objects.exists()


def test_the_manager_records_attendance_and_holds_the_meeting(
    client, login_as, owner, meeting, partner_agency, owner_agency
):
    login_as(client, owner)

    response = client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "starts_at": "2030-01-10T09:00",
            "place": "Rådhuset",
            "status": "held",
            "attended": [partner_agency.pk, owner_agency.pk],
            "version": meeting.version,
        },
    )
    stale = client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        {
            "starts_at": "2030-01-10T09:00",
            "place": "Et sted",
            "status": "planned",
            "version": meeting.version,
        },
    )

    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert meeting.place == "Rådhuset"
    assert set(meeting.attendees.values_list("agency_id", flat=True)) == {
        partner_agency.pk,
        owner_agency.pk,
    }
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()


# The attendee agency ------------------------------------------------------------------


def test_an_attendee_sees_each_item_only_as_far_as_they_may_see_its_case(
    client, login_as, partner, agenda, shared_case, private_case
):
    login_as(client, partner)
    meeting = agenda[0].meeting

    page = client.get(reverse("meetings:detail", args=[meeting.pk]))
    printed = client.get(reverse("meetings:print", args=[meeting.pk]))

    for response in (page, printed):
        assert response.status_code == 200
        assert shared_case.reference in response.text
        assert "Status etter skolemøte" in response.text
        assert private_case.reference not in response.text
        assert "Ny sak" not in response.text
        assert HIDDEN in response.text
        assert response.text.count(HIDDEN) == 1
    assert reverse("cases:detail", args=[private_case.pk]) not in page.text
    assert [entry.detail["cases"] for entry in _reads()] == [[shared_case.pk]] * 2


def test_the_printed_agenda_names_no_person_and_carries_the_marking(
    client, login_as, owner, agenda
):
    login_as(client, owner)

    printed = client.get(reverse("meetings:print", args=[agenda[0].meeting_id]))

    assert printed.status_code == 200
    assert "Ola Nordmann" not in printed.text
    assert "Kari Hemmelig" not in printed.text
    assert "offl. § 13" in printed.text


def test_the_agenda_pdf_is_marked_and_shows_only_what_the_reader_may_see(
    client, login_as, partner, agenda, shared_case, private_case
):
    login_as(client, partner)

    response = client.get(reverse("meetings:pdf", args=[agenda[0].meeting_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "offl. § 13" in text
    assert shared_case.reference in text
    assert private_case.reference not in text
    assert "Ola Nordmann" not in text
    assert "ikke tilgjengelig for deg" in text
    assert [entry.detail["cases"] for entry in _reads()] == [[shared_case.pk]]


def test_an_attendee_may_not_write_on_an_item_of_a_case_they_may_not_see(
    client, login_as, partner, agenda, partner_agency, private_case
):
    login_as(client, partner)
    meeting = agenda[1].meeting
    before = _state()
    urls = _urls(meeting, agenda[1], meeting.forum)
    payloads = _payloads(meeting, private_case, partner_agency)

    for name in ("minutes", "decision", "edit", "agenda_add", "create"):
        assert client.get(urls[name]).status_code == 404, name
        assert client.post(urls[name], payloads.get(name, {})).status_code == 404, name

    assert _state() == before
    assert not _reads().exists()


# The outsider, and a user acting for an unrelated agency ---------------------------------


def _refused_everywhere(client, meeting, item, case, partner_agency):
    before = _state()
    urls = _urls(meeting, item, meeting.forum)
    payloads = _payloads(meeting, case, partner_agency)
    for name, url in urls.items():
        assert client.get(url).status_code == 404, name
        if name not in ("detail", "print", "pdf"):
            assert client.post(url, payloads.get(name, {})).status_code == 404, name
    assert _state() == before
    assert not _reads().exists()
    network_page = client.get(reverse("networks:detail", args=[meeting.forum.network_id]))
    assert reverse("meetings:detail", args=[meeting.pk]) not in network_page.text


def test_an_outsider_gets_404_everywhere_and_changes_nothing(
    client, login_as, outsider, agenda, shared_case, partner_agency
):
    login_as(client, outsider)

    _refused_everywhere(client, agenda[0].meeting, agenda[0], shared_case, partner_agency)


def test_a_user_acting_for_an_unrelated_agency_gets_404_everywhere(
    client, login_as, two_hats, unrelated_agency, agenda, shared_case, partner_agency
):
    act_for(client, login_as, two_hats, unrelated_agency)

    _refused_everywhere(client, agenda[0].meeting, agenda[0], shared_case, partner_agency)


def test_the_same_user_acting_for_the_member_agency_sees_the_meeting(
    client, login_as, two_hats, partner_agency, agenda, shared_case
):
    act_for(client, login_as, two_hats, partner_agency)

    response = client.get(reverse("meetings:detail", args=[agenda[0].meeting_id]))

    assert response.status_code == 200
    assert shared_case.reference in response.text


def test_a_missing_meeting_answers_as_a_refused_one(client, login_as, owner, agenda):
    login_as(client, owner)

    assert client.get(reverse("meetings:detail", args=[999999])).status_code == 404


# Minutes and decisions -----------------------------------------------------------------


def test_minutes_become_a_journal_entry_of_the_writers_agency(
    client, login_as, partner, partner_agency, owner, agenda, shared_case
):
    login_as(client, partner)
    item = agenda[0]

    response = client.post(
        reverse("meetings:minutes", args=[item.meeting_id, item.pk]),
        {"text": "Forumet drøftet saken.", "confidentiality": "ordinary", "category": "concern"},
    )

    assert response.status_code == 302
    entry = JournalEntry.objects.get(text="Forumet drøftet saken.")
    assert (entry.case, entry.agency, entry.author) == (shared_case, partner_agency, partner)
    assert item.minutes.get().entry == entry
    # The journal's sharing rules apply: the owner's agency reads it only once disclosed.
    assert entry.pk in policy.readable_journal_ids(partner, [shared_case.pk])
    assert entry.pk not in policy.readable_journal_ids(owner, [shared_case.pk])
    page = client.get(reverse("meetings:detail", args=[item.meeting_id]))
    assert "Nav Drammen" in page.text


def test_a_decision_becomes_a_task_in_the_assignees_inbox(
    client, login_as, owner, partner, partner_agency, agenda
):
    item = agenda[0]
    login_as(client, owner)
    deadline = timezone.localdate() + datetime.timedelta(days=14)

    response = client.post(
        reverse("meetings:decision", args=[item.meeting_id, item.pk]),
        {
            "title": "Kalle inn til samtale",
            "owner_agency": partner_agency.pk,
            "owner_name": "Veileder",
            "deadline": deadline.isoformat(),
        },
    )

    assert response.status_code == 302
    task = Task.objects.get(title="Kalle inn til samtale")
    assert (task.case, task.owner_agency, task.deadline) == (item.case, partner_agency, deadline)
    assert item.decisions.get().task == task
    client.logout()
    login_as(client, partner)
    assert "Kalle inn til samtale" in client.get("/oppgaver/").text


# Query counts ---------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_meeting_page_costs_the_same_for_one_and_ten_items(
    client, login_as, owner, partner, meeting, shared_case, register
):
    services.add_agenda_item(owner, meeting, shared_case)
    case_services.write_journal_entry(
        partner, shared_case, text="Et notat.", confidentiality="ordinary"
    )
    login_as(client, partner)
    urls = [reverse(name, args=[meeting.pk]) for name in ("meetings:detail", "meetings:print")]
    one = [_queries(client, url) for url in urls]

    for number in range(9):
        case = register(person={"name": f"Person {number}", "birth_year": 2008})
        services.add_agenda_item(owner, meeting, case)
    ten = [_queries(client, url) for url in urls]

    assert meeting.agenda.count() == 10
    assert ten == one


# Anonymous discussions ------------------------------------------------------------------


def test_an_anonymous_discussion_on_the_agenda_refuses_identity_numbers(
    client, login_as, owner, meeting, anonymous_case
):
    login_as(client, owner)
    number = "15076500565"

    refused_note = client.post(
        reverse("meetings:agenda_add", args=[meeting.pk]),
        {"reference": anonymous_case.reference, "note": f"Gjelder {number}"},
    )
    item = services.add_agenda_item(owner, meeting, anonymous_case, note="Drøfting")
    journal_before = JournalEntry.objects.count()
    refused_minutes = client.post(
        reverse("meetings:minutes", args=[meeting.pk, item.pk]),
        {"text": f"Gjelder {number}.", "confidentiality": "ordinary", "category": "concern"},
    )

    assert refused_note.status_code == 200 and refused_note.context["form"].errors["note"]
    assert meeting.agenda.count() == 1
    assert refused_minutes.status_code == 200 and refused_minutes.context["form"].errors
    assert JournalEntry.objects.count() == journal_before
