"""Undo a removal (issue 21 item 10): a team member and a resource in the person's own
network come back exactly as they were, for the user who removed them, acting for the
same agency, within UNDO_MINUTES; everyone else gets the 404 of a missing removal and
changes nothing.

Four actors: the owner (the coordinator's agency, who removes), the partner (Nav
Drammen, a team agency), the outsider (Nav Oslo) and `two_hats` (Nav Drammen and Nav
Bergen, acting for Nav Bergen).
"""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services, undo
from tverrnett.cases.models import Removal, Resource, TeamMember
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.cases.tests.test_acting_agency import act_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_member(case, owner, police_agency):
    return services.add_team_member(
        owner,
        case,
        agency=police_agency,
        contact_name="Politikontakten",
        contact_phone="22 00 00 00",
        contact_email="kontakt@politiet.example",
        asked_for="Råd om kontakt",
    )


@pytest.fixture
def unrelated_agency(make_agency):
    return make_agency(
        "Nav Bergen", AgencyType.NAV, municipality=("4601", "Bergen"), police_district="vest"
    )


@pytest.fixture
def two_hats(make_user, unrelated_agency, partner_agency):
    user = make_user("tohatter", unrelated_agency, MembershipRole.CASE_WORKER, first_name="To")
    Membership.objects.create(user=user, agency=partner_agency, role=MembershipRole.CASE_WORKER)
    return signed_in(user)


def _row(member):
    return {
        field.attname: getattr(member, field.attname) for field in TeamMember._meta.concrete_fields
    }


def _undone():
    return AuditEntry.objects.filter(action="case.removal_undone").count()


# Services ---------------------------------------------------------------------------


def test_a_removed_team_member_comes_back_exactly_as_it_was(case, owner, police_member):
    police_member.refresh_from_db()
    before = _row(police_member)
    removal = services.remove_team_member(owner, case, police_member)
    assert not case.team.filter(agency=police_member.agency).exists()
    restored = services.undo_remove_team_member(owner, case, removal)
    restored.refresh_from_db()
    assert _row(restored) == before
    removal.refresh_from_db()
    assert removal.undone_at is not None
    entry = AuditEntry.objects.filter(action="case.removal_undone").get()
    assert entry.detail["kind"] == "team_member"
    assert case.timeline.filter(kind="team_restored").exists()


def test_an_undo_is_refused_the_second_time(case, owner, police_member):
    removal = services.remove_team_member(owner, case, police_member)
    services.undo_remove_team_member(owner, case, removal)
    with pytest.raises(ValidationError):
        services.undo_remove_team_member(owner, case, removal)
    assert case.team.filter(agency=police_member.agency).count() == 1


def test_an_undo_is_refused_when_the_agency_was_added_again_meanwhile(
    case, owner, police_member, police_agency
):
    removal = services.remove_team_member(owner, case, police_member)
    again = services.add_team_member(owner, case, agency=police_agency, contact_name="Ny")
    with pytest.raises(ValidationError, match="lagt til i teamet igjen"):
        services.undo_remove_team_member(owner, case, removal)
    assert list(case.team.filter(agency=police_agency)) == [again]
    removal.refresh_from_db()
    assert removal.undone_at is None
    assert _undone() == 0


def test_an_undo_is_refused_when_another_agency_got_the_lead_meanwhile(case, owner, police_member):
    # A lead cannot be removed; a removal recorded with the lead (as before that rule)
    # must not take the lead from the agency that has it now.
    removal = services.remove_team_member(owner, case, police_member)
    removal.values = {**removal.values, "has_lead": True}
    removal.save()
    services.give_lead(owner, case, case.team.first())
    with pytest.raises(ValidationError, match="hovedansvaret"):
        services.undo_remove_team_member(owner, case, removal)
    assert not case.team.filter(agency=police_member.agency).exists()


def test_the_time_limit(case, owner, police_member, settings):
    settings.UNDO_MINUTES = 10
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        removal = services.remove_team_member(owner, case, police_member)
    with time_machine.travel(start + datetime.timedelta(minutes=9, seconds=59), tick=False):
        assert undo.offers(owner, case, [Removal.Kind.TEAM_MEMBER]) == [removal]
    with time_machine.travel(start + datetime.timedelta(minutes=10, seconds=1), tick=False):
        assert undo.offers(owner, case, [Removal.Kind.TEAM_MEMBER]) == []
        with pytest.raises(ValidationError, match="10 minutter"):
            services.undo_remove_team_member(owner, case, removal)
    assert not case.team.filter(agency=police_member.agency).exists()
    # The worker then forgets the removed values.
    assert undo.forget_expired(start + datetime.timedelta(minutes=11)) == 1
    assert not Removal.objects.filter(pk=removal.pk).exists()


