"""The start page's first action and "My cases", and the case's one next step
(issue 21 item 11), from the four sides: the coordinator, a team agency, an outsider,
and a user with several memberships acting for an unrelated agency."""

import re

import pytest
from django.urls import reverse

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services
from tverrnett.cases.models import CaseState, ConcernCase
from tverrnett.cases.tests.test_acting_agency import act_for

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
NEW_CASE = reverse("cases:new")


@pytest.fixture
def juggler(make_user, owner_agency, outsider_agency):
    """Works for the outsider agency and holds a membership of the owner's agency too,
    but acts for the outsider agency."""
    user = make_user("sjonglor", outsider_agency, MembershipRole.CASE_WORKER, first_name="Sara")
    Membership.objects.create(user=user, agency=owner_agency, role=MembershipRole.CASE_WORKER)
    return user


def _without_token(response, pk):
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return page.replace(f"/saker/{pk}/", "/saker/ID/")


def _log_in(client, login_as, user):
    """Log in acting for the user's first membership: the juggler's is the outsider agency."""
    return act_for(client, login_as, user, user.memberships.order_by("pk").first().agency)


def _home(client, login_as, user):
    _log_in(client, login_as, user)
    return client.get(HOME).content.decode()


def test_the_coordinator_sees_the_first_action_and_their_open_cases(client, login_as, owner, case):
    page = _home(client, login_as, owner)

    assert f'href="{NEW_CASE}"' in page
    my_cases = page.split('id="my-cases-heading"')[1].split("</section>")[0]
    assert case.reference in my_cases
    assert reverse("cases:detail", args=[case.pk]) in my_cases


def test_a_closed_case_is_not_among_my_cases(client, login_as, owner, case):
    ConcernCase.objects.filter(pk=case.pk).update(state=CaseState.CLOSED)

    page = _home(client, login_as, owner)

    my_cases = page.split('id="my-cases-heading"')[1].split("</section>")[0]
    assert case.reference not in my_cases
    assert "Du koordinerer ingen åpne saker." in my_cases


@pytest.mark.parametrize("who", ["partner", "outsider", "juggler"])
def test_only_the_coordinator_has_the_case_among_my_cases(
    client, login_as, case, owner, partner_agency, who, request
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    user = request.getfixturevalue(who)

    page = _home(client, login_as, user)

    assert case.reference not in page
    assert reverse("cases:detail", args=[case.pk]) not in page


def test_the_outsider_is_offered_no_registration_in_a_network_it_is_not_in(
    client, login_as, outsider, juggler
):
    for user in (outsider, juggler):
        assert f'href="{NEW_CASE}"' not in _home(client, login_as, user)


def test_a_registered_case_is_one_step_from_its_security_clarification(
    client, login_as, owner, case
):
    assert case.state == CaseState.REGISTERED
    login_as(client, owner)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    security = reverse("cases:security", args=[case.pk])
    assert f'data-variant="primary" href="{security}"' in detail

    page = client.get(security)
    assert page.status_code == 200
    assert "Start sikkerhetsavklaringen" in page.content.decode()

    moved = client.post(
        reverse("cases:change_state", args=[case.pk]),
        {"version": case.version, "to_state": CaseState.SECURITY_CLARIFICATION},
    )

    assert moved.status_code == 302 and moved["Location"] == security
    case.refresh_from_db()
    assert case.state == CaseState.SECURITY_CLARIFICATION
    form = client.get(security).content.decode()
    assert 'name="police_contact_consulted"' in form


def test_an_anonymous_discussion_offers_conversion_as_its_primary_action(
    client, login_as, owner, anonymous_case
):
    login_as(client, owner)
    detail = client.get(reverse("cases:detail", args=[anonymous_case.pk])).content.decode()

    convert = reverse("cases:convert", args=[anonymous_case.pk])
    assert f'data-variant="primary" href="{convert}"' in detail


@pytest.mark.parametrize("who", ["outsider", "juggler"])
def test_the_security_page_explains_nothing_to_those_who_may_not_see_the_case(
    client, login_as, case, who, request
):
    """The explanation is for the coordinator: an outsider gets the missing object's 404,
    and no read entry, and the state is unchanged."""
    user = request.getfixturevalue(who)
    _log_in(client, login_as, user)
    reads = AuditEntry.objects.filter(action="case.viewed").count()

    missing = client.get(reverse("cases:security", args=[case.pk + 1000]))
    page = client.get(reverse("cases:security", args=[case.pk]))

    assert page.status_code == missing.status_code == 404
    # The same page, but for the per-request CSRF mask and the path the switch returns to.
    assert _without_token(page, case.pk) == _without_token(missing, case.pk + 1000)
    assert AuditEntry.objects.filter(action="case.viewed").count() == reads
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_a_team_agency_that_may_not_manage_gets_no_offer_to_move_the_case(
    client, login_as, case, owner, partner, partner_agency, open_to
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    open_to(case, partner_agency)
    login_as(client, partner)

    page = client.get(reverse("cases:security", args=[case.pk]))

    assert page.status_code == 403
    assert "Start sikkerhetsavklaringen" not in page.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
