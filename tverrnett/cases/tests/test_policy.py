"""Who reaches a concern case, seen from the side of someone who should not.

The case is registered by the owner (Drammen kommune – SLT), whose SLT
coordinator role coordinates it; its team starts as the owner's agency alone.
"""

import datetime
import functools

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django_otp.middleware import is_verified

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.cases import services
from tverrnett.cases.models import BreakGlassAccess, CaseState, Confidentiality
from tverrnett.networks.models import Role, RoleKind

LONG_REASON = "Eleven er meldt savnet og kan være i Drammen."


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def reach(user, case, now=None):
    """What every policy function says about `user` and `case`, in one tuple. Each
    time, the pages' lookup of one case by its id (`case_for_access`, read with
    `annotated=True`) must say the same as the rule for lists and the plain questions:
    a page reaches a case exactly when `visible_cases` holds it."""
    path = policy.case_access_path(user, case, now=now)
    visible = policy.visible_cases(user, now=now).filter(pk=case.pk).exists()
    manages = policy.can_manage_case(user, case, path)
    memberships = policy.case_memberships(user)
    opened = policy.case_for_access(user, case.pk, memberships, now=now).first()
    opened_path = opened and policy.case_access_path(
        user, opened, now=now, memberships=memberships, annotated=True
    )
    assert opened_path == (path if visible else None)
    if opened_path:
        assert manages == policy.can_manage_case(
            user, opened, opened_path, memberships[0], annotated=True
        )
    return (visible, path, policy.can_work_on_case(user, case, path), manages)


NO_ACCESS = (False, None, False, False)


# The three actors ------------------------------------------------------------------


def test_the_owner_reaches_the_case_through_the_team(case, owner):
    assert reach(owner, case) == (True, "team", True, True)


def test_an_outsider_does_not_reach_the_case(case, outsider):
    assert reach(outsider, case) == NO_ACCESS
    assert not policy.visible_cases(outsider).exists()
    assert not policy.can_see_case_readers(outsider, case)


def test_a_partner_reaches_the_case_once_on_the_team(case, owner, partner, partner_agency):
    assert reach(partner, case) == NO_ACCESS
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    assert reach(partner, case) == (True, "team", True, False)


def test_a_partner_loses_the_case_when_taken_off_the_team(case, owner, partner, partner_agency):
    member = services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.remove_team_member(owner, case, member)
    assert reach(partner, case) == NO_ACCESS


def test_a_team_agency_with_the_lead_manages_the_case(case, owner, partner, partner_agency):
    member = services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    services.give_lead(owner, case, member)
    assert reach(partner, case) == (True, "team", True, True)


@pytest.mark.usefixtures("case")
def test_a_user_without_the_second_factor_sees_no_case():
    half_signed_in = get_user_model().objects.get(username="eier")
    half_signed_in.otp_device = None
    half_signed_in.is_verified = functools.partial(is_verified, half_signed_in)
    assert not policy.visible_cases(half_signed_in).exists()


def test_a_user_without_the_second_factor_has_no_access_path(case):
    """The services decide with `case_access_path`; it must agree with `visible_cases`."""
    half_signed_in = get_user_model().objects.get(username="eier")
    half_signed_in.otp_device = None
    half_signed_in.is_verified = functools.partial(is_verified, half_signed_in)
    assert reach(half_signed_in, case) == NO_ACCESS


def test_a_user_whose_membership_ended_sees_no_case(case, owner):
    owner.memberships.update(is_active=False)
    assert reach(owner, case) == NO_ACCESS


def test_a_user_of_a_closed_agency_sees_no_case(case, owner, owner_agency):
    owner_agency.is_active = False
    owner_agency.save()
    assert reach(owner, case) == NO_ACCESS


# Memberships that open no case -----------------------------------------------------------


def test_an_agency_administrator_of_a_team_agency_sees_nothing(
    case, make_user, owner_agency, verified
):
    admin = verified(make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN))
    assert case.team.filter(agency=owner_agency).exists()
    assert not policy.visible_cases(admin).exists()
    assert reach(admin, case) == NO_ACCESS
    assert policy.case_agency_ids(admin) == set()


def test_an_agency_administrator_who_deputises_the_coordinator_sees_nothing(
    case, make_user, owner_agency, slt_role, verified
):
    """A coordinator role is case work: without a case-work membership it opens nothing."""
    admin = verified(make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN))
    slt_role.deputy = admin
    slt_role.save()
    case.coordinator_role.refresh_from_db()
    assert reach(admin, case) == NO_ACCESS


def test_an_agency_administrator_who_is_also_a_case_worker_sees_the_case(
    case, make_user, owner_agency, verified
):
    user = verified(make_user("begge", owner_agency, MembershipRole.AGENCY_ADMIN))
    Membership.objects.create(user=user, agency=owner_agency, role=MembershipRole.CASE_WORKER)
    assert reach(user, case)[:2] == (True, "team")