@pytest.mark.parametrize("who", ["partner", "outsider", "two_hats"])
def test_someone_else_cannot_undo(case, owner, police_member, partner, request, who):
    services.add_team_member(
        owner, case, agency=partner.memberships.first().agency, contact_name="P"
    )
    removal = services.remove_team_member(owner, case, police_member)
    with pytest.raises(PermissionDenied):
        services.undo_remove_team_member(request.getfixturevalue(who), case, removal)
    removal.refresh_from_db()
    assert removal.undone_at is None
    assert not case.team.filter(agency=police_member.agency).exists()


def test_a_removed_resource_comes_back(case, owner):
    resource = services.add_resource(
        owner, case, name="Onkel", relation="family", how_they_help="Fotball", contact="Mobil"
    )
    values, pk = undo.snapshot(resource), resource.pk
    removal = services.remove_resource(owner, case, resource)
    assert not Resource.objects.filter(pk=pk).exists()
    services.undo_remove_resource(owner, case, removal)
    assert undo.snapshot(Resource.objects.get(pk=pk)) == values


def test_a_resource_removal_cannot_be_undone_as_a_team_member(case, owner):
    resource = services.add_resource(owner, case, name="Onkel", relation="family")
    removal = services.remove_resource(owner, case, resource)
    with pytest.raises(PermissionDenied):
        services.undo_remove_team_member(owner, case, removal)


# Views ------------------------------------------------------------------------------


def _remove(client, case, member):
    return client.post(reverse("cases:remove_team_member", args=[case.pk, member.pk]))


def test_the_case_page_offers_the_undo_and_it_works(client, login_as, case, owner, police_member):
    login_as(client, owner)
    response = _remove(client, case, police_member)
    assert response.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk]))
    removal = Removal.objects.get()
    undo_url = reverse("cases:undo_removal", args=[case.pk, removal.pk])
    assert undo_url in page.content.decode()
    assert "Sør-Øst politidistrikt" in page.content.decode()
    response = client.post(undo_url)
    assert response.status_code == 302
    assert case.team.filter(agency=police_member.agency, contact_name="Politikontakten").exists()
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert undo_url not in page.content.decode()


@pytest.mark.parametrize("who", ["partner", "outsider", "two_hats"])
def test_an_undo_by_someone_else_is_a_404_and_changes_nothing(
    client, login_as, case, owner, police_member, partner_agency, unrelated_agency, request, who
):
    services.add_team_member(owner, case, agency=partner_agency, contact_name="P")
    removal = services.remove_team_member(owner, case, police_member)
    actor = request.getfixturevalue(who)
    if who == "two_hats":
        act_for(client, login_as, actor, unrelated_agency)
    else:
        login_as(client, actor)
    entries = AuditEntry.objects.count()
    response = client.post(reverse("cases:undo_removal", args=[case.pk, removal.pk]))
    assert response.status_code == 404
    missing = client.post(reverse("cases:undo_removal", args=[case.pk, removal.pk + 999]))
    assert missing.status_code == 404
    assert not case.team.filter(agency=police_member.agency).exists()
    removal.refresh_from_db()
    assert removal.undone_at is None
    assert AuditEntry.objects.count() == entries


def test_the_same_user_acting_for_another_agency_cannot_undo(
    client, login_as, case, owner, police_member, unrelated_agency
):
    Membership.objects.create(user=owner, agency=unrelated_agency, role=MembershipRole.CASE_WORKER)
    login_as(client, owner)
    _remove(client, case, police_member)
    removal = Removal.objects.get()
    act_for(client, login_as, owner, unrelated_agency)
    response = client.post(reverse("cases:undo_removal", args=[case.pk, removal.pk]))
    assert response.status_code == 404
    assert not case.team.filter(agency=police_member.agency).exists()


def test_a_late_undo_says_why(client, login_as, case, owner, police_member):
    login_as(client, owner)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _remove(client, case, police_member)
    removal = Removal.objects.get()
    with time_machine.travel(start + datetime.timedelta(minutes=30), tick=False):
        login_as(client, owner)
        response = client.post(
            reverse("cases:undo_removal", args=[case.pk, removal.pk]), follow=True
        )
    assert "can no longer be undone" in response.content.decode() or "kan ikke lenger" in (
        response.content.decode()
    )
    assert not case.team.filter(agency=police_member.agency).exists()


def test_a_removed_resource_is_offered_and_undone(client, login_as, case, owner):
    login_as(client, owner)
    resource = services.add_resource(owner, case, name="Onkel Ole", relation="family")
    client.post(reverse("cases:remove_resource", args=[case.pk, resource.pk]))
    removal = Removal.objects.get()
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Onkel Ole" in page
    client.post(reverse("cases:undo_removal", args=[case.pk, removal.pk]))
    assert Resource.objects.filter(pk=removal.values["id"], name="Onkel Ole").exists()
