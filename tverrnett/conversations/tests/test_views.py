"""Contact agreement and conversation pages from three sides: the owner (the
coordinator's agency), the partner (a team agency) and the outsider (Nav Oslo,
outside the case), plus a closed case and an anonymous discussion."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.access.urlwalk import routes
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, Guardian, Task
from tverrnett.consent import services as sharing_services
from tverrnett.conversations import services
from tverrnett.conversations import urls as conversation_urls
from tverrnett.conversations.models import ContactAgreement, Conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled_case(minor_case, owner, plan, agreement_fields):
    """The minor's case with one agreement and one planned first conversation."""
    services.add_contact_agreement(owner, minor_case, **agreement_fields())
    plan(minor_case)
    return minor_case


def _urls(case):
    ids = {
        "pk": case.pk,
        "agreement_pk": ContactAgreement.objects.filter(case=case).first().pk,
        "conversation_pk": Conversation.objects.filter(case=case).first().pk,
    }
    urls = []
    for pattern in conversation_urls.urlpatterns:
        names = list(pattern.pattern.converters)
        name = f"conversations:{pattern.name}"
        urls.append((name, reverse(name, kwargs={key: ids[key] for key in names})))
    return urls


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _plan_post(in_two_days, **changes):
    return {
        "is_first": "on",
        "planned_at": _local(in_two_days),
        "place": "Ungdomsklubben",
        "purpose": "Bli kjent.",
        "attendees": "Ola Nordmann\nSLT-koordinator",
        "guardians_attend": "yes",
        "child_welfare_attends": "no",
        "child_welfare_reason": "Barnevernet er orientert og deltar ikke i første samtale.",
        **changes,
    }


def test_the_walk_covers_every_route_of_the_app(filled_case):
    walked = {name for name, _url in _urls(filled_case)}
    expected = {route.name for route in routes() if route.name.startswith("conversations:")}
    assert walked == expected
    assert {
        "conversations:agreements",
        "conversations:add_agreement",
        "conversations:edit_agreement",
        "conversations:list",
        "conversations:plan",
        "conversations:edit",
        "conversations:held",
    } <= walked


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_every_url(client, login_as, outsider, filled_case, method):
    login_as(client, outsider)
    read_only = {"conversations:agreements", "conversations:list", "conversations:detail"}
    for name, url in _urls(filled_case):
        response = getattr(client, method)(url)
        # A POST to a read-only page is refused before any case is looked up.
        expected = 405 if method == "post" and name in read_only else 404
        assert response.status_code == expected, (name, response.status_code)
        # The same answer as for a case that does not exist.
        missing = getattr(client, method)(url.replace(f"/{filled_case.pk}/", "/999999/", 1))
        assert missing.status_code == expected
    assert Conversation.objects.count() == ContactAgreement.objects.count() == 1
    assert not Conversation.objects.filter(held_at__isnull=False).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_volunteer_named_in_a_consent_gets_404_on_every_url(
    client,
    login_as,
    owner,
    volunteer,
    volunteer_agency,
    adult_case,
    plan,
    agreement_fields,
    give_consent,
    method,
):
    """A voluntary organisation reaches only the restricted case page (L49): for it the
    conversation pages do not exist, consent or not."""
    services.add_contact_agreement(owner, adult_case, **agreement_fields())
    plan(adult_case)
    give_consent(adult_case, recipients=[volunteer_agency])
    sharing_services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    login_as(client, volunteer)
    assert client.get(reverse("cases:detail", args=[adult_case.pk])).status_code == 200
    read_only = {"conversations:agreements", "conversations:list", "conversations:detail"}
    for name, url in _urls(adult_case):
        expected = 405 if method == "post" and name in read_only else 404
        assert getattr(client, method)(url).status_code == expected, name
    assert not Conversation.objects.filter(held_at__isnull=False).exists()


@pytest.mark.parametrize("user", ["owner", "partner"])
def test_the_owner_and_the_partner_open_every_page(client, login_as, filled_case, user, request):
    login_as(client, request.getfixturevalue(user))
    for name, url in _urls(filled_case):
        response = client.get(url)
        assert response.status_code == 200, (user, name, response.status_code)


def test_each_page_view_is_recorded_with_the_parts_shown(client, login_as, owner, filled_case):
    login_as(client, owner)
    client.get(reverse("conversations:list", args=[filled_case.pk]))
    entry = AuditEntry.objects.filter(action="case.viewed").latest("id")
    assert entry.target_id == str(filled_case.pk)
    assert entry.detail["parts"] == ["conversations"]