def test_a_voluntary_organisation_sees_nothing_even_on_the_team(
    case, owner, make_agency, make_user, verified
):
    club = make_agency("Idrettsklubben", AgencyType.VOLUNTARY_ORG)
    volunteer = verified(make_user("frivillig", club, MembershipRole.BRIDGE_BUILDER))
    services.add_team_member(owner, case, agency=club, contact_name="Frida")
    assert case.team.filter(agency=club).exists()
    assert not policy.visible_cases(volunteer).exists()
    assert reach(volunteer, case) == NO_ACCESS
    assert policy.case_agency_ids(volunteer) == set()


def test_a_voluntary_organisation_cannot_break_the_glass(case, make_agency, make_user, verified):
    club = make_agency("Idrettsklubben", AgencyType.VOLUNTARY_ORG)
    volunteer = verified(make_user("frivillig", club, MembershipRole.BRIDGE_BUILDER))
    with pytest.raises(PermissionDenied):
        services.break_glass(volunteer, club, case, reason=LONG_REASON)
    assert not BreakGlassAccess.objects.exists()


# The coordinator role ---------------------------------------------------------------


@pytest.fixture
def deputy(make_agency, make_user, slt_role, verified):
    """The SLT coordinator's deputy works for an agency that is not on the team."""
    school = make_agency("Drammen kommune – skole", AgencyType.SCHOOL)
    user = verified(make_user("nestleder", school, MembershipRole.CASE_WORKER))
    slt_role.deputy = user
    slt_role.save()
    return user


def test_the_coordinators_deputy_reaches_the_case_from_another_agency(case, deputy):
    case.coordinator_role.refresh_from_db()
    assert not case.team.filter(agency__memberships__user=deputy).exists()
    assert reach(deputy, case) == (True, "coordinator", True, True)
    assert policy.can_see_case_readers(deputy, case)


def test_a_new_holder_of_the_role_inherits_the_case(case, make_user, make_agency, verified):
    """Cases follow the role, not the person who held it."""
    school = make_agency("Drammen kommune – skole", AgencyType.SCHOOL)
    newcomer = verified(make_user("ny", school, MembershipRole.SLT_COORDINATOR))
    role = case.coordinator_role
    role.holder = newcomer
    role.save()
    assert reach(newcomer, case)[:2] == (True, "coordinator")


def test_only_the_coordinator_sees_who_read_the_case(case, owner, partner, partner_agency):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    assert policy.can_see_case_readers(owner, case)
    assert not policy.can_see_case_readers(partner, case)


def test_the_police_contact_reaches_a_case_they_coordinate(
    register, police_role, police_contact, partner
):
    case = register(actor=partner, coordinator_role=police_role)
    assert reach(police_contact, case) == (True, "team", True, True)


# Closed cases ----------------------------------------------------------------------


def test_nobody_works_on_a_closed_case(case, owner, deputy):
    services.change_state(
        owner,
        case,
        CaseState.CLOSED,
        version=case.version,
        evaluation="Avklart.",
        review_on=days_from_today(1),
    )
    case.coordinator_role.refresh_from_db()
    assert reach(owner, case) == (True, "team", False, True)
    assert reach(deputy, case) == (True, "coordinator", False, True)


# Break-glass -------------------------------------------------------------------------


def test_break_glass_opens_the_case_to_read_only(case, responder, responder_agency):
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert reach(responder, case) == (True, "break_glass", False, False)
    assert not policy.can_see_case_readers(responder, case)


def test_break_glass_ends_when_it_expires(case, responder, responder_agency):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    just_before = access.expires_at - datetime.timedelta(seconds=1)
    assert reach(responder, case, now=just_before)[:2] == (True, "break_glass")
    assert reach(responder, case, now=access.expires_at) == NO_ACCESS
    assert reach(responder, case, now=access.expires_at + datetime.timedelta(minutes=1)) == (
        NO_ACCESS
    )


