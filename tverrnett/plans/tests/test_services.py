"""What users do with individual plans (N10, L30-L33), through the services.

The owner (Drammen kommune – SLT) holds the case's coordinator role; the partner
(Nav Drammen) is on the team and named in the plan consent; the outsider (Nav Oslo)
reaches nothing. In `school_plan` the school (Fjell ungdomsskole) is on the team and
named in the consent too.
"""

import copy
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.deadlines import drifted, refresh_next_deadline
from tverrnett.cases.models import CaseState, ConcernCase, Task, TaskStatus
from tverrnett.cases.services import StaleEdit
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import Consent
from tverrnett.measures import services as measure_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType
from tverrnett.networks.models import ForumAudience, Role
from tverrnett.plans import services
from tverrnett.plans.models import (
    IndividualPlan,
    PlanContribution,
    PlanGoal,
    PlanMeasure,
    PlanRevision,
    PlanStatus,
    PlanVersion,
)

SECTION_CODES = [code for code, _label in services.SECTIONS]
TEXT_SECTIONS = ("overview", "participation", "follow_up", "if_service_declined")


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def audit(action):
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def fresh(plan):
    return IndividualPlan.objects.get(pk=plan.pk)


def message_of(error):
    return " ".join(error.messages)


def finalise(actor, plan):
    return services.finalise(actor, plan, version=plan.version)


def give_plan_consent(give_consent, case, recipients, **fields):
    return give_consent(
        case,
        recipients=recipients,
        individual_plan=True,
        plan_confidential_access=True,
        **fields,
    )


def close(owner, case):
    case.refresh_from_db()
    case_services.change_state(
        owner,
        case,
        CaseState.CLOSED,
        version=case.version,
        evaluation="Kari klarer seg selv nå.",
        review_on=days_from_today(30),
    )


def mark_closed(case):
    """The case in the state closing leaves it, set directly: these tests are about what
    may be done on a closed case, whatever closing does with a current plan."""
    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()


@pytest.fixture
def measure_types(db):
    load_measure_types()
    return MeasureType.objects.in_bulk(field_name="code")


@pytest.fixture
def case_measure(owner, measure_types):
    """A measure on a case, through the measures service."""

    def add(case, agency):
        return measure_services.add_measure(
            owner,
            case,
            measure_type=measure_types["volunteer_mentor"],
            goal="Fast samtalepartner.",
            responsible_agency=agency,
            start_on=timezone.localdate(),
            evaluation_on=days_from_today(30),
        )

    return add


# L30: no consent, no plan ------------------------------------------------------------


def test_a_plan_is_made_under_a_plan_consent_with_the_cases_coordinator_role(
    owner, plan_case, plan_consent, slt_role
):
    plan = fresh(services.create_plan(owner, plan_case, consent=plan_consent))
    assert plan.person == plan_case.subject
    assert plan.case == plan_case
    assert plan.consent == plan_consent
    assert plan.coordinator_role == plan_case.coordinator_role == slt_role
    assert plan.status == PlanStatus.DRAFT
    assert plan.created_by == owner
    [entry] = audit("plan.created")
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        owner.pk,
        "cases.concerncase",
        str(plan_case.pk),
    )
    assert entry.detail == {"plan": plan.pk, "consent": plan_consent.pk}


def _refused_for_consent(owner, case, consent):
    with pytest.raises(ValidationError) as refused:
        services.create_plan(owner, case, consent=consent)
    assert "consent" in refused.value.message_dict
    assert not isinstance(refused.value, services.PlanExists)
    assert not IndividualPlan.objects.exists()
    assert not audit("plan.created")


def test_no_consent_no_plan(owner, plan_case):
    _refused_for_consent(owner, plan_case, None)


@pytest.mark.parametrize(
    "statements",
    [{}, {"individual_plan": True}],
    ids=["an ordinary consent", "a plan without access for its services"],
)
def test_a_consent_without_both_plan_statements_is_refused(
    owner, plan_case, give_consent, partner_agency, catalogue, statements
):
    consent = give_consent(plan_case, recipients=[partner_agency], **statements)
    _refused_for_consent(owner, plan_case, consent)


def test_a_consent_with_access_for_the_services_but_no_plan_is_refused(
    owner, plan_case, give_consent, partner_agency, catalogue
):
    """prepare_consent does not make such a consent; a row that says so anyway is refused."""
    consent = give_consent(plan_case, recipients=[partner_agency])
    Consent.objects.filter(pk=consent.pk).update(plan_confidential_access=True)
    _refused_for_consent(owner, plan_case, consent)


def test_a_consent_cannot_give_the_plans_services_access_without_a_plan(
    plan_case, give_consent, partner_agency, catalogue
):
    with pytest.raises(ValidationError) as refused:
        give_consent(plan_case, recipients=[partner_agency], plan_confidential_access=True)
    assert "individual_plan" in refused.value.message_dict
    assert not Consent.objects.exists()


def test_a_withdrawn_consent_is_refused(owner, plan_case, plan_consent):
    consent_services.withdraw_consent(
        owner,
        plan_consent,
        withdrawn_on=timezone.localdate(),
        note="Kari ringte og trakk samtykket.",
    )
    _refused_for_consent(owner, plan_case, plan_consent)


@pytest.mark.parametrize(
    "starts, ends", [(-100, -1), (10, 100)], ids=["past its end date", "not yet started"]
)
def test_a_consent_outside_its_period_is_refused(
    owner, plan_case, give_consent, partner_agency, catalogue, starts, ends
):
    consent = give_plan_consent(
        give_consent,
        plan_case,
        [partner_agency],
        starts_on=days_from_today(starts),
        ends_on=days_from_today(ends),
    )
    _refused_for_consent(owner, plan_case, consent)


def test_a_consent_not_yet_answered_is_refused(owner, plan_case, partner_agency, catalogue):
    consent = consent_services.prepare_consent(
        owner,
        plan_case,
        consenter_name="Kari Nordmann",
        capacity="the_person",
        purpose="Individuell plan",
        categories=["concern"],
        recipients=[partner_agency],
        ends_on=days_from_today(180),
        language="norsk",
        interpreter_used=False,
        individual_plan=True,
        plan_confidential_access=True,
    )
    _refused_for_consent(owner, plan_case, consent)


