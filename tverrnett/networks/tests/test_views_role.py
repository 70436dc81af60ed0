"""The role page: who sees it, who may hand the role over, and the handover form."""

import pytest
from django.urls import reverse

from tverrnett.access import policy
from tverrnett.accounts.models import MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import Network, NetworkMember, Role
from tverrnett.networks.tests.test_views import without_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def successor(make_user, owner_agency):
    return make_user("etterfolger", owner_agency, first_name="Siv", last_name="Etter")


def _url(role):
    return reverse("networks:role", args=[role.pk])


def _post(client, role, **data):
    return client.post(
        _url(role),
        {"new_deputy": "keep", "reason": "Ny jobb", "version": role.version, **data},
    )


# Who sees the page


def test_the_holder_sees_the_role_with_its_contact_point_and_the_form(
    client, login_as, owner, tree
):
    login_as(client, owner)

    response = client.get(_url(tree["slt"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "32 04 00 00" in html and "slt@drammen.example" in html
    assert response.context["form"] is not None
    assert 'name="version"' in html


def test_a_network_member_in_another_agency_sees_the_page_without_the_form(
    client, login_as, partner, tree
):
    login_as(client, partner)

    response = client.get(_url(tree["slt"]))

    assert response.status_code == 200
    assert response.context["form"] is None
    assert 'name="new_holder"' not in response.content.decode()


def test_a_post_from_someone_who_may_not_hand_over_is_refused_with_403(
    client, login_as, partner, successor, tree
):
    login_as(client, partner)

    response = _post(client, tree["slt"], new_holder=successor.pk)

    assert response.status_code == 403
    assert Role.objects.get(pk=tree["slt"].pk).holder_id == tree["slt"].holder_id


def test_the_outsider_gets_404_and_cannot_post(client, login_as, outsider, successor, tree):
    login_as(client, outsider)

    seen = client.get(_url(tree["slt"]))
    posted = _post(client, tree["slt"], new_holder=successor.pk)

    assert seen.status_code == posted.status_code == 404
    assert Role.objects.get(pk=tree["slt"].pk).version == 1


def test_a_role_that_does_not_exist_answers_the_same_404(client, login_as, outsider, tree):
    login_as(client, outsider)

    missing = client.get(reverse("networks:role", args=[999_999]))
    hidden = client.get(_url(tree["slt"]))

    assert missing.status_code == hidden.status_code == 404
    assert without_tokens(missing) == without_tokens(hidden)


def test_can_see_role_for_members_of_the_agency_and_of_networks_the_role_covers(
    make_user, make_agency, owner, partner, outsider, owner_agency, tree
):
    colleague = make_user("kollega", owner_agency)
    assert policy.can_see_role(colleague, tree["slt"])  # same agency
    assert policy.can_see_role(partner, tree["slt"])  # network of its municipality
    assert policy.can_see_role(partner, tree["admin"])  # the network's own role
    assert not policy.can_see_role(outsider, tree["slt"])
    assert not policy.can_see_role(partner, tree["oslo_slt"])
    assert policy.can_see_role(outsider, tree["oslo_slt"])


def test_can_see_role_covers_networks_in_the_roles_police_district(
    make_user, make_agency, partner, outsider, tree
):
    police = make_agency("Sør-Øst politidistrikt")
    district_role = Role.objects.create(
        kind="police_radicalisation_contact",
        agency=police,
        police_district=tree["drammen"].police_district,
    )

    assert policy.can_see_role(partner, district_role)  # Drammen lies in Sør-Øst
    assert not policy.can_see_role(outsider, district_role)  # Oslo does not


def test_can_see_role_ignores_inactive_networks_and_ended_memberships(partner, tree):
    assert policy.can_see_role(partner, tree["slt"])

    Network.objects.filter(pk=tree["municipal"].pk).update(is_active=False)
    assert not policy.can_see_role(partner, tree["slt"])

    Network.objects.filter(pk=tree["municipal"].pk).update(is_active=True)
    partner.memberships.update(is_active=False)
    assert not policy.can_see_role(partner, tree["slt"])


def test_a_volunteer_member_of_the_network_sees_its_roles(client, login_as, volunteer, tree):
    login_as(client, volunteer)

    response = client.get(_url(tree["slt"]))

    assert response.status_code == 200
    assert response.context["form"] is None


# Handing over


def test_the_holder_hands_the_role_over_with_a_reason(client, login_as, owner, successor, tree):
    login_as(client, owner)

    response = _post(client, tree["slt"], new_holder=successor.pk, reason="Går over i ny stilling")

    assert response.status_code == 302
    assert response.url == _url(tree["slt"])
    role = Role.objects.get(pk=tree["slt"].pk)
    assert role.holder == successor
    assert role.version == 2
    assert AuditEntry.objects.filter(action="networks.role_handed_over").count() == 1

    page = client.get(response.url)
    html = page.content.decode()
    assert "overlevert til Siv Etter" in html  # the success message
    assert "Går over i ny stilling" in html  # the history
    assert "Eva" in html  # the previous holder, in the history


def test_the_handover_can_name_a_new_deputy(
    client, login_as, owner, successor, make_user, owner_agency, tree
):
    deputy = make_user("nestleder", owner_agency, first_name="Dina")
    login_as(client, owner)

    _post(client, tree["slt"], new_holder=successor.pk, new_deputy=deputy.pk)

    role = Role.objects.get(pk=tree["slt"].pk)
    assert (role.holder, role.deputy) == (successor, deputy)


def test_the_handover_can_remove_the_deputy(
    client, login_as, owner, successor, make_user, owner_agency, tree
):
    deputy = make_user("nestleder", owner_agency, first_name="Dina")
    Role.objects.filter(pk=tree["slt"].pk).update(deputy=deputy)
    login_as(client, owner)

    _post(client, tree["slt"], new_holder=successor.pk, new_deputy="none")

    role = Role.objects.get(pk=tree["slt"].pk)
    assert (role.holder, role.deputy) == (successor, None)


def test_a_manager_of_the_roles_agency_gets_the_form(
    client, login_as, make_user, owner_agency, successor, tree
):
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)
    login_as(client, manager)

    response = _post(client, tree["slt"], new_holder=successor.pk, reason="Omorganisering")

    assert response.status_code == 302
    assert Role.objects.get(pk=tree["slt"].pk).holder == successor


def test_the_reason_is_required(client, login_as, owner, successor, tree):
    login_as(client, owner)

    response = _post(client, tree["slt"], new_holder=successor.pk, reason="  ")

    assert response.status_code == 200
    assert "Skriv hvorfor rollen overleveres." in response.context["form"].errors["reason"]
    assert Role.objects.get(pk=tree["slt"].pk).holder_id == tree["slt"].holder_id


def test_only_people_at_the_roles_agency_can_be_chosen(client, login_as, owner, partner, tree):
    login_as(client, owner)

    response = _post(client, tree["slt"], new_holder=partner.pk)

    assert response.status_code == 200
    assert "new_holder" in response.context["form"].errors
    assert Role.objects.get(pk=tree["slt"].pk).holder == owner


def test_the_holder_and_deputy_must_differ_and_the_services_error_lands_on_the_field(
    client, login_as, owner, successor, tree
):
    login_as(client, owner)

    response = _post(client, tree["slt"], new_holder=successor.pk, new_deputy=successor.pk)

    assert response.status_code == 200
    assert response.context["form"].errors["new_deputy"] == [
        "Stedfortrederen må være en annen enn innehaveren."
    ]


def test_a_stale_form_shows_the_reload_message(
    client, login_as, make_user, owner_agency, successor, tree
):
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)
    other = make_user("annen", owner_agency, first_name="Ola")
    login_as(client, manager)
    _post(client, tree["slt"], new_holder=other.pk, reason="Første")

    response = client.post(
        _url(tree["slt"]),
        {"new_holder": successor.pk, "new_deputy": "keep", "reason": "Andre", "version": 1},
    )

    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("Last inn siden på nytt" in error for error in errors)
    assert Role.objects.get(pk=tree["slt"].pk).holder == other


def test_the_history_lists_handovers_newest_first(
    client, login_as, make_user, owner_agency, successor, tree
):
    manager = make_user("leder", owner_agency, MembershipRole.LINE_MANAGER)
    other = make_user("annen", owner_agency, first_name="Ola")
    login_as(client, manager)
    _post(client, tree["slt"], new_holder=other.pk, reason="Første overlevering")
    _post(client, tree["slt"], new_holder=successor.pk, reason="Andre overlevering", version=2)

    html = client.get(_url(tree["slt"])).content.decode()

    assert html.index("Andre overlevering") < html.index("Første overlevering")


def test_members_of_the_roles_agency_see_it_outside_any_network(client, login_as, partner, tree):
    NetworkMember.objects.filter(agency=tree["nav"].agency).delete()
    login_as(client, partner)

    response = client.get(_url(tree["nav"]))

    assert response.status_code == 200
    assert response.context["form"] is not None
