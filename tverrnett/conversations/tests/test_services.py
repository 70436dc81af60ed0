"""The rules of contact agreements and conversations (X11.6, X11.14, L23)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, Task, TaskStatus
from tverrnett.conversations import services
from tverrnett.conversations.models import ContactAgreement, Conversation
from tverrnett.conversations.tests.conftest import years_ago

pytestmark = pytest.mark.django_db


def _errors(excinfo):
    return excinfo.value.message_dict


# The planner ---------------------------------------------------------------------


def test_it_refuses_a_16_year_olds_conversation_without_the_guardians_considered(minor_case, plan):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, guardians_attend="")
    errors = _errors(excinfo)
    assert "guardians_attend" in errors
    assert "child_welfare_attends" not in errors
    assert not Conversation.objects.exists()


def test_it_refuses_a_16_year_olds_conversation_without_child_welfare_considered(minor_case, plan):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, child_welfare_attends="", child_welfare_reason="")
    errors = _errors(excinfo)
    assert "child_welfare_attends" in errors
    assert "guardians_attend" not in errors
    assert not Conversation.objects.exists()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [("guardians_attend", "guardians_reason"), ("child_welfare_attends", "child_welfare_reason")],
)
def test_it_wants_a_reason_when_the_guardians_or_child_welfare_do_not_attend(
    minor_case, plan, answer, reason
):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, **{answer: "no", reason: "  "})
    assert list(_errors(excinfo)) == [reason]


def test_it_refuses_an_answer_that_is_not_one_of_the_choices(minor_case, plan):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, guardians_attend="maybe")
    assert "guardians_attend" in _errors(excinfo)


def test_it_refuses_interpretation_without_a_language(minor_case, plan):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, interpretation_needed=True, interpreter_language=" ")
    assert list(_errors(excinfo)) == ["interpreter_language"]


def test_it_refuses_an_empty_attendee_list(minor_case, plan):
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case, attendees=" \n \n")
    assert list(_errors(excinfo)) == ["attendees"]
    assert not Conversation.objects.exists()


def test_it_accepts_a_complete_plan_and_audits_it(minor_case, plan, owner):
    conversation = plan(
        minor_case,
        attendees="  Ola Nordmann \n\nSLT-koordinator\n",
        interpretation_needed=True,
        interpreter_language="somali",
    )
    conversation.refresh_from_db()
    assert conversation.case == minor_case
    assert conversation.is_first
    assert conversation.attendee_list == ["Ola Nordmann", "SLT-koordinator"]
    assert conversation.guardians_attend == "yes"
    assert conversation.child_welfare_attends == "no"
    assert conversation.interpreter_language == "somali"
    assert conversation.created_by == owner
    entry = AuditEntry.objects.filter(action="conversation.planned").get()
    assert entry.detail["conversation"] == conversation.pk
    assert entry.detail["first"] is True
    # Ids and codes only: no names or free text in the log.
    assert "Ola" not in str(entry.detail)


def test_a_yes_keeps_no_reason_and_no_interpretation_keeps_no_language(minor_case, plan):
    conversation = plan(
        minor_case,
        guardians_reason="Skrevet før svaret ble ja.",
        interpretation_needed=False,
        interpreter_language="arabisk",
    )
    assert conversation.guardians_reason == ""
    assert conversation.interpreter_language == ""


def test_an_adult_needs_no_guardian_or_child_welfare_answers(adult_case, plan):
    conversation = plan(
        adult_case,
        guardians_attend="",
        guardians_reason="",
        child_welfare_attends="",
        child_welfare_reason="",
    )
    assert conversation.guardians_attend == ""
    assert conversation.child_welfare_attends == ""


def test_a_person_of_unknown_age_is_planned_for_as_an_adult(register, plan):
    case = register(person={"name": "Uten Alder"})
    conversation = plan(case, guardians_attend="", child_welfare_attends="")
    assert conversation.pk


def test_the_age_counts_on_the_planned_date(register, plan):
    """17 today, 18 on the day of the conversation: no answers needed."""
    planned = (timezone.localtime() + datetime.timedelta(days=10)).replace(microsecond=0)
    born = years_ago(18, timezone.localdate(planned))
    case = register(person={"name": "Snart Myndig", "birth_date": born})
    assert case.subject.is_minor
    plan(case, planned_at=planned, guardians_attend="", child_welfare_attends="")
    with pytest.raises(ValidationError) as excinfo:
        plan(
            case,
            is_first=False,
            planned_at=planned - datetime.timedelta(days=5),
            guardians_attend="",
            child_welfare_attends="",
        )
    assert {"guardians_attend", "child_welfare_attends"} <= set(_errors(excinfo))


def test_a_case_has_one_first_conversation(minor_case, plan):
    plan(minor_case)
    with pytest.raises(ValidationError) as excinfo:
        plan(minor_case)
    assert list(_errors(excinfo)) == ["is_first"]
    assert plan(minor_case, is_first=False).pk


def test_an_anonymous_discussion_has_nobody_to_talk_to(anonymous_case, plan, owner):
    with pytest.raises(PermissionDenied):
        plan(anonymous_case)
    with pytest.raises(PermissionDenied):
        services.add_contact_agreement(
            owner, anonymous_case, agency=anonymous_case.created_agency, contact_name="X"
        )


def test_an_outsider_may_not_plan_or_agree(minor_case, plan, outsider, agreement_fields):
    with pytest.raises(PermissionDenied):
        plan(minor_case, actor=outsider)
    with pytest.raises(PermissionDenied):
        services.add_contact_agreement(outsider, minor_case, **agreement_fields())


def test_the_partner_on_the_team_plans_too(minor_case, plan, partner):
    assert plan(minor_case, actor=partner).created_by == partner


def test_a_closed_case_refuses_every_write(minor_case, plan, owner, agreement_fields):
    conversation = plan(minor_case)
    agreement = services.add_contact_agreement(owner, minor_case, **agreement_fields())
    case_services.change_state(
        owner,
        minor_case,
        CaseState.CLOSED,
        version=minor_case.version,
        evaluation="Avsluttet.",
        review_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    with pytest.raises(PermissionDenied):
        plan(minor_case, is_first=False)
    with pytest.raises(PermissionDenied):
        services.add_contact_agreement(owner, minor_case, **agreement_fields())
    with pytest.raises(PermissionDenied):
        services.change_contact_agreement(
            owner, agreement, version=agreement.version, **agreement_fields(where="Skolen")
        )
    with pytest.raises(PermissionDenied):
        services.change_conversation(
            owner, conversation, version=conversation.version, **_fields_of(conversation)
        )
    with pytest.raises(PermissionDenied):
        services.record_conversation_held(
            owner, conversation, version=conversation.version, held_at=timezone.now()
        )
    conversation.refresh_from_db()
    assert conversation.held_at is None
    assert Conversation.objects.count() == ContactAgreement.objects.count() == 1


# Changing and stale edits ------------------------------------------------------------


def _fields_of(conversation, **changes):
    return {
        **{name: getattr(conversation, name) for name in services.CONVERSATION_FIELDS},
        **changes,
    }


def test_a_change_follows_the_planners_rules(minor_case, plan, owner):
    conversation = plan(minor_case)
    with pytest.raises(ValidationError) as excinfo:
        services.change_conversation(
            owner, conversation, version=1, **_fields_of(conversation, guardians_attend="")
        )
    assert "guardians_attend" in _errors(excinfo)
    services.change_conversation(
        owner, conversation, version=1, **_fields_of(conversation, place="Skolen")
    )
    conversation.refresh_from_db()
    assert (conversation.place, conversation.version) == ("Skolen", 2)
    entry = AuditEntry.objects.filter(action="conversation.changed").get()
    assert entry.detail["fields"] == ["place"]


def test_a_stale_conversation_edit_is_refused_and_saves_nothing(minor_case, plan, owner, partner):
    conversation = plan(minor_case)
    services.change_conversation(
        partner, conversation, version=1, **_fields_of(conversation, place="Skolen")
    )
    stale = Conversation.objects.get(pk=conversation.pk)
    with pytest.raises(case_services.StaleEdit):
        services.change_conversation(
            owner, stale, version=1, **_fields_of(stale, place="Biblioteket")
        )
    with pytest.raises(case_services.StaleEdit):
        services.record_conversation_held(owner, stale, version=1, held_at=timezone.now())
    stale.refresh_from_db()
    assert (stale.place, stale.version, stale.held_at) == ("Skolen", 2, None)


def test_a_stale_agreement_edit_is_refused_and_saves_nothing(
    minor_case, owner, partner, agreement_fields
):
    agreement = services.add_contact_agreement(owner, minor_case, **agreement_fields())
    services.change_contact_agreement(
        partner, agreement, version=1, **agreement_fields(where="Skolen")
    )
    with pytest.raises(case_services.StaleEdit):
        services.change_contact_agreement(
            owner, agreement, version=1, **agreement_fields(where="Biblioteket")
        )
    agreement.refresh_from_db()
    assert (agreement.where, agreement.version) == ("Skolen", 2)


def test_a_held_conversations_plan_cannot_change(minor_case, plan, owner):
    conversation = plan(minor_case, is_first=False)
    services.record_conversation_held(owner, conversation, version=1, held_at=timezone.now())
    with pytest.raises(ValidationError):
        services.change_conversation(
            owner, conversation, version=2, **_fields_of(conversation, place="Skolen")
        )
    with pytest.raises(ValidationError):
        services.record_conversation_held(owner, conversation, version=2, held_at=timezone.now())


def test_a_conversation_is_not_held_in_the_future(minor_case, plan, owner):
    conversation = plan(minor_case)
    with pytest.raises(ValidationError) as excinfo:
        services.record_conversation_held(
            owner,
            conversation,
            version=1,
            held_at=timezone.now() + datetime.timedelta(hours=2),
        )
    assert list(_errors(excinfo)) == ["held_at"]
    assert not Task.objects.filter(case=minor_case).exists()


# The review after the first conversation (L23) --------------------------------------------


def test_holding_the_first_conversation_opens_a_review_task_until_it_is_done(
    minor_case, plan, owner, partner, slt_role
):
    conversation = plan(minor_case)
    assert services.after_first_conversation_task(minor_case) is None
    held_at = timezone.now() - datetime.timedelta(hours=1)

    services.record_conversation_held(partner, conversation, version=1, held_at=held_at)

    task = services.after_first_conversation_task(minor_case)
    assert task is not None
    assert task.case == minor_case
    assert task.title == gettext("Review after the first conversation")
    assert task.owner_agency == slt_role.agency
    assert task.owner_role == slt_role
    assert task.deadline == timezone.localdate(held_at) + datetime.timedelta(days=7)
    assert task.status == TaskStatus.OPEN
    assert list(minor_case.tasks.all()) == [task]
    conversation.refresh_from_db()
    assert conversation.held_by == partner
    assert conversation.review_task == task
    held = AuditEntry.objects.filter(action="conversation.held").get()
    assert held.detail == {"conversation": conversation.pk, "first": True, "review_task": task.pk}
    assert AuditEntry.objects.filter(action="case.task_added").count() == 1

    # In progress is not done: it stays open.
    case_services.change_task_status(owner, task, status=TaskStatus.IN_PROGRESS, version=1)
    assert services.after_first_conversation_task(minor_case) == task
    case_services.change_task_status(owner, task, status=TaskStatus.DONE, version=2)
    assert services.after_first_conversation_task(minor_case) is None


def test_a_later_conversation_opens_no_review_task(minor_case, plan, owner):
    conversation = plan(minor_case, is_first=False)
    services.record_conversation_held(owner, conversation, version=1, held_at=timezone.now())
    assert not Task.objects.filter(case=minor_case).exists()
    assert services.after_first_conversation_task(minor_case) is None


# Contact agreements ----------------------------------------------------------------------


def test_an_agreement_is_saved_and_audited(minor_case, owner, owner_agency, agreement_fields):
    agreement = services.add_contact_agreement(owner, minor_case, **agreement_fields())
    agreement.refresh_from_db()
    assert agreement.agency == owner_agency
    assert agreement.when == "Tirsdager etter skolen"
    entry = AuditEntry.objects.filter(action="conversation.agreement_added").get()
    assert entry.detail == {
        "agreement": agreement.pk,
        "agency": owner_agency.pk,
        "channel": "in_person",
    }


def test_the_agency_that_makes_contact_must_be_on_the_team(
    minor_case, owner, outsider_agency, agreement_fields
):
    with pytest.raises(ValidationError) as excinfo:
        services.add_contact_agreement(
            owner, minor_case, **agreement_fields(agency=outsider_agency)
        )
    assert list(_errors(excinfo)) == ["agency"]


def test_an_agreement_needs_who_how_and_when(minor_case, owner, agreement_fields):
    with pytest.raises(ValidationError) as excinfo:
        services.add_contact_agreement(
            owner, minor_case, **agreement_fields(contact_name=" ", channel="pigeon", when="")
        )
    assert set(_errors(excinfo)) == {"contact_name", "channel", "when"}


# Reading -----------------------------------------------------------------------------------


def test_next_contact_is_the_earliest_planned_conversation_or_agreed_date(
    minor_case, plan, owner, agreement_fields, in_two_days
):
    assert services.next_contact(minor_case) is None
    agreement = services.add_contact_agreement(
        owner,
        minor_case,
        **agreement_fields(next_contact_on=timezone.localdate() + datetime.timedelta(days=5)),
    )
    found = services.next_contact(minor_case)
    assert (found.agreement, found.conversation) == (agreement, None)
    conversation = plan(minor_case)
    found = services.next_contact(minor_case)
    assert (found.conversation, found.on, found.at) == (
        conversation,
        in_two_days.date(),
        in_two_days,
    )
    # A held conversation is no longer ahead, nor is a past agreed date.
    Conversation.objects.filter(pk=conversation.pk).update(held_at=timezone.now())
    assert services.next_contact(minor_case).agreement == agreement
    ContactAgreement.objects.filter(pk=agreement.pk).update(
        next_contact_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert services.next_contact(minor_case) is None


def test_the_lists_are_one_query_each(
    minor_case, plan, owner, agreement_fields, django_assert_num_queries
):
    for _ in range(3):
        services.add_contact_agreement(owner, minor_case, **agreement_fields())
    plan(minor_case)
    plan(minor_case, is_first=False)
    with django_assert_num_queries(1):
        agreements = list(services.agreements_for(minor_case))
        [(a.agency.name, a.created_by.username) for a in agreements]
    with django_assert_num_queries(1):
        conversations = list(services.conversations_for(minor_case))
        [(c.created_by.username, c.held_by, c.review_task) for c in conversations]
    assert len(agreements) == 3
    assert len(conversations) == 2