def test_a_consent_on_another_case_is_refused(
    owner, plan_case, second_case_of, give_consent, partner_agency, catalogue
):
    other = second_case_of(plan_case)
    consent = give_plan_consent(give_consent, other, [partner_agency])
    _refused_for_consent(owner, plan_case, consent)


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_only_those_who_manage_the_case_make_a_plan(request, plan_case, plan_consent, who):
    with pytest.raises(PermissionDenied):
        services.create_plan(request.getfixturevalue(who), plan_case, consent=plan_consent)
    assert not IndividualPlan.objects.exists()


def test_no_plan_is_made_on_a_closed_case(owner, plan_case, plan_consent):
    close(owner, plan_case)
    with pytest.raises(PermissionDenied):
        services.create_plan(owner, plan_case, consent=plan_consent)
    assert not IndividualPlan.objects.exists()


def test_an_anonymous_discussion_has_no_plan(owner, anonymous_case):
    with pytest.raises(ValidationError):
        services.create_plan(owner, anonymous_case, consent=None)
    assert not IndividualPlan.objects.exists()


# L31: one current plan per person ------------------------------------------------------


def test_a_second_plan_is_refused_with_the_first(owner, plan, plan_case, plan_consent):
    with pytest.raises(services.PlanExists) as refused:
        services.create_plan(owner, plan_case, consent=plan_consent)
    assert isinstance(refused.value, ValidationError)
    assert refused.value.plan == plan
    assert list(IndividualPlan.objects.all()) == [plan]
    assert len(audit("plan.created")) == 1


def test_an_active_plan_refuses_a_second_one_too(owner, complete_plan, plan_case, plan_consent):
    finalise(owner, complete_plan)
    with pytest.raises(services.PlanExists) as refused:
        services.create_plan(owner, plan_case, consent=plan_consent)
    assert refused.value.plan == complete_plan


def test_a_second_plan_from_another_case_of_the_same_person_is_refused(
    owner, plan, second_case_of, give_consent, partner_agency
):
    other = second_case_of(plan.case)
    assert other.subject == plan.person
    consent = give_plan_consent(give_consent, other, [partner_agency])
    with pytest.raises(services.PlanExists) as refused:
        services.create_plan(owner, other, consent=consent)
    assert refused.value.plan == plan
    assert not other.individual_plans.exists()


def test_after_the_plan_ends_the_person_can_get_a_new_one(owner, plan, plan_case, plan_consent):
    services.end_plan(owner, plan, version=plan.version, reason="Kari ønsker ikke planen lenger.")
    ended = fresh(plan)
    assert ended.status == PlanStatus.ENDED
    assert ended.ended_at is not None
    assert services.current_plan_of(plan.person) is None
    [entry] = audit("plan.ended")
    assert entry.detail == {"plan": plan.pk}
    new = services.create_plan(owner, plan_case, consent=plan_consent)
    assert new.pk != plan.pk
    assert services.current_plan_of(plan.person) == new


def test_a_plan_ends_only_with_a_reason(owner, plan):
    with pytest.raises(ValidationError) as refused:
        services.end_plan(owner, plan, version=plan.version, reason="  ")
    assert "reason" in refused.value.message_dict
    assert fresh(plan).status == PlanStatus.DRAFT
    assert not audit("plan.ended")


def test_the_database_refuses_a_second_current_plan(owner, plan):
    for status in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
        with pytest.raises(IntegrityError), transaction.atomic():
            IndividualPlan.objects.create(
                person=plan.person,
                case=plan.case,
                consent=plan.consent,
                coordinator_role=plan.coordinator_role,
                created_by=owner,
                status=status,
            )
    ended = IndividualPlan.objects.create(
        person=plan.person,
        case=plan.case,
        consent=plan.consent,
        coordinator_role=plan.coordinator_role,
        created_by=owner,
        status=PlanStatus.ENDED,
    )
    assert ended.pk is not None


def test_a_plan_made_by_someone_else_a_moment_ago_is_refused_with_theirs(
    owner, plan, plan_case, plan_consent, monkeypatch
):
    """The check found no plan, the insert hits the constraint: PlanExists, not a crash."""
    real = services.current_plan_of
    calls = []

    def not_there_yet(person):
        calls.append(person)
        return None if len(calls) == 1 else real(person)

    monkeypatch.setattr(services, "current_plan_of", not_there_yet)
    with pytest.raises(services.PlanExists) as refused:
        services.create_plan(owner, plan_case, consent=plan_consent)
    assert refused.value.plan == plan
    assert list(IndividualPlan.objects.all()) == [plan]
    assert len(audit("plan.created")) == 1


# L32: finalising needs every section -----------------------------------------------------


def _empty_section(code, owner, plan):
    """Make exactly one mandatory section of a complete plan empty."""
    if code in TEXT_SECTIONS:
        services.change_plan(owner, plan, version=plan.version, **{code: "   "})
    elif code == "own_goals":
        services.remove_goal(owner, plan.goals.get())
    elif code == "measures":
        services.remove_plan_measure(owner, plan.measures.get())
    elif code == "coordinator":
        Role.objects.filter(pk=plan.coordinator_role_id).update(holder=None)
        plan.coordinator_role.refresh_from_db()
    elif code == "consent":
        consent_services.withdraw_consent(
            owner, plan.consent, withdrawn_on=timezone.localdate(), note="Kari trakk samtykket."
        )
    elif code == "period":
        services.change_plan(owner, plan, version=plan.version, period_end=None)
    else:  # pragma: no cover - a new section needs a line here
        raise AssertionError(code)


def test_a_complete_plan_misses_nothing(complete_plan):
    assert services.missing_sections(complete_plan) == []


