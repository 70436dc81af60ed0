"""Network health: the findings (health.py) and the page that shows them."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tverrnett.accounts.models import MembershipRole
from tverrnett.networks import demo, health
from tverrnett.networks.models import Network, NetworkMember, Role, RoleKind

pytestmark = pytest.mark.django_db


def _findings(result):
    """Each finding as (kind, a short label), for exact comparisons."""
    return {
        *(("no holder", role.kind) for role in result.roles_without_holder),
        *(("no deputy", role.kind) for role in result.roles_without_deputy),
        *(("no police contact", m.name) for m in result.municipalities_without_police_contact),
        *(("no SLT coordinator", m.name) for m in result.municipalities_without_slt_coordinator),
        *(("unconfirmed", row.agency.name) for row in result.unconfirmed_members),
    }


# The findings


def test_a_held_role_with_no_deputy_is_a_single_point_of_failure(tree):
    result = health.network_health(tree["municipal"])

    # The police district of Drammen has no radicalisation contact in this tree.
    assert _findings(result) == {
        ("no deputy", RoleKind.SLT_COORDINATOR),
        ("no deputy", RoleKind.NETWORK_ADMINISTRATOR),
        ("no deputy", RoleKind.NAV_CONTACT),
        ("no police contact", "Drammen"),
    }
    assert result.count == 4


def test_roles_of_other_municipalities_are_not_the_networks_concern(tree):
    roles = list(health.network_roles(tree["municipal"]))

    assert tree["oslo_slt"] not in roles
    assert {tree["slt"], tree["admin"], tree["nav"]} <= set(roles)


def test_a_role_nobody_holds_is_listed_once_as_without_holder(tree):
    Role.objects.filter(pk=tree["nav"].pk).update(holder=None)

    result = health.network_health(tree["municipal"])

    assert tree["nav"] in result.roles_without_holder
    assert tree["nav"] not in result.roles_without_deputy


def test_a_holder_whose_account_is_deactivated_counts_as_no_holder(tree, partner):
    partner.is_active = False
    partner.save()

    result = health.network_health(tree["municipal"])

    assert tree["nav"] in result.roles_without_holder


def test_a_deputy_whose_account_is_deactivated_counts_as_no_deputy(tree, make_user, owner_agency):
    deputy = make_user("nestleder", owner_agency, is_active=False)
    Role.objects.filter(pk=tree["slt"].pk).update(deputy=deputy)

    result = health.network_health(tree["municipal"])

    assert tree["slt"] in result.roles_without_deputy


def test_municipalities_without_an_slt_coordinator_or_police_contact(tree, make_agency):
    police = make_agency("Sør-Øst politidistrikt")
    contact = Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=police,
        police_district=tree["drammen"].police_district,
        holder=None,
    )
    Role.objects.filter(pk=tree["slt"].pk).update(holder=None)

    result = health.network_health(tree["municipal"])

    assert [m.name for m in result.municipalities_without_slt_coordinator] == ["Drammen"]
    assert [m.name for m in result.municipalities_without_police_contact] == ["Drammen"]
    assert contact in result.roles_without_holder

    Role.objects.filter(pk=contact.pk).update(holder=tree["oslo_slt"].holder)
    result = health.network_health(tree["municipal"])
    assert result.municipalities_without_police_contact == []


def test_members_not_confirmed_for_a_year_are_flagged(tree, partner_agency):
    municipal = tree["municipal"]
    today = tree["today"]
    NetworkMember.objects.filter(network=municipal, agency=partner_agency).update(
        confirmed_at=today - timedelta(days=366)
    )

    assert [m.agency for m in health.unconfirmed_members(municipal, today)] == [partner_agency]

    NetworkMember.objects.filter(network=municipal, agency=partner_agency).update(
        confirmed_at=today - timedelta(days=365)
    )
    assert health.unconfirmed_members(municipal, today) == []

    NetworkMember.objects.filter(network=municipal, agency=partner_agency).update(confirmed_at=None)
    assert [m.agency for m in health.unconfirmed_members(municipal, today)] == [partner_agency]


@override_settings(NETWORK_MEMBER_CONFIRMATION_DAYS=30)
def test_the_confirmation_period_is_a_setting(tree, partner_agency):
    NetworkMember.objects.filter(agency=partner_agency).update(
        confirmed_at=tree["today"] - timedelta(days=31)
    )

    assert len(health.unconfirmed_members(tree["municipal"], tree["today"])) == 1


def test_the_findings_take_a_fixed_number_of_queries(
    tree, make_agency, make_user, django_assert_num_queries
):
    for number in range(10):
        agency = make_agency(f"Etat {number}")
        NetworkMember.objects.create(network=tree["municipal"], agency=agency)
        Role.objects.create(
            kind=RoleKind.SCHOOL_CONTACT,
            agency=agency,
            municipality=tree["drammen"],
            holder=make_user(f"person{number}", agency, with_device=False),
        )

    with django_assert_num_queries(3):
        result = health.network_health(tree["municipal"])

    assert len(result.roles_without_deputy) == 13


@override_settings(DEBUG=True)
def test_on_the_demo_data_it_lists_exactly_the_deliberate_gaps():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    municipal = Network.objects.get(name=demo.MUNICIPAL)

    result = health.network_health(municipal)

    assert _findings(result) == {
        ("no deputy", RoleKind.SLT_COORDINATOR),
        ("no deputy", RoleKind.POLICE_RADICALISATION_CONTACT),
        ("no deputy", RoleKind.RVTS_ADVISOR),
        ("no deputy", RoleKind.CHILD_WELFARE_CONTACT),
        # PST's contact for the district (the notices demo): one person, no deputy.
        ("no deputy", RoleKind.PST_CONTACT),
        ("no holder", RoleKind.CORRECTIONAL_CONTACT),
        ("unconfirmed", "Fiktiv idrettsklubb (demo)"),
    }
    assert result.count == 7
    for network in Network.objects.exclude(pk=municipal.pk):
        assert health.network_health(network).count == 0, network


# The page


def test_the_administrator_sees_the_findings_each_with_a_link_to_the_fix(
    client, login_as, owner, tree
):
    NetworkMember.objects.filter(agency=tree["nav"].agency).update(confirmed_at=tree["long_ago"])
    login_as(client, owner)

    response = client.get(reverse("networks:health", args=[tree["municipal"].pk]))

    assert response.status_code == 200
    assert response.context["health"].count == 5
    html = response.content.decode()
    assert reverse("networks:role", args=[tree["slt"].pk]) in html
    assert reverse("networks:role", args=[tree["nav"].pk]) in html
    assert reverse("networks:detail", args=[tree["municipal"].pk]) + "#medlemmer" in html
    assert "Nav Drammen" in html


def test_the_deputy_administrator_sees_the_page(client, login_as, make_user, owner_agency, tree):
    deputy = make_user("nestleder", owner_agency, MembershipRole.LINE_MANAGER)
    Role.objects.filter(pk=tree["admin"].pk).update(deputy=deputy)
    login_as(client, deputy)

    response = client.get(reverse("networks:health", args=[tree["municipal"].pk]))

    assert response.status_code == 200


def test_a_network_member_who_is_not_administrator_gets_404(client, login_as, partner, tree):
    login_as(client, partner)

    response = client.get(reverse("networks:health", args=[tree["municipal"].pk]))

    assert response.status_code == 404


def test_the_outsider_gets_404(client, login_as, outsider, tree):
    login_as(client, outsider)

    response = client.get(reverse("networks:health", args=[tree["municipal"].pk]))

    assert response.status_code == 404


def test_a_healthy_network_says_so(
    client, login_as, owner, make_user, make_agency, owner_agency, tree
):
    helper = make_user("hjelper", owner_agency)
    Role.objects.filter(pk__in=[tree["slt"].pk, tree["admin"].pk]).update(deputy=helper)
    Role.objects.filter(pk=tree["nav"].pk).delete()
    police = make_agency("Sør-Øst politidistrikt")
    Role.objects.create(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT,
        agency=police,
        police_district=tree["drammen"].police_district,
        holder=make_user("politi", police),
        deputy=make_user("politi2", police),
    )
    login_as(client, owner)

    response = client.get(reverse("networks:health", args=[tree["municipal"].pk]))

    assert response.status_code == 200
    assert response.context["health"].count == 0
    assert "Ingen hull funnet" in response.content.decode()


def test_rvts_help_names_the_centres_of_the_networks_municipalities(
    tree, django_assert_num_queries
):
    from tverrnett.geography.services import resolve_municipality

    network = tree["municipal"]
    with django_assert_num_queries(1):
        found = health.rvts_help(network)
    assert [region.code for region in found.regions] == ["ost"]  # Drammen
    assert not found.refer_to_national

    # Bergen is served by RVTS Vest, which has no phone or e-mail in the
    # reference data: the page refers to RVTS Øst's national function.
    network.municipalities.set([resolve_municipality("Bergen")])
    found = health.rvts_help(network)
    assert [region.code for region in found.regions] == ["vest"]
    assert found.refer_to_national
    assert found.national.phone == "22 58 60 00"
