"""A chain's link to a case (issue 16, item 10), replayed from every side.

The chain went PST → the police district → the municipality's SLT role. The owner (SLT,
the case's coordinator) registered the case; the police district is on its team and
linked the chain to it. Then:

- the police district (the agency that linked it) and the owner (the case's coordinator)
  see the reference, and may change or remove the link;
- PST is on the chain but not in the case: it sees that a case is linked, never which;
- PST on the case's team sees the reference, but did not link it and does not coordinate:
  it may not change or remove the link;
- an agency outside the chain (Nav Oslo) finds no chain at all;
- a user with memberships in the police district and Nav Oslo, acting for Nav Oslo, may
  not change the link the police district made.

A refused request gets exactly what a request about a missing chain gets, changes
nothing and leaves no trace in the chain's timeline.
"""

import re

import pytest
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.notices import services
from tverrnett.notices.models import NoticeChain, NoticeEvent

pytestmark = pytest.mark.django_db

MISSING = 999999


def act_for(client, login_as, user, agency):
    """Log `user` in acting for `agency` (one of their memberships)."""
    login_as(client, user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = Membership.objects.get(user=user, agency=agency).pk
    session.save()
    return client


def page_of(response, pk):
    """The page, without its CSRF tokens and with the chain's id in its own URL (the
    language form sends the user back to it) made neutral."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return page.replace(f"/varsler/{pk}/", "/varsler/ID/")


def state():
    return {
        "chains": sorted(NoticeChain.objects.values_list("pk", "case", "case_linked_by_agency")),
        "events": NoticeEvent.objects.count(),
        "audit_links": AuditEntry.objects.filter(action__startswith="notice.case_").count(),
    }


@pytest.fixture
def passed_on(chain, police_contact):
    """The chain, acknowledged by the police and passed on to the SLT role."""
    first = chain.notices.get()
    services.acknowledge(police_contact, first)
    services.forward(police_contact, first, content="Ventet hjem.")
    return chain


@pytest.fixture
def police_on_team(case, owner, police_agency):
    case_services.add_team_member(owner, case, agency=police_agency, contact_name="Per Politi")
    return case


@pytest.fixture
def linked(passed_on, police_on_team, police_contact, police_agency):
    """The police district links the chain to the owner's case."""
    return services.link_case(police_contact, passed_on, police_on_team, agency=police_agency)


@pytest.fixture
def other_case(register, owner, police_agency, pst_agency):
    """A second case of the owner's, with the police district and PST on its team: one they
    could (wrongly) move the link to."""
    other = register(person={"name": "Kari Nordmann", "birth_year": 1990})
    for agency in (police_agency, pst_agency):
        case_services.add_team_member(owner, other, agency=agency, contact_name="Kontakt")
    return other


@pytest.fixture
def two_hats(make_user, police_agency, outsider_agency):
    """A police district case worker who also works for Nav Oslo (outside everything here)."""
    user = make_user("tohatter", police_agency, MembershipRole.CASE_WORKER)
    Membership.objects.create(user=user, agency=outsider_agency, role=MembershipRole.CASE_WORKER)
    return signed_in(user)


def detail(chain):
    return reverse("notices:detail", args=[chain.pk])


def test_the_case_reference_shows_only_to_those_who_may_see_the_case(
    client, login_as, linked, police_on_team, police_contact, owner, pst_user, outsider
):
    case = police_on_team
    case_url = reverse("cases:detail", args=[case.pk])
    for user in (police_contact, owner):
        login_as(client, user)
        page = client.get(detail(linked)).content.decode()
        assert case.reference in page and case_url in page, user.username

    # PST took part in the chain, not in the case: that a case is linked, and nothing more.
    login_as(client, pst_user)
    response = client.get(detail(linked))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="linked-case"' in page
    for secret in (case.reference, case_url, f"/saker/{case.pk}/", "Ola Nordmann"):
        assert secret not in page, secret
    # Nor can PST change or remove the link: no form offers it.
    assert reverse("notices:link_case", args=[linked.pk]) not in page
    assert reverse("notices:unlink_case", args=[linked.pk]) not in page

    # Outside the chain, there is no chain.
    login_as(client, outsider)
    assert client.get(detail(linked)).status_code == 404


def test_the_timeline_names_the_agency_that_linked_never_the_case(
    client, login_as, linked, police_on_team, police_agency, pst_user
):
    event = NoticeEvent.objects.get(chain=linked, kind="case_linked")
    assert event.detail == police_agency.name
    assert police_on_team.reference not in event.detail
    linked.refresh_from_db()
    assert linked.case_linked_by_agency == police_agency
    entry = AuditEntry.objects.get(action="notice.case_linked")
    assert entry.agency_id == police_agency.pk
    assert entry.detail["case"] == police_on_team.pk


def _refused_like_a_missing_chain(client, chain, form):
    """Every way to change the link answers what a missing chain answers."""
    for name, data in (("notices:link_case", form), ("notices:unlink_case", {})):
        response = client.post(reverse(name, args=[chain.pk]), data)
        missing = client.post(reverse(name, args=[MISSING]), data)
        assert response.status_code == missing.status_code == 404, name
        assert page_of(response, chain.pk) == page_of(missing, MISSING), name
    # The question before removing the link (issue 21 item 10) is refused the same way.
    response = client.get(reverse("notices:unlink_case", args=[chain.pk]))
    missing = client.get(reverse("notices:unlink_case", args=[MISSING]))
    assert response.status_code == missing.status_code == 404
    assert page_of(response, chain.pk) == page_of(missing, MISSING)


@pytest.mark.parametrize("who", ["pst_off_the_case", "pst_on_the_team", "two_hats_for_nav_oslo"])
def test_only_the_linking_agency_or_the_coordinator_may_change_the_link(
    client,
    login_as,
    linked,
    police_on_team,
    other_case,
    owner,
    pst_user,
    pst_agency,
    two_hats,
    outsider_agency,
    who,
):
    if who == "pst_off_the_case":
        login_as(client, pst_user)
    elif who == "pst_on_the_team":
        case_services.add_team_member(
            owner, police_on_team, agency=pst_agency, contact_name="Pia PST"
        )
        login_as(client, pst_user)
        # PST sees which case now, but it neither linked it nor coordinates it.
        assert police_on_team.reference in client.get(detail(linked)).content.decode()
    else:
        act_for(client, login_as, two_hats, outsider_agency)
    before = state()
    _refused_like_a_missing_chain(client, linked, {"reference": other_case.reference})
    assert state() == before
    linked.refresh_from_db()
    assert linked.case == police_on_team


def test_a_stranger_to_the_chain_cannot_link_change_or_remove(
    client, login_as, linked, other_case, outsider, partner, owner, police_on_team
):
    # Nav Drammen (the partner) is on the case's team, not on the chain; Nav Oslo on neither.
    case_services.add_team_member(
        owner, other_case, agency=partner.memberships.get().agency, contact_name="Paul"
    )
    before = state()
    for stranger in (outsider, partner):
        login_as(client, stranger)
        _refused_like_a_missing_chain(client, linked, {"reference": other_case.reference})
    assert state() == before


def test_the_linking_agency_changes_the_link_and_the_coordinator_removes_it(
    client, login_as, linked, police_on_team, other_case, police_contact, police_agency, owner
):
    login_as(client, police_contact)
    page = client.get(detail(linked)).content.decode()
    assert reverse("notices:unlink_case", args=[linked.pk]) in page
    response = client.post(
        reverse("notices:link_case", args=[linked.pk]), {"reference": other_case.reference}
    )
    assert response.status_code == 302
    linked.refresh_from_db()
    assert (linked.case, linked.case_linked_by_agency) == (other_case, police_agency)

    # The owner holds the coordinator role of the case now linked.
    login_as(client, owner)
    assert client.post(reverse("notices:unlink_case", args=[linked.pk])).status_code == 302
    linked.refresh_from_db()
    assert (linked.case, linked.case_linked_by_agency) == (None, None)
    assert [event.kind for event in linked.events.filter(kind__startswith="case_")] == [
        "case_linked",
        "case_linked",
        "case_unlinked",
    ]
    assert AuditEntry.objects.filter(action="notice.case_unlinked", actor_id=owner.pk).exists()


def test_removing_the_link_is_confirmed_first_and_the_question_changes_nothing(
    client, login_as, linked, police_contact
):
    url = reverse("notices:unlink_case", args=[linked.pk])
    login_as(client, police_contact)
    assert f'href="{url}"' in client.get(detail(linked)).content.decode()
    before = state()
    page = client.get(url)
    assert page.status_code == 200
    assert f'action="{url}"' in page.content.decode()
    assert state() == before


def test_a_user_with_two_memberships_changes_the_link_only_acting_for_the_linking_agency(
    client, login_as, linked, other_case, two_hats, police_agency, outsider_agency
):
    act_for(client, login_as, two_hats, outsider_agency)
    assert client.post(reverse("notices:unlink_case", args=[linked.pk])).status_code == 404
    linked.refresh_from_db()
    assert linked.case_id is not None

    act_for(client, login_as, two_hats, police_agency)
    assert client.post(reverse("notices:unlink_case", args=[linked.pk])).status_code == 302
    linked.refresh_from_db()
    assert linked.case_id is None
    assert AuditEntry.objects.get(action="notice.case_unlinked").agency_id == police_agency.pk


def test_linking_is_recorded_for_the_agency_the_user_acts_for(
    client, login_as, passed_on, police_on_team, two_hats, police_agency, outsider_agency
):
    # Acting for Nav Oslo, which the chain never reached: nothing to link.
    act_for(client, login_as, two_hats, outsider_agency)
    url = reverse("notices:link_case", args=[passed_on.pk])
    assert client.post(url, {"reference": police_on_team.reference}).status_code == 404
    passed_on.refresh_from_db()
    assert passed_on.case_id is None

    act_for(client, login_as, two_hats, police_agency)
    assert client.post(url, {"reference": police_on_team.reference}).status_code == 302
    passed_on.refresh_from_db()
    assert (passed_on.case, passed_on.case_linked_by_agency) == (police_on_team, police_agency)


@pytest.mark.parametrize("reference", ["2026-²", "²-00001", "0-00001", "99999-00001", "١-١"])
def test_a_malformed_reference_links_nothing_and_says_so(
    client, login_as, linked, police_contact, reference
):
    """Unicode digits and years no date holds (issue 18, item 1): the message for a case
    the user does not have, never a 500."""
    login_as(client, police_contact)
    before = state()

    response = client.post(
        reverse("notices:link_case", args=[linked.pk]), {"reference": reference}, follow=True
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "Du har ingen sak med det saksnummeret."
    ]
    assert state() == before