@pytest.mark.parametrize("code", SECTION_CODES)
def test_finalising_refuses_an_empty_section_and_names_it(owner, complete_plan, code):
    plan = complete_plan
    _empty_section(code, owner, plan)
    assert services.missing_sections(plan) == [code]
    version = plan.version
    with pytest.raises(ValidationError) as refused:
        finalise(owner, plan)
    message = message_of(refused.value)
    label = str(services.SECTION_LABELS[code])
    assert label in message
    for other, other_label in services.SECTIONS:
        if other != code and str(other_label) not in label:
            assert str(other_label) not in message, other
    assert not PlanVersion.objects.exists()
    assert (fresh(plan).status, fresh(plan).version) == (PlanStatus.DRAFT, version)
    assert not audit("plan.finalised")


def test_a_new_plan_names_every_empty_section(owner, plan):
    with pytest.raises(ValidationError) as refused:
        finalise(owner, plan)
    message = message_of(refused.value)
    missing = [code for code in SECTION_CODES if code not in ("coordinator", "consent")]
    assert services.missing_sections(plan) == missing
    for code in missing:
        assert str(services.SECTION_LABELS[code]) in message


@pytest.mark.parametrize(
    "start, end",
    [(0, 60), (100, 365), (None, 365), (0, None)],
    ids=["period ends before it", "period starts after it", "no start", "no end"],
)
def test_a_revision_date_outside_the_period_leaves_the_period_missing(
    owner, complete_plan, start, end
):
    """The one revision date of `complete_plan` is in 90 days."""
    plan = complete_plan
    services.change_plan(
        owner,
        plan,
        version=plan.version,
        period_start=None if start is None else days_from_today(start),
        period_end=None if end is None else days_from_today(end),
    )
    assert services.missing_sections(plan) == ["period"]


def test_a_revision_date_on_the_last_day_of_the_period_counts(owner, complete_plan):
    plan = complete_plan
    services.change_plan(owner, plan, version=plan.version, period_end=days_from_today(90))
    assert services.missing_sections(plan) == []


def test_a_period_without_a_revision_date_is_missing(complete_plan):
    complete_plan.revisions.all().delete()
    assert services.missing_sections(complete_plan) == ["period"]


def test_a_goal_not_in_the_persons_own_words_does_not_fill_their_own_goals(owner, complete_plan):
    plan = complete_plan
    services.remove_goal(owner, plan.goals.get())
    services.add_goal(owner, plan, text="Kari skal komme i arbeid.", by_person=False)
    assert services.missing_sections(plan) == ["own_goals"]


def test_a_coordinator_role_with_only_a_deputy_leaves_the_coordinator_missing(
    owner, complete_plan, deputy
):
    plan = complete_plan
    Role.objects.filter(pk=plan.coordinator_role_id).update(holder=None)
    assert services.missing_sections(fresh(plan)) == ["coordinator"]


def test_a_consent_that_has_ended_since_the_plan_was_made_leaves_the_consent_missing(
    owner, complete_plan
):
    plan = complete_plan
    # Time passes: the consent's period is over.
    Consent.objects.filter(pk=plan.consent_id).update(
        starts_on=days_from_today(-200), ends_on=days_from_today(-1)
    )
    assert services.missing_sections(fresh(plan)) == ["consent"]
    with pytest.raises(ValidationError) as refused:
        finalise(owner, fresh(plan))
    assert str(services.SECTION_LABELS["consent"]) in message_of(refused.value)


# L33: versions ------------------------------------------------------------------------------


def test_finalising_keeps_version_one_with_the_plans_content(
    owner, complete_plan, partner, partner_agency, owner_agency, slt_role
):
    plan = complete_plan
    services.write_contribution(partner, plan, agency=partner_agency, text="Nav følger opp.")
    version = finalise(owner, plan)
    assert (version.number, version.finalised_by) == (1, owner)
    stored = PlanVersion.objects.get(pk=version.pk)
    assert stored.content == services.content_of(fresh(plan))
    content = stored.content
    goal, entry = plan.goals.get(), plan.measures.get()
    assert content["overview"] == "Kari trenger arbeid og et sted å bo."
    assert content["period_start"] == timezone.localdate().isoformat()
    assert content["period_end"] == days_from_today(365).isoformat()
    assert content["goals"] == [{"id": goal.pk, "text": "Jeg vil ha en jobb.", "by_person": True}]
    assert content["measures"] == [
        {
            "id": entry.pk,
            "description": "Arbeidstrening",
            "responsible": "Nav Drammen",
            "extent": "Tre dager i uken",
            "timing": "Januar–juni",
        }
    ]
    assert content["revisions"] == [days_from_today(90).isoformat()]
    assert content["contributions"] == [{"agency": "Nav Drammen", "text": "Nav følger opp."}]
    assert content["coordinator"]["role"] == str(slt_role)
    assert content["coordinator"]["agency"] == owner_agency.name
    assert content["coordinator"]["holder"] == "Eva"
    assert content["consent"]["id"] == plan.consent_id
    assert "internal_note" not in content  # internal to the services, never in a version
    assert fresh(plan).status == PlanStatus.ACTIVE
    [entry] = audit("plan.finalised")
    assert entry.detail == {"plan": plan.pk, "version": 1}
    assert entry.target_id == str(plan.case_id)


def test_a_later_version_keeps_the_first_as_it_was_and_compares_with_it(owner, complete_plan):
    plan = complete_plan
    first = finalise(owner, plan)
    kept = copy.deepcopy(PlanVersion.objects.get(pk=first.pk).content)

    goal = services.add_goal(owner, plan, text="Jeg vil ta førerkort.", by_person=True)
    entry = plan.measures.get()
    services.change_plan_measure(owner, entry, version=entry.version, extent="Fire dager i uken")
    services.change_plan(owner, plan, version=plan.version, follow_up="Evalueres hver måned.")
    second = finalise(owner, plan)

    assert second.number == 2
    assert list(plan.versions.values_list("number", flat=True)) == [2, 1]
    first = PlanVersion.objects.get(pk=first.pk)
    assert first.content == kept
    second = PlanVersion.objects.get(pk=second.pk)

    changes = services.compare(first, second)
    assert changes["goals"]["added"] == [
        {"id": goal.pk, "text": "Jeg vil ta førerkort.", "by_person": True}
    ]
    assert changes["goals"]["removed"] == changes["goals"]["changed"] == []
    [(before, after)] = changes["measures"]["changed"]
    assert before["id"] == after["id"] == entry.pk
    assert (before["extent"], after["extent"]) == ("Tre dager i uken", "Fire dager i uken")
    assert changes["measures"]["added"] == changes["measures"]["removed"] == []
    [(label, old_text, new_text)] = changes["sections"]
    assert str(label) == str(services.SECTION_LABELS["follow_up"])
    assert (old_text, new_text) == ("Planen evalueres hver tredje måned.", "Evalueres hver måned.")


