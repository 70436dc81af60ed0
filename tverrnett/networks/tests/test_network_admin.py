"""Keeping a network up to date (N4): edit, members, confirmation and new roles,
with the three actors. In the `tree` fixture the owner administers SLT Drammen,
the partner's agency is a member (sees it, does not administer it), and the
outsider cannot see it at all."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tverrnett.audit.models import AuditEntry
from tverrnett.networks import demo, health
from tverrnett.networks.models import Network, NetworkMember, Role, RoleKind

pytestmark = pytest.mark.django_db


def _url(name, tree, *args):
    return reverse(f"networks:{name}", args=[tree["municipal"].pk, *args])


def _actions():
    return list(AuditEntry.objects.order_by("id").values_list("action", flat=True))


# Editing the mandate and meeting rhythm


def test_it_lets_the_administrator_edit_the_mandate_and_rhythm(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.post(
        _url("edit", tree),
        {"version": 1, "mandate": "Nytt mandat.", "meeting_rhythm": "Hver fredag"},
    )

    assert response.status_code == 302
    network = Network.objects.get(pk=tree["municipal"].pk)
    assert (network.mandate, network.meeting_rhythm) == ("Nytt mandat.", "Hver fredag")
    assert _actions()[-1] == "networks.network_updated"
    assert AuditEntry.objects.last().detail == {"changed": ["mandate", "meeting_rhythm"]}


def test_the_edit_form_shows_the_current_values(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(_url("edit", tree))

    assert response.status_code == 200
    assert "Forebygger radikalisering i Drammen." in response.content.decode()


@pytest.mark.parametrize("name", ["edit", "members", "role_create"])
def test_a_member_who_does_not_administer_gets_403(client, login_as, partner, tree, name):
    login_as(client, partner)

    assert client.get(_url(name, tree)).status_code == 403
    assert client.post(_url(name, tree), {"mandate": "Kapret"}).status_code == 403
    assert Network.objects.get(pk=tree["municipal"].pk).mandate != "Kapret"


@pytest.mark.parametrize("name", ["edit", "members", "role_create"])
def test_the_outsider_gets_404(client, login_as, outsider, tree, name):
    login_as(client, outsider)

    assert client.get(_url(name, tree)).status_code == 404
    assert client.post(_url(name, tree), {"mandate": "Kapret"}).status_code == 404


def test_a_deputy_administrator_may_edit(client, login_as, make_user, owner_agency, tree):
    deputy = make_user("nestleder", owner_agency)
    Role.objects.filter(pk=tree["admin"].pk).update(deputy=deputy)
    login_as(client, deputy)

    response = client.post(_url("edit", tree), {"version": 1, "mandate": "", "meeting_rhythm": ""})

    assert response.status_code == 302


# Adding and removing members


def test_it_adds_an_agency_with_a_named_person(
    client, login_as, owner, tree, make_agency, make_user
):
    police = make_agency("Sør-Øst politidistrikt")
    officer = make_user("politi", police, first_name="Per")
    login_as(client, owner)

    response = client.post(_url("members", tree), {"agency": police.pk, "person": officer.pk})

    assert response.status_code == 302
    row = NetworkMember.objects.get(network=tree["municipal"], agency=police)
    assert row.person == officer
    assert row.confirmed_at == tree["today"]
    assert _actions()[-1] == "networks.member_added"


def test_it_offers_only_active_agencies_that_are_not_members(
    client, login_as, owner, tree, make_agency, outsider_agency
):
    police = make_agency("Sør-Øst politidistrikt")
    make_agency("Nedlagt etat", is_active=False)
    login_as(client, owner)

    response = client.get(_url("members", tree))

    offered = set(response.context["form"].fields["agency"].queryset)
    assert offered == {police, outsider_agency}


def test_a_person_from_another_agency_is_refused(
    client, login_as, owner, partner, tree, make_agency
):
    police = make_agency("Sør-Øst politidistrikt")
    login_as(client, owner)

    response = client.post(_url("members", tree), {"agency": police.pk, "person": partner.pk})

    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert not NetworkMember.objects.filter(agency=police).exists()


def test_it_removes_a_member_row(client, login_as, owner, partner_agency, tree):
    row = NetworkMember.objects.get(network=tree["municipal"], agency=partner_agency)
    login_as(client, owner)

    response = client.post(_url("member_remove", tree, row.pk), follow=True)

    assert not NetworkMember.objects.filter(pk=row.pk).exists()
    assert "fjernet fra nettverket" in response.content.decode()
    assert _actions()[-1] == "networks.member_removed"


def test_removing_a_member_is_confirmed_first_and_the_question_changes_nothing(
    client, login_as, owner, partner, outsider, partner_agency, owner_agency, tree
):
    # Issue 21 item 10: the members page links to a confirmation; only its POST removes.
    row = NetworkMember.objects.get(network=tree["municipal"], agency=partner_agency)
    url = _url("member_remove", tree, row.pk)
    login_as(client, owner)
    members_page = client.get(_url("members", tree)).content.decode()
    assert f'href="{url}"' in members_page
    before = _actions()
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert partner_agency.name in text
    assert f'action="{url}"' in text and "data-confirm-removal" in text
    assert NetworkMember.objects.filter(pk=row.pk).exists()
    assert _actions() == before
    # Not an administrator (a member) and an outsider: no question either.
    own_row = NetworkMember.objects.get(network=tree["municipal"], agency=owner_agency)
    login_as(client, partner)
    assert client.get(_url("member_remove", tree, own_row.pk)).status_code in (403, 404)
    login_as(client, outsider)
    assert client.get(url).status_code == 404
    assert client.get(_url("member_remove", tree, 999999)).status_code == 404
    assert NetworkMember.objects.filter(pk__in=[row.pk, own_row.pk]).count() == 2
    assert _actions() == before


def test_removing_needs_the_administrator(client, login_as, partner, outsider, tree, owner_agency):
    row = NetworkMember.objects.get(network=tree["municipal"], agency=owner_agency)
    login_as(client, partner)
    assert client.post(_url("member_remove", tree, row.pk)).status_code == 403
    login_as(client, outsider)
    assert client.post(_url("member_remove", tree, row.pk)).status_code == 404
    assert NetworkMember.objects.filter(pk=row.pk).exists()


def test_a_row_of_another_network_is_not_found_through_this_one(
    client, login_as, owner, tree, outsider_agency
):
    other = NetworkMember.objects.get(network=tree["oslo_network"], agency=outsider_agency)
    login_as(client, owner)

    assert client.post(_url("member_remove", tree, other.pk)).status_code == 404
    assert client.post(_url("member_confirm", tree, other.pk)).status_code == 404


@pytest.mark.parametrize("extra", [0, 8])
def test_the_members_page_has_a_fixed_number_of_queries(
    client, login_as, owner, tree, make_agency, make_user, django_assert_num_queries, extra
):
    for number in range(extra):
        agency = make_agency(f"Etat {number}")
        person = make_user(f"person{number}", agency)
        NetworkMember.objects.create(network=tree["municipal"], agency=agency, person=person)
    login_as(client, owner)

    # The same bound with 2 and with 10 members: no query per row.
    with django_assert_num_queries(13):
        response = client.get(_url("members", tree))

    assert response.context["page"].paginator.count == 2 + extra


def test_the_members_page_searches(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(_url("members", tree), {"q": "nav"})

    assert [row.agency.name for row in response.context["page"]] == ["Nav Drammen"]


# Confirming a membership


def test_the_member_agency_confirms_its_own_membership(client, login_as, volunteer, tree):
    row = NetworkMember.objects.get(person=volunteer)
    login_as(client, volunteer)

    response = client.post(_url("member_confirm", tree, row.pk))

    assert response.status_code == 302
    assert response["Location"].endswith("#medlemmer")
    row.refresh_from_db()
    assert row.confirmed_at == tree["today"]
    assert _actions()[-1] == "networks.member_confirmed"


def test_the_administrator_confirms_any_membership(client, login_as, owner, volunteer, tree):
    row = NetworkMember.objects.get(person=volunteer)
    login_as(client, owner)

    client.post(_url("member_confirm", tree, row.pk))

    row.refresh_from_db()
    assert row.confirmed_at == tree["today"]


def test_another_member_may_not_confirm_someone_elses_membership(
    client, login_as, partner, outsider, volunteer, tree
):
    row = NetworkMember.objects.get(person=volunteer)
    login_as(client, partner)
    assert client.post(_url("member_confirm", tree, row.pk)).status_code == 403
    login_as(client, outsider)
    assert client.post(_url("member_confirm", tree, row.pk)).status_code == 404
    row.refresh_from_db()
    assert row.confirmed_at == tree["long_ago"]


def test_the_network_page_shows_confirm_buttons_only_where_allowed(
    client, login_as, partner, volunteer, tree
):
    login_as(client, partner)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    confirmable = {row.agency.name for row in response.context["members"] if row.may_confirm}
    assert confirmable == {"Nav Drammen"}


@override_settings(DEBUG=True)
def test_confirming_the_voluntary_org_on_the_demo_data_clears_its_health_finding(client, login_as):
    from django.contrib.auth import get_user_model

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    municipal = Network.objects.get(name=demo.MUNICIPAL)
    before = health.network_health(municipal)
    row = before.unconfirmed_members[0]
    login_as(client, get_user_model().objects.get(username="slt.demo"))

    client.post(reverse("networks:member_confirm", args=[municipal.pk, row.pk]))

    after = health.network_health(municipal)
    assert after.unconfirmed_members == []
    assert after.count == before.count - 1


# Creating a role


def test_it_creates_a_role_for_a_member_agency(client, login_as, owner, partner_agency, tree):
    login_as(client, owner)
    district = tree["drammen"].police_district

    response = client.post(
        _url("role_create", tree),
        {
            "kind": RoleKind.PST_CONTACT,
            "agency": partner_agency.pk,
            "scope": f"policedistrict-{district.pk}",
            "phone": "32 34 56 78",  # a Norwegian number begins with 2-9
            "email": "kontakt@nav.example",
        },
    )

    role = Role.objects.get(kind=RoleKind.PST_CONTACT)
    assert response["Location"] == reverse("networks:role", args=[role.pk])
    assert (role.agency, role.police_district, role.holder) == (partner_agency, district, None)
    assert role.email == "kontakt@nav.example"
    assert _actions()[-1] == "networks.role_created"


def test_a_role_for_the_network_itself(client, login_as, owner, owner_agency, tree):
    login_as(client, owner)

    client.post(
        _url("role_create", tree),
        {
            "kind": RoleKind.NETWORK_ADMINISTRATOR,
            "agency": owner_agency.pk,
            "scope": f"network-{tree['municipal'].pk}",
        },
    )

    assert Role.objects.filter(network=tree["municipal"]).count() == 2


def test_a_role_for_a_non_member_or_foreign_scope_is_refused(
    client, login_as, owner, outsider_agency, owner_agency, tree
):
    login_as(client, owner)

    response = client.post(
        _url("role_create", tree),
        {
            "kind": RoleKind.PST_CONTACT,
            "agency": outsider_agency.pk,
            "scope": f"network-{tree['oslo_network'].pk}",
        },
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"agency", "scope"}
    assert not Role.objects.filter(kind=RoleKind.PST_CONTACT).exists()


def test_a_save_after_someone_elses_is_refused_and_keeps_theirs(client, login_as, owner, tree):
    """Issue 18, item 2: two administrators opened the network; the second save is refused."""
    login_as(client, owner)
    data = {"version": 1, "mandate": "Først.", "meeting_rhythm": "Hver fredag"}
    page = client.get(_url("edit", tree)).content.decode()
    assert 'type="hidden" name="version" value="1"' in page
    client.post(_url("edit", tree), data)

    response = client.post(_url("edit", tree), {**data, "mandate": "Sist."})

    assert response.status_code == 200
    assert "Noen andre har endret dette i mellomtiden" in response.content.decode()
    network = Network.objects.get(pk=tree["municipal"].pk)
    assert (network.mandate, network.version) == ("Først.", 2)
