"""The rules of measures (X4, X9, L24), whoever calls: who may write, what a measure
must have, stale saves, evaluation, the closing gate and the coordinator's overdue list."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase
from tverrnett.cases.services import StaleEdit
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.measures import services
from tverrnett.measures.models import Measure, MeasureStatus

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def fresh(measure):
    return Measure.objects.get(pk=measure.pk)


def close(actor, case):
    case = ConcernCase.objects.get(pk=case.pk)
    return case_services.change_state(
        actor,
        case,
        CaseState.CLOSED,
        version=case.version,
        evaluation="Tiltakene virket.",
        review_on=days(30),
    )


# Adding -------------------------------------------------------------------------------


def test_the_coordinator_adds_a_measure(team_case, owner, owner_agency, measure_types):
    measure = services.add_measure(
        owner,
        team_case,
        measure_type=measure_types["housing"],
        goal="Egen leilighet borte fra miljøet.",
        responsible_agency=owner_agency,
        contact_name="Eva Eier",
        start_on=days(0),
        evaluation_on=days(60),
        person_view="Vil bo nær søsteren.",
    )

    saved = fresh(measure)
    assert saved.case == team_case
    assert saved.measure_type.code == "housing"
    assert saved.status == MeasureStatus.PLANNED
    assert saved.created_by == owner
    assert saved.version == 1
    assert saved.outcome == "" and saved.evaluated_at is None
    entry = AuditEntry.objects.get(action="measure.added")
    assert entry.target_id == str(team_case.pk)
    assert entry.detail["measure"] == measure.pk
    assert entry.detail["type"] == "housing"
    # Ids and codes only: never the goal or the person's view.
    assert "leilighet" not in str(entry.detail) and "søsteren" not in str(entry.detail)


def test_a_team_agency_adds_a_measure_it_is_responsible_for(
    team_case, partner, partner_agency, add
):
    measure = add(
        team_case,
        "work_education_nav",
        actor=partner,
        responsible_agency=partner_agency,
        status=MeasureStatus.ONGOING,
    )

    assert fresh(measure).responsible_agency == partner_agency
    assert fresh(measure).status == MeasureStatus.ONGOING


def test_the_responsible_agency_must_be_on_the_team(case, owner, partner_agency, add):
    with pytest.raises(ValidationError) as refused:
        add(case, responsible_agency=partner_agency)

    assert "responsible_agency" in refused.value.message_dict
    assert not Measure.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"evaluation_on": None}, "evaluation_on"),
        ({"goal": "   "}, "goal"),
        ({"measure_type": None}, "measure_type"),
        ({"start_on": None}, "start_on"),
        ({"evaluation_on": days(-1)}, "evaluation_on"),  # before the start
        ({"status": MeasureStatus.COMPLETED}, "status"),  # ending is the evaluation's
        ({"status": "abandoned"}, "status"),
    ],
)
def test_a_measure_needs_type_goal_dates_and_an_open_status(case, add, fields, field):
    with pytest.raises(ValidationError) as refused:
        add(case, **fields)

    assert field in refused.value.message_dict
    assert not Measure.objects.exists()


def test_an_inactive_type_cannot_be_chosen(case, add, measure_types):
    measure_types["housing"].is_active = False
    measure_types["housing"].save()

    with pytest.raises(ValidationError) as refused:
        add(case, "housing")

    assert "measure_type" in refused.value.message_dict


def test_an_outsider_cannot_add_a_measure(case, outsider, add):
    with pytest.raises(PermissionDenied):
        add(case, actor=outsider)
    assert not Measure.objects.exists()


def test_an_anonymous_discussion_cannot_have_measures(anonymous_case, add):
    with pytest.raises(ValidationError):
        add(anonymous_case)
    assert not Measure.objects.exists()


def test_a_closed_case_refuses_every_write(case, owner, add):
    measure = add(case)
    services.evaluate_measure(
        owner, measure, version=1, outcome="Fullført.", status=MeasureStatus.COMPLETED
    )
    close(owner, case)
    case.refresh_from_db()
    measure = fresh(measure)

    with pytest.raises(PermissionDenied):
        add(case)
    with pytest.raises(PermissionDenied):
        services.change_measure(owner, measure, version=measure.version, goal="Ny.")
    with pytest.raises(PermissionDenied):
        services.evaluate_measure(
            owner, measure, version=measure.version, outcome="x", status="stopped"
        )
    assert Measure.objects.count() == 1
    assert fresh(measure).goal == "Fast samtalepartner etter trening."


def test_break_glass_reads_the_case_but_writes_no_measure(case, responder, responder_agency, add):
    case_services.break_glass(
        responder, responder_agency, case, reason="Personen er i akutt fare, må se teamet."
    )
    assert case_services.policy.case_access_path(responder, case) == "break_glass"

    with pytest.raises(PermissionDenied):
        add(case, actor=responder)


# Changing -----------------------------------------------------------------------------


def test_a_change_saves_the_named_fields_and_moves_the_version_on(
    team_case, owner, partner, partner_agency, add, measure_types
):
    measure = add(team_case)

    # The coordinator's side hands the measure to the partner (a team agency could not).
    services.change_measure(
        owner,
        measure,
        version=1,
        measure_type=measure_types["leisure_belonging"],
        responsible_agency=partner_agency,
        status=MeasureStatus.PAUSED,
        person_view="Liker treningene.",
    )

    saved = fresh(measure)
    assert saved.version == 2 and measure.version == 2
    assert saved.measure_type.code == "leisure_belonging"
    assert saved.responsible_agency == partner_agency
    assert saved.status == MeasureStatus.PAUSED
    assert saved.person_view == "Liker treningene."
    assert saved.goal == "Fast samtalepartner etter trening."  # not named: kept
    entry = AuditEntry.objects.get(action="measure.changed")
    assert entry.detail["fields"] == [
        "measure_type",
        "person_view",
        "responsible_agency",
        "status",
    ]


def test_a_stale_change_is_refused_and_saves_nothing(case, owner, add):
    measure = add(case)
    read_first = fresh(measure)
    read_second = fresh(measure)
    services.change_measure(owner, read_first, version=1, goal="Først lagret.")

    with pytest.raises(StaleEdit):
        services.change_measure(owner, read_second, version=1, goal="Lagret sist, lest før.")

    assert fresh(measure).goal == "Først lagret."
    assert fresh(measure).version == 2
    assert AuditEntry.objects.filter(action="measure.changed").count() == 1


def test_a_change_cannot_move_the_responsibility_off_the_team(case, owner, partner_agency, add):
    measure = add(case)

    with pytest.raises(ValidationError) as refused:
        services.change_measure(owner, measure, version=1, responsible_agency=partner_agency)

    assert "responsible_agency" in refused.value.message_dict
    assert fresh(measure).responsible_agency == case.coordinator_role.agency


def test_a_change_cannot_complete_a_measure(case, owner, add):
    measure = add(case)

    with pytest.raises(ValidationError):
        services.change_measure(owner, measure, version=1, status=MeasureStatus.COMPLETED)
    assert fresh(measure).status == MeasureStatus.PLANNED


def test_a_measure_keeps_a_type_that_became_inactive(case, owner, add, measure_types):
    measure = add(case, "housing")
    measure_types["housing"].is_active = False
    measure_types["housing"].save()

    services.change_measure(owner, fresh(measure), version=1, goal="Bolig i nabokommunen.")

    assert fresh(measure).goal == "Bolig i nabokommunen."


# Evaluating ---------------------------------------------------------------------------


def test_an_evaluation_completes_the_measure(case, owner, add):
    measure = add(case)

    services.evaluate_measure(
        owner, measure, version=1, outcome="Møtene har gitt ny tilhørighet.", status="completed"
    )

    saved = fresh(measure)
    assert saved.status == MeasureStatus.COMPLETED
    assert saved.outcome == "Møtene har gitt ny tilhørighet."
    assert saved.evaluated_by == owner
    assert saved.evaluated_at is not None
    assert saved.version == 2
    entry = AuditEntry.objects.get(action="measure.evaluated")
    assert entry.detail == {"measure": measure.pk, "status": "completed"}


def test_a_measure_that_goes_on_gets_a_new_evaluation_date(case, owner, add):
    measure = add(case, evaluation_on=days(1))

    services.evaluate_measure(
        owner,
        measure,
        version=1,
        outcome="God start.",
        status=MeasureStatus.ONGOING,
        evaluation_on=days(90),
    )

    saved = fresh(measure)
    assert saved.status == MeasureStatus.ONGOING
    assert saved.evaluation_on == days(90)
    assert saved.is_evaluated


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"outcome": " ", "status": "completed"}, "outcome"),
        ({"outcome": "Pause.", "status": "paused"}, "status"),
        ({"outcome": "Fortsetter.", "status": "ongoing"}, "evaluation_on"),
        (
            {"outcome": "Fortsetter.", "status": "ongoing", "evaluation_on": days(0)},
            "evaluation_on",
        ),
    ],
)
def test_an_evaluation_needs_an_outcome_and_an_end_or_a_new_date(case, owner, add, fields, field):
    measure = add(case)

    with pytest.raises(ValidationError) as refused:
        services.evaluate_measure(owner, measure, version=1, **fields)

    assert field in refused.value.message_dict
    assert fresh(measure).outcome == ""
    assert fresh(measure).version == 1


def test_a_stale_evaluation_is_refused(case, owner, add):
    measure = add(case)
    services.change_measure(owner, fresh(measure), version=1, goal="Nytt mål.")

    with pytest.raises(StaleEdit):
        services.evaluate_measure(owner, measure, version=1, outcome="x", status="stopped")

    assert fresh(measure).status == MeasureStatus.PLANNED


# The closing gate (L29) ---------------------------------------------------------------


def test_a_case_with_an_unevaluated_measure_cannot_close_and_the_message_names_it(case, owner, add):
    mentor = add(case, "volunteer_mentor")
    housing = add(case, "housing")
    services.evaluate_measure(owner, housing, version=1, outcome="Fått bolig.", status="completed")

    with translation.override("nb"), pytest.raises(ValidationError) as refused:
        close(owner, case)

    [message] = refused.value.messages
    assert "Mentor fra frivillig organisasjon" in message
    assert "Bolig" not in message  # evaluated: not named
    assert ConcernCase.objects.get(pk=case.pk).state != CaseState.CLOSED

    services.evaluate_measure(owner, mentor, version=1, outcome="Avsluttet.", status="stopped")
    close(owner, case)

    assert ConcernCase.objects.get(pk=case.pk).state == CaseState.CLOSED


def test_the_gate_names_every_unevaluated_measure_and_guards_only_closing(case, owner, add):
    add(case, "volunteer_mentor")
    add(case, "housing")

    with translation.override("nb"):
        [message] = services.closing_gate(case, CaseState.CLOSED)
    assert "Mentor fra frivillig organisasjon, Bolig" in message
    assert services.closing_gate(case, CaseState.SECURITY_CLARIFICATION) == []
    assert [m.measure_type.code for m in services.measures_not_evaluated(case)] == [
        "volunteer_mentor",
        "housing",
    ]


def test_a_case_without_measures_closes_as_before(case, owner):
    close(owner, case)
    assert ConcernCase.objects.get(pk=case.pk).state == CaseState.CLOSED


# Reading ------------------------------------------------------------------------------


def test_overdue_measures_are_those_the_user_coordinates_still_running_and_past_due(
    team_case, register, owner, partner, partner_agency, police_contact, police_role, add
):
    overdue = add(team_case, start_on=days(-40), evaluation_on=days(-1))
    add(team_case, "housing", start_on=days(-40), evaluation_on=days(0))  # due today: not yet
    ended = add(team_case, "income", start_on=days(-40), evaluation_on=days(-5))
    services.evaluate_measure(owner, ended, version=1, outcome="Ferdig.", status="completed")
    # A case the owner's agency is on the team of, but the police contact coordinates.
    other = register(coordinator_role=police_role)
    add(other, actor=police_contact, start_on=days(-9), evaluation_on=days(-2))

    assert list(services.overdue_measures_for_coordinator(owner)) == [overdue]
    assert list(services.overdue_measures_for_coordinator(partner)) == []
    assert [m.case for m in services.overdue_measures_for_coordinator(police_contact)] == [other]


def test_the_deputy_sees_overdue_measures_and_closed_cases_drop_out(
    case, owner, make_agency, make_user, slt_role, add
):
    deputy = signed_in(
        make_user("nestleder", make_agency("Skole", AgencyType.SCHOOL), MembershipRole.CASE_WORKER)
    )
    slt_role.deputy = deputy
    slt_role.save()
    measure = add(case, start_on=days(-20), evaluation_on=days(-3))

    assert list(services.overdue_measures_for_coordinator(deputy)) == [measure]

    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)
    assert list(services.overdue_measures_for_coordinator(deputy)) == []


def test_the_overdue_list_is_one_query(case, owner, add, django_assert_num_queries):
    for n in range(3):
        add(case, start_on=days(-20), evaluation_on=days(-1 - n))

    with django_assert_num_queries(1):
        rows = list(services.overdue_measures_for_coordinator(owner))
        text = [(m.case.reference, m.measure_type.name, m.responsible_agency.name) for m in rows]

    assert len(text) == 3
    assert [m.evaluation_on for m in rows] == [days(-3), days(-2), days(-1)]


def test_current_measures_are_the_running_ones_first_due_first_in_one_query(
    case, owner, add, django_assert_num_queries
):
    later = add(case, evaluation_on=days(50))
    sooner = add(case, "housing", evaluation_on=days(10))
    ended = add(case, "income")
    services.evaluate_measure(owner, ended, version=1, outcome="Ferdig.", status="stopped")

    with django_assert_num_queries(1):
        current = services.current_measures(case)
        names = [(m.measure_type.code, m.responsible_agency.name) for m in current]

    assert current == [sooner, later]
    assert names[0][0] == "housing"