def test_compare_shows_a_removed_measure_and_a_changed_period(owner, complete_plan, partner_agency):
    plan = complete_plan
    first = finalise(owner, plan)
    old = plan.measures.get()
    old_id = old.pk
    services.remove_plan_measure(owner, old)
    new = services.add_plan_measure(
        owner,
        plan,
        description="Bolig",
        responsible_agency=partner_agency,
        extent="Ukentlig",
        timing="Fra mars",
    )
    services.change_plan(owner, plan, version=plan.version, period_end=days_from_today(200))
    second = finalise(owner, plan)
    changes = services.compare(first, second)
    assert [m["id"] for m in changes["measures"]["removed"]] == [old_id]
    assert [m["id"] for m in changes["measures"]["added"]] == [new.pk]
    [(label, _before, after)] = changes["sections"]
    assert str(label) == str(services.SECTION_LABELS["period"])
    assert days_from_today(200).isoformat() in after


def test_compare_shows_a_new_coordinator(owner, complete_plan, make_user, owner_agency):
    plan = complete_plan
    first = finalise(owner, plan)
    successor = make_user("slt2", owner_agency, first_name="Siv")
    Role.objects.filter(pk=plan.coordinator_role_id).update(holder=successor)
    plan.coordinator_role.refresh_from_db()
    second = finalise(owner, plan)
    [(label, before, after)] = services.compare(first, second)["sections"]
    assert str(label) == str(services.SECTION_LABELS["coordinator"])
    assert "Eva" in before and "Siv" in after


def test_the_internal_note_stays_out_of_every_version(owner, complete_plan):
    plan = complete_plan
    services.change_plan(owner, plan, version=plan.version, internal_note="Kun for tjenestene.")
    version = finalise(owner, plan)
    assert "Kun for tjenestene." not in str(PlanVersion.objects.get(pk=version.pk).content)


def test_a_finalised_version_is_never_changed_nor_deleted(owner, complete_plan):
    version = finalise(owner, complete_plan)
    version.content = {"overview": "Skrevet om."}
    with pytest.raises(ValueError):
        version.save()
    with pytest.raises(ValueError):
        PlanVersion.objects.get(pk=version.pk).delete()
    assert PlanVersion.objects.get(pk=version.pk).content["overview"] == (
        "Kari trenger arbeid og et sted å bo."
    )


def test_finalising_from_a_stale_version_is_refused(owner, complete_plan):
    plan = complete_plan
    stale = plan.version
    services.change_plan(owner, plan, version=plan.version, overview="Ny oversikt.")
    with pytest.raises(StaleEdit):
        services.finalise(owner, plan, version=stale)
    assert not PlanVersion.objects.exists()
    assert fresh(plan).status == PlanStatus.DRAFT


# Each service writes its own part of the plan ------------------------------------------------


def test_the_school_writes_its_own_part(school_plan, school_user, school_agency):
    contribution = services.write_contribution(
        school_user, school_plan, agency=school_agency, text="  Skolen tilrettelegger timeplanen. "
    )
    contribution = PlanContribution.objects.get(pk=contribution.pk)
    assert (contribution.plan, contribution.agency) == (school_plan, school_agency)
    assert contribution.text == "Skolen tilrettelegger timeplanen."
    assert (contribution.updated_by, contribution.version) == (school_user, 1)
    [entry] = audit("plan.contribution_written")
    assert (entry.actor_id, entry.agency_id) == (school_user.pk, school_agency.pk)
    assert entry.detail == {"plan": school_plan.pk, "contribution": contribution.pk}


def test_the_school_does_not_write_navs_part(school_plan, school_user, partner_agency):
    with pytest.raises(PermissionDenied):
        services.write_contribution(
            school_user, school_plan, agency=partner_agency, text="Nav gjør ingenting."
        )
    assert not PlanContribution.objects.exists()
    assert not audit("plan.contribution_written")


def test_nav_writes_its_own_part_and_not_the_schools(
    school_plan, partner, partner_agency, school_agency
):
    services.write_contribution(partner, school_plan, agency=partner_agency, text="Nav: AAP.")
    with pytest.raises(PermissionDenied):
        services.write_contribution(partner, school_plan, agency=school_agency, text="Skolen: -")
    assert [c.agency for c in PlanContribution.objects.all()] == [partner_agency]


def test_the_coordinator_sees_every_part(
    school_plan, owner, owner_agency, partner, partner_agency, school_user, school_agency
):
    services.write_contribution(owner, school_plan, agency=owner_agency, text="SLT koordinerer.")
    services.write_contribution(partner, school_plan, agency=partner_agency, text="Nav: AAP.")
    services.write_contribution(school_user, school_plan, agency=school_agency, text="Skolen.")
    from tverrnett.access import policy

    path = policy.case_access_path(owner, school_plan.case)
    assert policy.can_see_plan(owner, school_plan, path, policy.case_agency_ids(owner))
    parts = {c["agency"]: c["text"] for c in services.content_of(school_plan)["contributions"]}
    assert parts == {
        owner_agency.name: "SLT koordinerer.",
        partner_agency.name: "Nav: AAP.",
        school_agency.name: "Skolen.",
    }


def test_an_agency_on_the_team_but_not_in_the_consent_writes_nothing(
    plan, on_team, child_welfare_agency, child_welfare_user
):
    on_team(plan.case, child_welfare_agency)
    with pytest.raises(PermissionDenied):
        services.write_contribution(
            child_welfare_user, plan, agency=child_welfare_agency, text="Barnevernet."
        )
    assert not PlanContribution.objects.exists()