def test_a_closed_case_shows_but_refuses_every_write(client, login_as, owner, filled_case):
    case_services.change_state(
        owner,
        filled_case,
        CaseState.CLOSED,
        version=filled_case.version,
        evaluation="Avsluttet.",
        review_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    login_as(client, owner)
    reading = {"conversations:agreements", "conversations:list", "conversations:detail"}
    for name, url in _urls(filled_case):
        assert client.get(url).status_code == (200 if name in reading else 403), name
        if name not in reading:
            assert client.post(url, {"place": "x"}).status_code == 403, name
    page = client.get(reverse("conversations:list", args=[filled_case.pk]))
    assert reverse("conversations:plan", args=[filled_case.pk]) not in page.content.decode()
    assert Conversation.objects.count() == ContactAgreement.objects.count() == 1


def test_an_anonymous_discussion_has_no_conversation_pages(client, login_as, owner, anonymous_case):
    login_as(client, owner)
    for name in ("agreements", "add_agreement", "list", "plan"):
        url = reverse(f"conversations:{name}", args=[anonymous_case.pk])
        assert client.get(url).status_code == 404, name


# The planner ----------------------------------------------------------------------------------


def test_the_planner_asks_about_guardians_and_child_welfare_for_a_child(
    client, login_as, owner, minor_case
):
    Guardian.objects.create(person=minor_case.subject, name="Mona Nordmann", relation="Mor")
    login_as(client, owner)
    page = client.get(reverse("conversations:plan", args=[minor_case.pk])).content.decode()
    assert 'name="guardians_attend"' in page
    assert 'name="child_welfare_attends"' in page
    assert "Mona Nordmann" in page
    # Nothing answered in advance.
    assert "checked" not in page.split('name="guardians_attend"')[1].split("</fieldset>")[0]
    assert "checked" not in page.split('name="child_welfare_attends"')[1].split("</fieldset>")[0]
    assert 'name="interpreter_language"' in page
    # The show/hide script is a file, never inline.
    assert "conversations/conversation_form.js" in page
    assert "<script>" not in page


def test_the_planner_leaves_them_out_for_an_adult(client, login_as, owner, adult_case):
    login_as(client, owner)
    page = client.get(reverse("conversations:plan", args=[adult_case.pk])).content.decode()
    assert 'name="guardians_attend"' not in page
    assert 'name="child_welfare_attends"' not in page
    assert 'name="attendees"' in page


def test_the_interpreter_language_comes_from_the_person(client, login_as, owner, adult_case):
    person = adult_case.subject
    person.needs_interpreter, person.interpreter_language = True, "tigrinja"
    person.save()
    login_as(client, owner)
    response = client.get(reverse("conversations:plan", args=[adult_case.pk]))
    form = response.context["form"]
    assert form["interpretation_needed"].value() is True
    assert form["interpreter_language"].value() == "tigrinja"


def test_the_planner_refuses_a_childs_plan_without_the_guardians_considered(
    client, login_as, owner, minor_case, in_two_days
):
    login_as(client, owner)
    url = reverse("conversations:plan", args=[minor_case.pk])
    response = client.post(url, _plan_post(in_two_days, guardians_attend=""))
    assert response.status_code == 200
    assert response.context["form"].errors["guardians_attend"]
    response = client.post(url, _plan_post(in_two_days, child_welfare_attends=""))
    assert response.context["form"].errors["child_welfare_attends"]
    response = client.post(url, _plan_post(in_two_days, attendees=""))
    assert response.context["form"].errors["attendees"]
    response = client.post(url, _plan_post(in_two_days, interpretation_needed="on"))
    assert response.context["form"].errors["interpreter_language"]
    assert not Conversation.objects.exists()


def test_the_partner_plans_a_complete_conversation(
    client, login_as, partner, minor_case, in_two_days
):
    login_as(client, partner)
    response = client.post(
        reverse("conversations:plan", args=[minor_case.pk]), _plan_post(in_two_days)
    )
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("conversations:detail", args=[minor_case.pk, conversation.pk])
    assert conversation.planned_at == in_two_days
    assert conversation.created_by == partner
    assert conversation.child_welfare_attends == "no"


def test_a_stale_plan_edit_shows_the_message_and_saves_nothing(
    client, login_as, owner, partner, filled_case, in_two_days
):
    conversation = Conversation.objects.get()
    services.change_conversation(
        partner,
        conversation,
        version=1,
        **{
            **{name: getattr(conversation, name) for name in services.CONVERSATION_FIELDS},
            "place": "Skolen",
        },
    )
    login_as(client, owner)
    response = client.post(
        reverse("conversations:edit", args=[filled_case.pk, conversation.pk]),
        {**_plan_post(in_two_days, place="Biblioteket"), "version": 1},
        follow=True,
    )
    assert str(case_services.StaleEdit()) in response.content.decode()
    conversation.refresh_from_db()
    assert (conversation.place, conversation.version) == ("Skolen", 2)


def test_a_stale_agreement_edit_shows_the_message_and_saves_nothing(
    client, login_as, owner, partner, filled_case, agreement_fields, owner_agency
):
    agreement = ContactAgreement.objects.get()
    services.change_contact_agreement(
        partner, agreement, version=1, **agreement_fields(where="Skolen")
    )
    login_as(client, owner)
    response = client.post(
        reverse("conversations:edit_agreement", args=[filled_case.pk, agreement.pk]),
        {
            "version": 1,
            "agency": owner_agency.pk,
            "contact_name": "SLT-koordinator",
            "channel": "phone",
            "when": "Fredager",
            "agreed_on": timezone.localdate().isoformat(),
        },
        follow=True,
    )
    assert str(case_services.StaleEdit()) in response.content.decode()
    agreement.refresh_from_db()
    assert (agreement.where, agreement.channel, agreement.version) == ("Skolen", "in_person", 2)


def test_an_agreement_is_added_and_changed_through_the_pages(
    client, login_as, partner, minor_case, partner_agency
):
    login_as(client, partner)
    data = {
        "agency": partner_agency.pk,
        "contact_name": "Nav-veileder",
        "channel": "phone",
        "when": "Mandager kl. 10",
        "agreed_on": timezone.localdate().isoformat(),
        "not_to_contact": "Skolen tar ikke opp saken med eleven.",
    }
    response = client.post(reverse("conversations:add_agreement", args=[minor_case.pk]), data)
    assert response.status_code == 302
    agreement = ContactAgreement.objects.get()
    assert agreement.not_to_contact == "Skolen tar ikke opp saken med eleven."
    response = client.post(
        reverse("conversations:edit_agreement", args=[minor_case.pk, agreement.pk]),
        {**data, "version": 1, "channel": "video"},
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.channel, agreement.version) == ("video", 2)
    page = client.get(reverse("conversations:agreements", args=[minor_case.pk])).content.decode()
    assert "Nav-veileder" in page


# Held, the review task and the note -------------------------------------------------------


def test_marking_the_first_conversation_held_opens_the_review_task(
    client, login_as, owner, filled_case
):
    conversation = Conversation.objects.get()
    login_as(client, owner)
    held_at = timezone.localtime() - datetime.timedelta(hours=1)
    response = client.post(
        reverse("conversations:held", args=[filled_case.pk, conversation.pk]),
        {"version": 1, "held_at": _local(held_at)},
    )
    detail = reverse("conversations:detail", args=[filled_case.pk, conversation.pk])
    assert response.status_code == 302
    assert response.url == detail
    task = services.after_first_conversation_task(filled_case)
    assert task is not None
    conversation.refresh_from_db()
    assert conversation.held_by == owner

    page = client.get(detail).content.decode()
    assert reverse("cases:write_journal", args=[filled_case.pk]) in page
    assert task.title in page
    # The task is on the case page's task list until it is done.
    case_page = client.get(reverse("cases:detail", args=[filled_case.pk])).content.decode()
    assert task.title in case_page
    case_services.change_task_status(owner, task, status="done", version=task.version)
    assert services.after_first_conversation_task(filled_case) is None
    assert task.title not in client.get(detail).content.decode()


def test_a_planned_conversation_has_no_note_link_yet(client, login_as, owner, filled_case):
    conversation = Conversation.objects.get()
    login_as(client, owner)
    page = client.get(
        reverse("conversations:detail", args=[filled_case.pk, conversation.pk])
    ).content.decode()
    assert reverse("cases:write_journal", args=[filled_case.pk]) not in page
    assert reverse("conversations:held", args=[filled_case.pk, conversation.pk]) in page


def test_a_held_conversation_cannot_be_marked_again_or_edited(client, login_as, owner, filled_case):
    conversation = Conversation.objects.get()
    services.record_conversation_held(owner, conversation, version=1, held_at=timezone.now())
    login_as(client, owner)
    for name in ("held", "edit"):
        url = reverse(f"conversations:{name}", args=[filled_case.pk, conversation.pk])
        assert client.post(url, {"version": 2}).status_code == 302
    assert Task.objects.filter(case=filled_case).count() == 1


# Query counts -----------------------------------------------------------------------------------


# The list page's queries, pinned: session and user, the case and its access, the
# read entry (audit chain; PostgreSQL adds its advisory lock), the conversations, the
# review task and the next contact.
LIST_QUERIES = 14 + (1 if connection.vendor == "postgresql" else 0)


def _list_queries(client, case, django_assert_max_num_queries):
    url = reverse("conversations:list", args=[case.pk])
    with django_assert_max_num_queries(LIST_QUERIES):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
    return len(captured)


def test_the_conversation_list_does_not_grow_per_row(
    client, login_as, owner, minor_case, plan, django_assert_max_num_queries
):
    first = plan(minor_case)
    services.record_conversation_held(owner, first, version=1, held_at=timezone.now())
    login_as(client, owner)
    one = _list_queries(client, minor_case, django_assert_max_num_queries)
    for number in range(9):
        later = plan(minor_case, is_first=False, attendees=f"Ola\nVeileder {number}")
        if number % 2:
            services.record_conversation_held(owner, later, version=1, held_at=timezone.now())
    assert Conversation.objects.filter(case=minor_case).count() == 10
    ten = _list_queries(client, minor_case, django_assert_max_num_queries)
    assert ten == one
