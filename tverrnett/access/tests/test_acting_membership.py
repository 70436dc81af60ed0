"""The policy outside the case pages follows the membership the user acts for where it
concerns people (guidance requests, notices, break-glass reviews), and all memberships
count outside a request (issue 16, item 3)."""

from types import SimpleNamespace

import pytest

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(owner, partner_agency):
    """The owner (Drammen kommune – SLT) also works for Nav Drammen."""
    Membership.objects.create(user=owner, agency=partner_agency, role=MembershipRole.LINE_MANAGER)
    return owner


def _acting(user, agency):
    user.acting_membership = user.memberships.get(agency=agency)
    return user


def test_a_guidance_request_is_seen_only_acting_for_its_agency(
    two_hats, owner_agency, partner_agency, outsider_agency
):
    request = SimpleNamespace(
        sender_agency_id=outsider_agency.pk, recipient_agency_id=partner_agency.pk
    )
    assert policy.can_see_guidance_request(two_hats, request)  # outside a request: all
    assert policy.can_answer_guidance_request(two_hats, request)

    _acting(two_hats, owner_agency)
    assert not policy.can_see_guidance_request(two_hats, request)
    assert not policy.can_answer_guidance_request(two_hats, request)

    _acting(two_hats, partner_agency)
    assert policy.can_see_guidance_request(two_hats, request)
    assert policy.can_answer_guidance_request(two_hats, request)


def test_break_glass_is_reviewed_acting_for_the_agency_that_broke_it(
    two_hats, owner_agency, partner_agency, make_user
):
    colleague = make_user("kollega", partner_agency)
    access = SimpleNamespace(user_id=colleague.pk, agency_id=partner_agency.pk)
    assert policy.can_review_break_glass(two_hats, access)

    _acting(two_hats, owner_agency)
    assert not policy.can_review_break_glass(two_hats, access)
    _acting(two_hats, partner_agency)
    assert policy.can_review_break_glass(two_hats, access)


def test_a_role_is_held_for_notices_only_acting_for_its_agency(
    two_hats, owner_agency, partner_agency
):
    role = SimpleNamespace(holder_id=two_hats.pk, deputy_id=None, agency_id=owner_agency.pk)
    assert policy.holds_role(two_hats, role)
    _acting(two_hats, partner_agency)
    assert not policy.holds_role(two_hats, role)
    _acting(two_hats, owner_agency)
    assert policy.holds_role(two_hats, role)


def test_a_session_without_a_membership_counts_none(two_hats):
    two_hats.acting_membership = None
    assert policy.case_agency_ids(two_hats) == set()
    assert not policy.managed_acting_agencies(two_hats).exists()