def test_an_agency_in_the_consent_but_not_on_the_team_writes_nothing(
    owner, plan_case, give_consent, partner_agency, school_agency, school_user, catalogue
):
    consent = give_plan_consent(give_consent, plan_case, [partner_agency, school_agency])
    plan = services.create_plan(owner, plan_case, consent=consent)
    with pytest.raises(PermissionDenied):
        services.write_contribution(school_user, plan, agency=school_agency, text="Skolen.")
    assert not PlanContribution.objects.exists()


def test_an_outsider_writes_nothing(school_plan, outsider, outsider_agency, partner_agency):
    for agency in (outsider_agency, partner_agency):
        with pytest.raises(PermissionDenied):
            services.write_contribution(outsider, school_plan, agency=agency, text="Utenfra.")
    assert not PlanContribution.objects.exists()


def test_a_part_needs_text(school_plan, school_user, school_agency):
    with pytest.raises(ValidationError) as refused:
        services.write_contribution(school_user, school_plan, agency=school_agency, text="  ")
    assert "text" in refused.value.message_dict


def test_a_stale_part_is_refused_and_keeps_what_was_written(
    school_plan, school_user, school_agency, make_user
):
    colleague = signed_in(make_user("laerer2", school_agency, first_name="Sara"))
    first = services.write_contribution(
        school_user, school_plan, agency=school_agency, text="Første tekst."
    )
    # The colleague opened the empty form before the first was saved.
    with pytest.raises(StaleEdit):
        services.write_contribution(
            colleague, school_plan, agency=school_agency, text="Andre tekst.", version=None
        )
    assert PlanContribution.objects.get().text == "Første tekst."
    # The colleague saves from version 1; the first writer saves again from version 1.
    services.write_contribution(
        colleague, school_plan, agency=school_agency, text="Andre tekst.", version=first.version
    )
    with pytest.raises(StaleEdit):
        services.write_contribution(
            school_user, school_plan, agency=school_agency, text="Tredje.", version=first.version
        )
    kept = PlanContribution.objects.get()
    assert (kept.text, kept.version, kept.updated_by) == ("Andre tekst.", 2, colleague)
    assert len(audit("plan.contribution_written")) == 2


def test_no_part_is_written_on_an_ended_plan(owner, school_plan, school_user, school_agency):
    services.end_plan(owner, school_plan, version=school_plan.version, reason="Ikke lenger behov.")
    with pytest.raises(PermissionDenied):
        services.write_contribution(school_user, school_plan, agency=school_agency, text="Skolen.")
    assert not PlanContribution.objects.exists()


@pytest.mark.parametrize("who", ["owner", "partner", "school_user"])
def test_no_part_is_written_on_a_closed_case(
    request, school_plan, owner_agency, partner_agency, school_agency, who
):
    actor = request.getfixturevalue(who)
    agency = {"owner": owner_agency, "partner": partner_agency, "school_user": school_agency}[who]
    mark_closed(school_plan.case)
    with pytest.raises(PermissionDenied):
        services.write_contribution(actor, school_plan, agency=agency, text="Vår del.")
    assert not PlanContribution.objects.exists()


# Only the coordinator's side writes the plan itself ---------------------------------------


def _coordinator_work(partner_agency):
    """Each thing only the coordinator's side does, as (name, function(actor, plan))."""
    return {
        "change_plan": lambda actor, plan: services.change_plan(
            actor, plan, version=plan.version, overview="Endret."
        ),
        "add_goal": lambda actor, plan: services.add_goal(
            actor, plan, text="Nytt mål.", by_person=True
        ),
        "remove_goal": lambda actor, plan: services.remove_goal(actor, plan.goals.get()),
        "add_plan_measure": lambda actor, plan: services.add_plan_measure(
            actor,
            plan,
            description="Bolig",
            responsible_agency=partner_agency,
            extent="Ukentlig",
            timing="Fra mars",
        ),
        "change_plan_measure": lambda actor, plan: services.change_plan_measure(
            actor, plan.measures.get(), version=1, extent="Daglig"
        ),
        "remove_plan_measure": lambda actor, plan: services.remove_plan_measure(
            actor, plan.measures.get()
        ),
        "add_revision": lambda actor, plan: services.add_revision(
            actor, plan, due_on=days_from_today(120)
        ),
        "finalise": lambda actor, plan: finalise(actor, plan),
        "end_plan": lambda actor, plan: services.end_plan(
            actor, plan, version=plan.version, reason="Slutt."
        ),
    }


COORDINATOR_WORK = list(_coordinator_work(None))


