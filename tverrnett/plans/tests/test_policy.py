"""Who sees, writes and contributes to an individual plan (tverrnett.access.policy, L30).

The plan is for the services its consent names and its coordinator, among those who
reach the case. The coordinator's side (the role's holder and deputy, and users of
its agency) writes the plan; each service named in the consent and on the team
writes its own part; nobody writes on a closed case.
"""

from django.utils import timezone

from tverrnett.access import policy
from tverrnett.accounts.models import MembershipRole
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services as consent_services
from tverrnett.plans import services

LONG_REASON = "Akutt situasjon: trenger å se planen for å hjelpe Kari i natt."


def sees(user, plan):
    path = policy.case_access_path(user, plan.case)
    return policy.can_see_plan(user, plan, path, policy.case_agency_ids(user))


def edits(user, plan):
    return policy.can_edit_plan(user, plan, policy.case_agency_ids(user))


def contributes(user, plan):
    return policy.plan_contributing_agency_ids(user, plan, policy.case_agency_ids(user))


def mark_closed(case):
    """The case in the state closing leaves it (set directly: this is about the policy,
    whatever closing does with a current plan)."""
    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()


def test_the_coordinator_sees_and_writes_the_plan(owner, owner_agency, plan):
    assert sees(owner, plan)
    assert edits(owner, plan)
    assert contributes(owner, plan) == {owner_agency.pk}


def test_a_service_named_in_the_consent_sees_the_plan_and_writes_its_part(
    partner, partner_agency, plan
):
    assert sees(partner, plan)
    assert not edits(partner, plan)
    assert contributes(partner, plan) == {partner_agency.pk}


def test_an_outsider_sees_nothing(outsider, plan):
    assert policy.case_access_path(outsider, plan.case) is None
    assert not sees(outsider, plan)
    assert not edits(outsider, plan)
    assert contributes(outsider, plan) == set()


def test_a_service_on_the_team_but_not_in_the_consent_sees_nothing(
    plan, on_team, child_welfare_agency, child_welfare_user
):
    on_team(plan.case, child_welfare_agency)
    assert policy.case_access_path(child_welfare_user, plan.case) == "team"
    assert not sees(child_welfare_user, plan)
    assert not edits(child_welfare_user, plan)
    assert contributes(child_welfare_user, plan) == set()


def test_the_school_sees_the_plan_and_writes_only_its_own_part(
    school_plan, school_user, school_agency
):
    assert sees(school_user, school_plan)
    assert not edits(school_user, school_plan)
    assert contributes(school_user, school_plan) == {school_agency.pk}


def test_the_plans_services_are_those_in_the_consent_and_the_coordinators_agency(
    school_plan, owner_agency, partner_agency, school_agency
):
    assert policy.plan_agency_ids(school_plan) == {
        owner_agency.pk,
        partner_agency.pk,
        school_agency.pk,
    }


def test_a_service_in_the_consent_but_not_on_the_team_reads_through_break_glass(
    owner, plan_case, give_consent, partner_agency, responder_agency, responder, catalogue
):
    # A school never breaks the glass (issue 16): the emergency service here is the
    # municipality's legevakt.
    consent = give_consent(
        plan_case,
        recipients=[partner_agency, responder_agency],
        individual_plan=True,
        plan_confidential_access=True,
    )
    plan = services.create_plan(owner, plan_case, consent=consent)
    assert policy.case_access_path(responder, plan_case) is None
    assert not sees(responder, plan)
    case_services.break_glass(responder, responder_agency, plan_case, reason=LONG_REASON)
    assert policy.case_access_path(responder, plan_case) == "break_glass"
    assert sees(responder, plan)
    assert not edits(responder, plan)
    assert contributes(responder, plan) == set()


def test_break_glass_does_not_open_the_plan_to_a_service_outside_the_consent(
    responder, responder_agency, plan
):
    case_services.break_glass(responder, responder_agency, plan.case, reason=LONG_REASON)
    assert policy.case_access_path(responder, plan.case) == "break_glass"
    assert not sees(responder, plan)
    assert not edits(responder, plan)
    assert contributes(responder, plan) == set()


def test_the_coordinators_deputy_from_another_agency_sees_and_writes_the_plan(deputy, plan):
    plan.coordinator_role.refresh_from_db()
    plan.case.coordinator_role.refresh_from_db()
    assert policy.case_access_path(deputy, plan.case) == "coordinator"
    assert sees(deputy, plan)
    assert edits(deputy, plan)
    assert contributes(deputy, plan) == set()  # the deputy's agency is not on the team


def test_a_colleague_in_the_coordinators_agency_writes_the_plan(make_user, owner_agency, plan):
    colleague = signed_in(make_user("slt2", owner_agency))
    assert sees(colleague, plan)
    assert edits(colleague, plan)


def test_an_agency_administrator_does_no_plan_work(make_user, owner_agency, plan):
    admin = signed_in(make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN))
    assert not sees(admin, plan)
    assert not edits(admin, plan)
    assert contributes(admin, plan) == set()


def test_a_voluntary_organisation_named_in_the_consent_does_not_see_the_plan(
    owner,
    plan_case,
    give_consent,
    partner_agency,
    volunteer,
    volunteer_agency,
    catalogue,
):
    consent = give_consent(
        plan_case,
        recipients=[partner_agency, volunteer_agency],
        individual_plan=True,
        plan_confidential_access=True,
    )
    plan = services.create_plan(owner, plan_case, consent=consent)
    consent_services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    assert policy.case_access_path(volunteer, plan_case) == "consent"
    assert not sees(volunteer, plan)
    assert not edits(volunteer, plan)
    assert contributes(volunteer, plan) == set()


def test_nobody_writes_on_a_closed_case_but_the_plan_can_still_be_read(owner, partner, plan):
    mark_closed(plan.case)
    assert not edits(owner, plan)
    assert contributes(owner, plan) == set()
    assert contributes(partner, plan) == set()
    assert sees(owner, plan)
    assert sees(partner, plan)


def test_can_see_plan_needs_a_path_to_the_case(owner, owner_agency, plan):
    """Only team, coordinator and break-glass reach a plan; no path, no plan."""
    agency_ids = {owner_agency.pk}
    for path in ("team", "coordinator", "break_glass"):
        assert policy.can_see_plan(owner, plan, path, agency_ids)
    for path in (None, "consent"):
        assert not policy.can_see_plan(owner, plan, path, agency_ids)
