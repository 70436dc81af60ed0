import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, Source, StepStatus
from tverrnett.exitwork import services
from tverrnett.exitwork.models import FollowUpReview
from tverrnett.exitwork.steps import STEPS
from tverrnett.networks.models import Role, RoleKind


def _to_mapping(owner, case, answers):
    case_services.change_state(owner, case, CaseState.SECURITY_CLARIFICATION, version=case.version)
    case_services.record_security_clarification(owner, case, version=case.version, answers=answers)
    case_services.change_state(owner, case, CaseState.MAPPING, version=case.version)


def _settle(owner, case, number, status=StepStatus.DONE, reason=""):
    item = services.step_item(case, number)
    case_services.set_checklist_status(
        owner, item, status=status, version=item.version, reason=reason
    )


def test_it_shows_the_fourteen_steps_in_order(exit_case):
    steps = services.exit_steps(exit_case)
    assert [step.number for step, _item in steps] == list(range(1, 15))
    assert [step.title for step, _item in steps] == [step.title for step in STEPS]
    assert all(item.status == StepStatus.NOT_STARTED for _step, item in steps)


def test_it_puts_step_8_first_when_the_concern_came_from_social_media(register, owner):
    case = register(source=Source.SOCIAL_MEDIA)
    services.start_exit_work(owner, case)
    numbers = [step.number for step, _item in services.exit_steps(case)]
    assert numbers[0] == 8
    assert numbers[1:] == [n for n in range(1, 15) if n != 8]
    # The first-step advice the social-media concern already had is step 8, not a copy.
    assert case.checklist.count() == 14


def test_follow_up_waits_for_steps_1_3_and_7_and_says_which(exit_case, owner, answers):
    _to_mapping(owner, exit_case, answers)
    _settle(owner, exit_case, 1)
    with pytest.raises(ValidationError) as refused:
        case_services.change_state(owner, exit_case, CaseState.FOLLOW_UP, version=exit_case.version)
    message = " ".join(refused.value.messages)
    assert f"3. {STEPS[2].title}" in message
    assert f"7. {STEPS[6].title}" in message
    assert f"1. {STEPS[0].title}" not in message
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.MAPPING

    _settle(owner, exit_case, 3)
    _settle(owner, exit_case, 7, StepStatus.NOT_RELEVANT, reason="Personen har samtykket muntlig.")
    case_services.change_state(owner, exit_case, CaseState.FOLLOW_UP, version=exit_case.version)
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.FOLLOW_UP


def test_not_relevant_needs_a_reason(exit_case, owner):
    item = services.step_item(exit_case, 1)
    with pytest.raises(ValidationError):
        case_services.set_checklist_status(
            owner, item, status=StepStatus.NOT_RELEVANT, version=item.version, reason="  "
        )


def test_a_stale_step_save_is_refused(exit_case, owner):
    item = services.step_item(exit_case, 2)
    case_services.set_checklist_status(owner, item, status=StepStatus.IN_PROGRESS, version=1)
    with pytest.raises(case_services.StaleEdit):
        case_services.set_checklist_status(owner, item, status=StepStatus.DONE, version=1)


def test_step_3_adds_the_police_districts_radicalisation_contact(
    exit_case, owner, police_role, police_agency, police_contact
):
    services.add_police_contact(owner, exit_case)
    member = exit_case.team.get(agency=police_agency)
    assert member.contact_name == police_contact.get_full_name() or police_contact.username
    assert member.contact_email == police_role.email
    assert services.step_item(exit_case, 3).status == StepStatus.DONE


def test_step_3_takes_the_contact_of_the_case_municipalitys_district(
    exit_case, owner, make_agency, police_role, police_agency
):
    # Another district's contact is in the directory too; the case's district decides.
    other = make_agency(
        "Oslo politidistrikt", AgencyType.POLICE_DISTRICT, municipality=None, police_district="oslo"
    )
    Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=other,
        police_district=other.police_district,
    )
    assert other.police_district != police_agency.police_district
    contact = services.police_contact_for(exit_case)
    assert (contact.agency, contact.role) == (police_agency, police_role)


def test_a_team_agency_cannot_start_exit_work_or_change_the_team(
    case, partner, partner_agency, owner
):
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Kari")
    with pytest.raises(PermissionDenied):
        services.start_exit_work(partner, case)


def test_closing_needs_the_checklist_and_schedules_reviews(exit_case, owner, answers, settings):
    settings.EXIT_FOLLOW_UP_MONTHS = (6, 12)
    _to_mapping(owner, exit_case, answers)
    review_on = timezone.localdate() + datetime.timedelta(days=365)
    with pytest.raises(ValidationError):
        services.close_exit_case(
            owner,
            exit_case,
            version=exit_case.version,
            checklist_evaluation="Gikk bra.",
            evaluation="Personen er ute av miljøet.",
            review_on=review_on,
        )
    for number in range(1, 15):
        _settle(owner, exit_case, number)
    services.close_exit_case(
        owner,
        exit_case,
        version=exit_case.version,
        checklist_evaluation="Gikk bra.",
        evaluation="Personen er ute av miljøet.",
        review_on=review_on,
    )
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.CLOSED
    reviews = list(FollowUpReview.objects.filter(case=exit_case))
    today = timezone.localdate()
    assert [(r.months_after, r.due_on) for r in reviews] == [
        (6, services.add_months(today, 6)),
        (12, services.add_months(today, 12)),
    ]
    services.record_follow_up_review(owner, reviews[0], outcome="Har jobb og bolig.")
    reviews[0].refresh_from_db()
    assert reviews[0].done_at is not None


def test_add_months_keeps_the_end_of_the_month():
    assert services.add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert services.add_months(datetime.date(2026, 11, 29), 12) == datetime.date(2027, 11, 29)


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Hvordan møter vi Ola Nordmann?", True),
        ("Nordmann vil ut av miljøet.", True),
        ("Hvordan snakker vi med nordmann, ola om dette?", True),
        ("Hvordan møter vi en ung mann som vil ut?", False),
        # A short part of a name is too common a word to refuse on.
        ("Vi møtes to ganger per uke, er det nok?", False),
    ],
)
def test_a_question_to_rvts_may_not_name_the_person(question, names):
    assert services._names_the_person("Per Ola Nordmann", question) is names


def test_closing_again_after_reopening_keeps_a_recorded_review(exit_case, owner, answers, settings):
    settings.EXIT_FOLLOW_UP_MONTHS = (6, 12)
    _to_mapping(owner, exit_case, answers)
    for number in range(1, 15):
        _settle(owner, exit_case, number)
    review_on = timezone.localdate() + datetime.timedelta(days=365)
    close = {"checklist_evaluation": "Gikk bra.", "evaluation": "Ute.", "review_on": review_on}
    services.close_exit_case(owner, exit_case, version=exit_case.version, **close)
    six = FollowUpReview.objects.get(case=exit_case, months_after=6)
    services.record_follow_up_review(owner, six, outcome="Har jobb.")
    case_services.reopen(owner, exit_case, version=exit_case.version, reason="Ny bekymring.")
    exit_case.refresh_from_db()
    services.close_exit_case(owner, exit_case, version=exit_case.version, **close)

    six.refresh_from_db()
    assert six.done_at is not None and six.outcome == "Har jobb."
    assert FollowUpReview.objects.filter(case=exit_case, done_at__isnull=True).count() == 1