def test_break_glass_is_gone_once_expired_in_the_database(case, responder, responder_agency):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    BreakGlassAccess.objects.filter(pk=access.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert reach(responder, case) == NO_ACCESS
    assert not access.__class__.objects.get(pk=access.pk).is_active()


def test_break_glass_opens_that_case_only(case, register, responder, responder_agency):
    other = register()
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert list(policy.visible_cases(responder)) == [case]
    assert reach(responder, other) == NO_ACCESS


def test_break_glass_is_for_that_user_only(case, responder, responder_agency, make_user, verified):
    colleague = verified(make_user("kollega", responder_agency, MembershipRole.CASE_WORKER))
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert reach(colleague, case) == NO_ACCESS


def test_break_glass_shows_no_journal(case, owner, responder, responder_agency):
    services.write_journal_entry(
        owner, case, text="Samtale med eleven.", confidentiality=Confidentiality.CONFIDENTIAL
    )
    services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert not policy.visible_journal(responder, case).exists()


def test_only_a_manager_of_the_users_agency_reviews_break_glass(
    case, responder, responder_agency, owner_agency, make_user
):
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    line_manager = make_user("leder", responder_agency, MembershipRole.LINE_MANAGER)
    agency_admin = make_user("admin", responder_agency, MembershipRole.AGENCY_ADMIN)
    colleague = make_user("kollega", responder_agency, MembershipRole.CASE_WORKER)
    other_manager = make_user("eierleder", owner_agency, MembershipRole.LINE_MANAGER)
    assert policy.can_review_break_glass(line_manager, access)
    assert policy.can_review_break_glass(agency_admin, access)
    assert not policy.can_review_break_glass(colleague, access)
    assert not policy.can_review_break_glass(other_manager, access)
    assert not policy.can_review_break_glass(responder, access)


def test_a_manager_cannot_review_their_own_break_glass(case, responder, responder_agency):
    Membership.objects.create(
        user=responder, agency=responder_agency, role=MembershipRole.LINE_MANAGER
    )
    access = services.break_glass(responder, responder_agency, case, reason=LONG_REASON)
    assert policy.manages_agency(responder, responder_agency.pk)
    assert not policy.can_review_break_glass(responder, access)


# The journal (L05) -------------------------------------------------------------------


def test_each_agency_reads_its_own_journal_entries_only(case, owner, partner, partner_agency):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    ours = services.write_journal_entry(
        owner, case, text="SLT sitt notat.", confidentiality=Confidentiality.CONFIDENTIAL
    )
    theirs = services.write_journal_entry(
        partner, case, text="Navs notat.", confidentiality=Confidentiality.CONFIDENTIAL
    )
    assert list(policy.visible_journal(partner, case)) == [theirs]
    assert list(policy.visible_journal(owner, case)) == [ours]


def test_an_outsider_reads_no_journal_entry(case, owner, outsider):
    services.write_journal_entry(
        owner, case, text="SLT sitt notat.", confidentiality=Confidentiality.CONFIDENTIAL
    )
    assert not policy.visible_journal(outsider, case).exists()


def test_the_journal_shows_current_versions_only(case, owner):
    old = services.write_journal_entry(
        owner, case, text="Første versjon.", confidentiality=Confidentiality.ORDINARY
    )
    correction = services.correct_journal_entry(
        owner, old, text="Andre versjon.", confidentiality=Confidentiality.ORDINARY, reason="Feil"
    )
    assert list(policy.visible_journal(owner, case)) == [correction]


# Registering ---------------------------------------------------------------------------


def test_only_member_agencies_may_register_in_the_network(
    network, owner, owner_agency, partner, partner_agency, outsider, outsider_agency
):
    assert list(services.registering_networks(owner, owner_agency)) == [network]
    assert list(services.registering_networks(partner, partner_agency)) == [network]
    assert not services.registering_networks(outsider, outsider_agency).exists()
    assert not services.registering_networks(owner, partner_agency).exists()
    assert not services.registering_networks(owner, None).exists()


def test_the_coordinator_roles_for_a_municipality(
    drammen, slt_role, police_role, outsider_agency, make_agency
):
    oslo_police = make_agency(
        "Oslo politidistrikt",
        AgencyType.POLICE_DISTRICT,
        municipality=("0301", "Oslo"),
        police_district="oslo",
    )
    Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=oslo_police,
        police_district=oslo_police.police_district,
    )
    Role.objects.create(kind=RoleKind.NAV_CONTACT, agency=outsider_agency, municipality=drammen)
    assert set(services.coordinator_roles_for(drammen)) == {slt_role, police_role}


def test_a_registered_case_is_visible_to_the_registering_agency(
    register, partner, police_role, owner
):
    case = register(actor=partner, coordinator_role=police_role)
    assert reach(partner, case)[:2] == (True, "team")
    assert reach(owner, case) == NO_ACCESS


def test_the_case_list_query_count_does_not_grow_with_cases(
    register, owner, django_assert_max_num_queries
):
    for _ in range(3):
        register()
    with django_assert_max_num_queries(3):
        assert len(list(policy.visible_cases(owner))) == 3


def test_an_anonymous_discussion_is_reached_like_any_case(anonymous_case, owner, outsider):
    assert reach(owner, anonymous_case) == (True, "team", True, True)
    assert reach(outsider, anonymous_case) == NO_ACCESS