def _snapshot(plan):
    plan = fresh(plan)
    return (
        services.content_of(plan),
        plan.status,
        plan.version,
        PlanVersion.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize("work", COORDINATOR_WORK)
@pytest.mark.parametrize("who", ["partner", "outsider", "school_user"])
def test_only_the_coordinators_side_writes_the_plan(
    request, complete_plan, on_team, school_agency, partner_agency, work, who
):
    on_team(complete_plan.case, school_agency)
    before = _snapshot(complete_plan)
    with pytest.raises(PermissionDenied):
        _coordinator_work(partner_agency)[work](request.getfixturevalue(who), complete_plan)
    assert _snapshot(complete_plan) == before


@pytest.mark.parametrize("work", [work for work in COORDINATOR_WORK if work != "end_plan"])
def test_nobody_writes_the_plan_on_a_closed_case(owner, complete_plan, partner_agency, work):
    mark_closed(complete_plan.case)
    before = _snapshot(complete_plan)
    with pytest.raises(PermissionDenied):
        _coordinator_work(partner_agency)[work](owner, complete_plan)
    assert _snapshot(complete_plan) == before


@pytest.mark.parametrize("work", COORDINATOR_WORK)
def test_nobody_writes_an_ended_plan(owner, complete_plan, partner_agency, work):
    plan = complete_plan
    services.end_plan(owner, plan, version=plan.version, reason="Kari flyttet.")
    before = _snapshot(plan)
    with pytest.raises(PermissionDenied):
        _coordinator_work(partner_agency)[work](owner, plan)
    assert _snapshot(plan) == before


@pytest.fixture
def slt_colleague(make_user, owner_agency):
    """Another user of the agency that holds the coordinator role."""
    return signed_in(make_user("slt2", owner_agency, first_name="Siv"))


@pytest.mark.parametrize("work", COORDINATOR_WORK)
@pytest.mark.parametrize("who", ["deputy", "slt_colleague"])
def test_the_coordinators_deputy_and_colleagues_write_the_plan(
    request, complete_plan, partner_agency, work, who
):
    actor = request.getfixturevalue(who)
    complete_plan.coordinator_role.refresh_from_db()
    count = AuditEntry.objects.filter(action__startswith="plan.").count()
    _coordinator_work(partner_agency)[work](actor, complete_plan)
    assert AuditEntry.objects.filter(action__startswith="plan.").count() == count + 1
    assert AuditEntry.objects.order_by("-id").first().actor_id == actor.pk


def test_a_stale_change_is_refused_and_changes_nothing(owner, plan):
    stale = plan.version
    services.change_plan(owner, plan, version=stale, overview="Først.")
    with pytest.raises(StaleEdit):
        services.change_plan(owner, plan, version=stale, overview="Sist.")
    kept = fresh(plan)
    assert (kept.overview, kept.version) == ("Først.", stale + 1)
    assert len(audit("plan.changed")) == 1


def test_changing_the_plan_writes_its_sections_and_the_audit(owner, plan):
    services.change_plan(
        owner, plan, version=plan.version, overview="  Oversikt. ", internal_note="Intern."
    )
    changed = fresh(plan)
    assert (changed.overview, changed.internal_note, changed.version) == (
        "Oversikt.",
        "Intern.",
        2,
    )
    [entry] = audit("plan.changed")
    assert entry.detail == {
        "plan": plan.pk,
        "what": "sections",
        "fields": ["internal_note", "overview"],
    }
    assert entry.target_id == str(plan.case_id)


def test_a_plan_period_must_end_after_it_starts(owner, plan):
    with pytest.raises(ValidationError) as refused:
        services.change_plan(
            owner,
            plan,
            version=plan.version,
            period_start=days_from_today(10),
            period_end=days_from_today(9),
        )
    assert "period_end" in refused.value.message_dict
    assert fresh(plan).version == 1


def test_a_plan_has_no_other_fields(owner, plan):
    with pytest.raises(TypeError):
        services.change_plan(owner, plan, version=plan.version, status=PlanStatus.ACTIVE)
    assert fresh(plan).status == PlanStatus.DRAFT


def test_a_goal_needs_text(owner, plan):
    with pytest.raises(ValidationError):
        services.add_goal(owner, plan, text=" ", by_person=True)
    assert not PlanGoal.objects.exists()


def test_the_persons_own_goal_is_recorded_as_theirs(owner, plan):
    goal = services.add_goal(owner, plan, text=" Jeg vil bo alene. ", by_person=True)
    goal.refresh_from_db()
    assert (goal.text, goal.by_person, goal.recorded_by) == ("Jeg vil bo alene.", True, owner)
    [entry] = audit("plan.changed")
    assert entry.detail == {
        "plan": plan.pk,
        "what": "goal_added",
        "goal": goal.pk,
        "by_person": True,
    }


# Measures in the plan -------------------------------------------------------------------------


def _measure(**fields):
    return {
        "description": "Arbeidstrening",
        "extent": "Tre dager i uken",
        "timing": "Januar–juni",
        **fields,
    }


def test_a_measure_names_a_service_on_the_team(owner, plan, partner_agency, outsider_agency):
    with pytest.raises(ValidationError) as refused:
        services.add_plan_measure(owner, plan, **_measure(responsible_agency=outsider_agency))
    assert set(refused.value.message_dict) == {"responsible_agency"}
    with pytest.raises(ValidationError) as refused:
        services.add_plan_measure(owner, plan, **_measure(responsible_agency=None))
    assert set(refused.value.message_dict) == {"responsible_agency"}
    assert not PlanMeasure.objects.exists()
    entry = services.add_plan_measure(owner, plan, **_measure(responsible_agency=partner_agency))
    assert entry.responsible_agency == partner_agency


@pytest.mark.parametrize("field", ["description", "extent", "timing"])
def test_a_measure_says_what_how_much_and_when(owner, plan, partner_agency, field):
    with pytest.raises(ValidationError) as refused:
        services.add_plan_measure(
            owner, plan, **_measure(responsible_agency=partner_agency, **{field: "  "})
        )
    assert set(refused.value.message_dict) == {field}
    assert not PlanMeasure.objects.exists()


@pytest.mark.parametrize("field", ["extent", "timing"])
def test_a_changed_measure_keeps_its_extent_and_timing(owner, complete_plan, field):
    entry = complete_plan.measures.get()
    with pytest.raises(ValidationError) as refused:
        services.change_plan_measure(owner, entry, version=entry.version, **{field: ""})
    assert set(refused.value.message_dict) == {field}
    assert PlanMeasure.objects.get(pk=entry.pk).extent == "Tre dager i uken"


def test_a_changed_measure_keeps_a_responsible_service_on_the_team(
    owner, complete_plan, outsider_agency
):
    entry = complete_plan.measures.get()
    with pytest.raises(ValidationError) as refused:
        services.change_plan_measure(
            owner, entry, version=entry.version, responsible_agency=outsider_agency
        )
    assert set(refused.value.message_dict) == {"responsible_agency"}


def test_a_changed_measure_stays_in_its_plan(
    owner, complete_plan, register, give_consent, partner_agency, on_team
):
    """Only the measure's own fields change (as change_plan refuses unknown fields): an
    entry is never moved into another plan."""
    other_case = on_team(
        register(person={"name": "Per Hansen", "birth_year": 1985}, audience=ForumAudience.ADULTS),
        partner_agency,
    )
    other_plan = services.create_plan(
        owner, other_case, consent=give_plan_consent(give_consent, other_case, [partner_agency])
    )
    entry = complete_plan.measures.get()
    with pytest.raises((TypeError, ValidationError)):
        services.change_plan_measure(
            owner, entry, version=entry.version, plan=other_plan, extent="Daglig"
        )
    kept = PlanMeasure.objects.get(pk=entry.pk)
    assert (kept.plan_id, kept.extent) == (complete_plan.pk, "Tre dager i uken")


def test_a_measure_links_the_cases_own_measure(owner, plan, partner_agency, case_measure):
    measure = case_measure(plan.case, partner_agency)
    entry = services.add_plan_measure(
        owner, plan, **_measure(responsible_agency=partner_agency, measure=measure)
    )
    assert PlanMeasure.objects.get(pk=entry.pk).measure == measure
    [entry_audit] = audit("plan.changed")
    assert entry_audit.detail == {
        "plan": plan.pk,
        "what": "measure_added",
        "plan_measure": entry.pk,
    }


def test_a_measure_of_another_case_is_refused(
    owner, plan, partner_agency, owner_agency, case_measure, register
):
    other = register(
        person={"name": "Per Hansen", "birth_year": 1985}, audience=ForumAudience.ADULTS
    )
    measure = case_measure(other, owner_agency)
    with pytest.raises(ValidationError) as refused:
        services.add_plan_measure(
            owner, plan, **_measure(responsible_agency=partner_agency, measure=measure)
        )
    assert set(refused.value.message_dict) == {"measure"}
    entry = services.add_plan_measure(owner, plan, **_measure(responsible_agency=partner_agency))
    with pytest.raises(ValidationError) as refused:
        services.change_plan_measure(owner, entry, version=entry.version, measure=measure)
    assert set(refused.value.message_dict) == {"measure"}
    assert PlanMeasure.objects.get(pk=entry.pk).measure is None


# Revision dates and their reminders ----------------------------------------------------------


def _reminder_tasks(plan):
    return Task.objects.filter(case=plan.case, owner_role=plan.coordinator_role)


def test_a_revision_date_is_in_the_future_and_once(owner, plan):
    for day in (None, timezone.localdate(), days_from_today(-1)):
        with pytest.raises(ValidationError) as refused:
            services.add_revision(owner, plan, due_on=day)
        assert "due_on" in refused.value.message_dict
    services.add_revision(owner, plan, due_on=days_from_today(30))
    with pytest.raises(ValidationError) as refused:
        services.add_revision(owner, plan, due_on=days_from_today(30))
    assert "due_on" in refused.value.message_dict
    assert plan.revisions.count() == 1


def test_finalising_gives_the_coordinator_a_task_before_each_coming_revision(
    owner, complete_plan, settings
):
    settings.PLAN_REVISION_REMINDER_DAYS = 14
    plan = complete_plan
    services.add_revision(owner, plan, due_on=days_from_today(200))
    services.add_revision(owner, plan, due_on=days_from_today(5))
    assert not _reminder_tasks(plan).exists()  # a draft has no reminders yet
    finalise(owner, plan)
    role = plan.coordinator_role
    revisions = list(plan.revisions.select_related("reminder_task"))
    assert len(revisions) == 3
    assert _reminder_tasks(plan).count() == 3
    for revision in revisions:
        task = revision.reminder_task
        assert task is not None
        assert (task.case, task.owner_role, task.owner_agency) == (plan.case, role, role.agency)
        assert task.status == TaskStatus.OPEN
        expected = max(timezone.localdate(), revision.due_on - datetime.timedelta(days=14))
        assert task.deadline == expected
    # The case row's next open deadline is the earliest reminder's (cases.deadlines).
    assert drifted() == []
    deadlines = {r.due_on: r.reminder_task.deadline for r in revisions}
    assert deadlines[days_from_today(5)] == timezone.localdate()
    assert deadlines[days_from_today(90)] == days_from_today(76)
    assert deadlines[days_from_today(200)] == days_from_today(186)


def test_a_revision_added_after_finalising_gets_its_task(owner, complete_plan, settings):
    settings.PLAN_REVISION_REMINDER_DAYS = 10
    plan = complete_plan
    finalise(owner, plan)
    revision = services.add_revision(owner, plan, due_on=days_from_today(150))
    revision.refresh_from_db()
    assert revision.reminder_task.deadline == days_from_today(140)
    assert revision.reminder_task.owner_role == plan.coordinator_role
    assert _reminder_tasks(plan).count() == 2


def test_finalising_again_makes_no_second_task(owner, complete_plan):
    plan = complete_plan
    finalise(owner, plan)
    tasks = {r.pk: r.reminder_task_id for r in plan.revisions.all()}
    services.change_plan(owner, plan, version=plan.version, overview="Oppdatert.")
    finalise(owner, plan)
    assert {r.pk: r.reminder_task_id for r in plan.revisions.all()} == tasks
    assert _reminder_tasks(plan).count() == 1


def test_a_passed_revision_date_is_overdue_for_the_coordinator_until_a_new_version(
    owner, partner, complete_plan, deputy
):
    plan = complete_plan
    finalise(owner, plan)
    services.add_revision(owner, plan, due_on=days_from_today(30))
    # Time passes: the revision date is three days ago.
    PlanRevision.objects.filter(plan=plan, due_on=days_from_today(30)).update(
        due_on=days_from_today(-3)
    )
    passed = plan.revisions.get(due_on=days_from_today(-3))
    assert list(services.overdue_revisions_for_coordinator(owner)) == [passed]
    assert list(services.overdue_revisions_for_coordinator(deputy)) == [passed]
    assert not services.overdue_revisions_for_coordinator(partner).exists()
    finalise(owner, plan)
    assert not services.overdue_revisions_for_coordinator(owner).exists()
    passed.refresh_from_db()
    assert passed.done_at is not None
    assert plan.revisions.get(due_on=days_from_today(90)).done_at is None


def test_a_revision_date_is_overdue_only_once_it_has_passed(owner, complete_plan):
    finalise(owner, complete_plan)
    assert not services.overdue_revisions_for_coordinator(owner).exists()
    assert not services.overdue_revisions_for_coordinator(owner, today=days_from_today(90)).exists()
    [revision] = services.overdue_revisions_for_coordinator(owner, today=days_from_today(91))
    assert revision.due_on == days_from_today(90)


def test_a_revision_done_by_a_new_version_leaves_no_reminder_overdue(owner, complete_plan):
    """The task "revise the plan by ..." is done once a version is finalised after the date;
    it is not left overdue for the coordinator."""
    plan = complete_plan
    finalise(owner, plan)
    services.add_revision(owner, plan, due_on=days_from_today(30))
    revision = plan.revisions.get(due_on=days_from_today(30))
    # Time passes: the revision date and its reminder's deadline are behind us.
    PlanRevision.objects.filter(pk=revision.pk).update(due_on=days_from_today(-3))
    Task.objects.filter(pk=revision.reminder_task_id).update(deadline=days_from_today(-10))
    refresh_next_deadline([plan.case_id])  # the time travel, as a service would keep it
    reminders = {r.reminder_task_id for r in plan.revisions.all()}
    assert reminders & {t.pk for t in case_services.overdue_tasks_for_coordinator(owner)}
    finalise(owner, plan)
    assert not reminders & {t.pk for t in case_services.overdue_tasks_for_coordinator(owner)}
    assert drifted() == []


def test_an_ended_plan_leaves_no_revision_reminder_overdue(owner, complete_plan):
    plan = complete_plan
    finalise(owner, plan)
    reminders = {r.reminder_task_id for r in plan.revisions.all()}
    later = days_from_today(80)  # past the reminder's deadline, before the revision date
    assert reminders & {t.pk for t in case_services.overdue_tasks_for_coordinator(owner, later)}
    services.end_plan(owner, plan, version=plan.version, reason="Kari flyttet.")
    assert not reminders & {t.pk for t in case_services.overdue_tasks_for_coordinator(owner, later)}
    assert drifted() == []


def test_a_closed_cases_plan_has_no_overdue_revisions(owner, complete_plan):
    """Like overdue tasks and measures: a closed case reminds its coordinator of nothing
    (they could not act on it: nobody writes the plan of a closed case)."""
    plan = complete_plan
    finalise(owner, plan)
    later = days_from_today(91)
    assert services.overdue_revisions_for_coordinator(owner, today=later).exists()
    mark_closed(plan.case)
    assert not services.overdue_revisions_for_coordinator(owner, today=later).exists()


def test_closing_the_case_leaves_no_plan_that_nobody_can_end(
    owner, complete_plan, second_case_of, give_consent, partner_agency
):
    """A current plan on a closed case would be written by nobody, yet keep the person
    from getting a plan on another case (L31). Closing is either refused while the plan
    is current, or the plan is ended with it, or it can still be ended afterwards."""
    plan = complete_plan
    finalise(owner, plan)
    try:
        close(owner, plan.case)
    except ValidationError:
        assert not fresh(plan).case.is_closed
        return
    plan = fresh(plan)
    if plan.is_current:
        services.end_plan(owner, plan, version=plan.version, reason="Saken er avsluttet.")
    other = second_case_of(plan.case)
    consent = give_plan_consent(give_consent, other, [partner_agency])
    assert services.create_plan(owner, other, consent=consent).person == plan.person


def test_an_ended_plan_has_no_overdue_revisions(owner, complete_plan):
    plan = complete_plan
    finalise(owner, plan)
    services.end_plan(owner, plan, version=plan.version, reason="Kari flyttet.")
    assert not services.overdue_revisions_for_coordinator(owner, today=days_from_today(91)).exists()


# The audit entry is written in the same transaction ------------------------------------------


@pytest.fixture
def audit_fails(monkeypatch):
    """The plans' audit entry is written, then the transaction fails."""
    real = services.record

    def record_then_fail(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    def fail():
        monkeypatch.setattr(services, "record", record_then_fail)

    return fail


def test_no_plan_without_its_audit_entry(owner, plan_case, plan_consent, audit_fails):
    audit_fails()
    with pytest.raises(RuntimeError):
        services.create_plan(owner, plan_case, consent=plan_consent)
    assert not IndividualPlan.objects.exists()
    assert not audit("plan.created")


@pytest.mark.parametrize(
    "action, work",
    [
        ("plan.changed", "change_plan"),
        ("plan.changed", "add_goal"),
        ("plan.changed", "change_plan_measure"),
        ("plan.changed", "add_revision"),
        ("plan.contribution_written", "contribute"),
        ("plan.finalised", "finalise"),
        ("plan.ended", "end_plan"),
    ],
)
def test_no_change_without_its_audit_entry(
    owner, partner, partner_agency, complete_plan, audit_fails, action, work
):
    plan = complete_plan
    do = {
        **_coordinator_work(partner_agency),
        "contribute": lambda actor, plan: services.write_contribution(
            partner, plan, agency=partner_agency, text="Nav."
        ),
    }[work]
    before = _snapshot(plan)
    tasks = Task.objects.count()
    count = len(audit(action))
    audit_fails()
    with pytest.raises(RuntimeError):
        do(owner, plan)
    assert _snapshot(plan) == before
    assert Task.objects.count() == tasks
    assert not PlanContribution.objects.exists()
    assert len(audit(action)) == count


def test_every_service_writes_its_audit_entry(
    owner, partner, partner_agency, plan_case, plan_consent, fill
):
    plan = services.create_plan(owner, plan_case, consent=plan_consent)
    fill(plan)
    services.write_contribution(partner, plan, agency=partner_agency, text="Nav.")
    finalise(owner, plan)
    services.end_plan(owner, plan, version=plan.version, reason="Målene er nådd.")
    actions = [entry.action for entry in AuditEntry.objects.filter(action__startswith="plan.")]
    assert actions == [
        "plan.created",
        "plan.changed",  # the sections
        "plan.changed",  # the goal
        "plan.changed",  # the measure
        "plan.changed",  # the revision date
        "plan.contribution_written",
        "plan.finalised",
        "plan.ended",
    ]
    whats = [e.detail["what"] for e in AuditEntry.objects.filter(action="plan.changed")]
    assert whats == ["sections", "goal_added", "measure_added", "revision_added"]
    assert {e.target_id for e in AuditEntry.objects.filter(action__startswith="plan.")} == {
        str(plan_case.pk)
    }
