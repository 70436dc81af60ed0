"""The network list and the network page, with the three actors."""

import re

import pytest
from django.urls import reverse

from tverrnett.networks.models import Network, NetworkLevel, NetworkMember

pytestmark = pytest.mark.django_db


def without_tokens(response):
    """The page without what differs on every response: CSRF tokens, and its own
    address (the language switch returns there)."""
    return re.sub(rb'name="(csrfmiddlewaretoken|next)" value="[^"]*"', b"", response.content)


def _names(response):
    return [network.name for network in response.context["page"].object_list]


# The list


def test_it_lists_the_users_networks_and_those_above_them(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:list"))

    assert response.status_code == 200
    assert _names(response) == ["Nasjonalt nettverk", "Region Sør-Øst", "SLT Drammen"]
    assert b"SLT Oslo" not in response.content


def test_the_partner_sees_the_same_networks(client, login_as, partner, tree):
    login_as(client, partner)

    response = client.get(reverse("networks:list"))

    assert _names(response) == ["Nasjonalt nettverk", "Region Sør-Øst", "SLT Drammen"]


def test_the_outsider_sees_only_their_own_branch(client, login_as, outsider, tree):
    login_as(client, outsider)

    response = client.get(reverse("networks:list"))

    assert _names(response) == ["Nasjonalt nettverk", "Region Sør-Øst", "SLT Oslo"]
    assert b"SLT Drammen" not in response.content


def test_it_shows_level_parent_and_the_number_of_member_agencies(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:list"))

    drammen = next(n for n in response.context["page"].object_list if n.name == "SLT Drammen")
    assert drammen.agency_count == 2
    assert drammen.parent.name == "Region Sør-Øst"
    assert "Kommunalt" in response.content.decode()


def test_it_searches_by_name(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:list"), {"q": "drammen"})

    assert _names(response) == ["SLT Drammen"]


def test_it_filters_by_level(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:list"), {"level": NetworkLevel.REGIONAL})

    assert _names(response) == ["Region Sør-Øst"]


def test_it_sorts_by_level_and_name(client, login_as, owner, owner_agency, tree):
    extra = Network.objects.create(
        name="Asker og Bærum", level=NetworkLevel.INTERMUNICIPAL, parent=tree["regional"]
    )
    NetworkMember.objects.create(network=extra, agency=owner_agency)
    login_as(client, owner)

    by_level = client.get(reverse("networks:list"), {"sort": "level"})
    by_level_down = client.get(reverse("networks:list"), {"sort": "-level"})
    by_name_down = client.get(reverse("networks:list"), {"sort": "-name"})

    assert _names(by_level) == [
        "Nasjonalt nettverk",
        "Region Sør-Øst",
        "Asker og Bærum",
        "SLT Drammen",
    ]
    assert _names(by_level_down) == [
        "SLT Drammen",
        "Asker og Bærum",
        "Region Sør-Øst",
        "Nasjonalt nettverk",
    ]
    assert _names(by_name_down) == [
        "SLT Drammen",
        "Region Sør-Øst",
        "Nasjonalt nettverk",
        "Asker og Bærum",
    ]


def test_an_unknown_sort_or_level_is_ignored(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:list"), {"sort": "password", "level": "galactic"})

    assert response.status_code == 200
    assert _names(response) == ["Nasjonalt nettverk", "Region Sør-Øst", "SLT Drammen"]


def test_it_pages_and_keeps_the_search(client, login_as, owner, owner_agency, tree):
    for number in range(30):
        network = Network.objects.create(
            name=f"Testnettverk {number:02}", level=NetworkLevel.MUNICIPAL, parent=tree["regional"]
        )
        NetworkMember.objects.create(network=network, agency=owner_agency)
    login_as(client, owner)

    first = client.get(reverse("networks:list"), {"q": "Testnettverk"})
    second = client.get(reverse("networks:list"), {"q": "Testnettverk", "side": "2"})

    assert len(_names(first)) == 25
    assert _names(second) == [f"Testnettverk {n}" for n in range(25, 30)]
    assert "q=Testnettverk&amp;side=2" in first.content.decode()


def test_the_list_makes_the_same_few_queries_for_many_networks(
    client, login_as, owner, owner_agency, partner_agency, tree, django_assert_max_num_queries
):
    for number in range(20):
        network = Network.objects.create(
            name=f"Testnettverk {number:02}", level=NetworkLevel.MUNICIPAL, parent=tree["regional"]
        )
        NetworkMember.objects.create(network=network, agency=owner_agency)
        NetworkMember.objects.create(network=network, agency=partner_agency)
    login_as(client, owner)

    # Session, user, OTP device, membership (middleware, 4); visible networks (3);
    # count and page of networks (2); saving the sliding session (3).
    with django_assert_max_num_queries(8):
        response = client.get(reverse("networks:list"))

    assert len(_names(response)) == 23


def test_a_user_in_no_network_is_told_how_to_join(client, login_as, make_user, make_agency):
    agency = make_agency("Ensom etat")
    login_as(client, make_user("ensom", agency))

    response = client.get(reverse("networks:list"))

    assert response.status_code == 200
    assert _names(response) == []
    assert "ikke medlem av noe nettverk" in response.content.decode()


# One network


def test_it_shows_the_network_with_members_forums_and_roles(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Forebygger radikalisering i Drammen." in html
    assert "Første tirsdag i måneden" in html
    assert "Region Sør-Øst" in html  # the parent
    assert "Drammen" in html and "Sør-Øst" in html  # municipality and its police district
    assert "Nav Drammen" in html and "Paul" in html  # member agency with its named member
    assert tree["today"].strftime("%Y") in html  # last confirmed
    assert "Samarbeidsforum for unge" in html
    assert "32 04 00 00" in html and "slt@drammen.example" in html
    assert reverse("networks:role", args=[tree["slt"].pk]) in html
    assert reverse("networks:role", args=[tree["nav"].pk]) in html
    assert 'id="medlemmer"' in html


def test_the_partner_sees_the_network_but_not_the_health_link(client, login_as, partner, tree):
    login_as(client, partner)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert response.status_code == 200
    assert reverse("networks:health", args=[tree["municipal"].pk]) not in response.content.decode()


def test_the_administrator_gets_the_health_link(client, login_as, owner, tree):
    login_as(client, owner)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert reverse("networks:health", args=[tree["municipal"].pk]) in response.content.decode()


def test_the_outsider_gets_404_for_a_network_outside_their_branch(client, login_as, outsider, tree):
    login_as(client, outsider)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert response.status_code == 404


def test_a_network_that_does_not_exist_answers_the_same_404(client, login_as, outsider, tree):
    login_as(client, outsider)

    missing = client.get(reverse("networks:detail", args=[999_999]))
    hidden = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert missing.status_code == hidden.status_code == 404
    assert without_tokens(missing) == without_tokens(hidden)


def test_an_inactive_network_answers_404(client, login_as, owner, tree):
    Network.objects.filter(pk=tree["municipal"].pk).update(is_active=False)
    login_as(client, owner)

    response = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert response.status_code == 404


def test_child_networks_are_listed_only_when_visible(client, login_as, owner, outsider, tree):
    url = reverse("networks:detail", args=[tree["regional"].pk])

    seen_by_owner = login_as(client, owner).get(url).content.decode()
    client.logout()
    seen_by_outsider = login_as(client, outsider).get(url).content.decode()

    assert "SLT Drammen" in seen_by_owner and "SLT Oslo" not in seen_by_owner
    assert "SLT Oslo" in seen_by_outsider and "SLT Drammen" not in seen_by_outsider


def test_roles_of_a_network_above_are_shown_but_not_linked(client, login_as, owner, tree):
    # The owner sees the regional network only because it is above theirs.
    from tverrnett.networks.models import Role, RoleKind

    role = Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR,
        agency=tree["oslo_slt"].agency,
        network=tree["regional"],
        holder=tree["oslo_slt"].holder,
    )
    login_as(client, owner)

    response = client.get(reverse("networks:detail", args=[tree["regional"].pk]))

    html = response.content.decode()
    assert "Nav Oslo" in html
    assert reverse("networks:role", args=[role.pk]) not in html


def test_a_volunteer_sees_the_network_they_are_a_member_of(client, login_as, volunteer, tree):
    login_as(client, volunteer)

    listing = client.get(reverse("networks:list"))
    page = client.get(reverse("networks:detail", args=[tree["municipal"].pk]))

    assert _names(listing) == ["Nasjonalt nettverk", "Region Sør-Øst", "SLT Drammen"]
    assert page.status_code == 200
    assert "Idrettsklubben" in page.content.decode()


def test_the_network_page_makes_the_same_few_queries_for_many_rows(
    client, login_as, owner, make_agency, make_user, tree, django_assert_max_num_queries
):
    from tverrnett.networks.models import Forum, ForumAudience, Role, RoleKind

    municipal = tree["municipal"]
    for number in range(15):
        agency = make_agency(f"Etat {number:02}")
        person = make_user(f"person{number:02}", agency, with_device=False)
        NetworkMember.objects.create(network=municipal, agency=agency, person=person)
        Role.objects.create(
            kind=RoleKind.SCHOOL_CONTACT,
            agency=agency,
            municipality=tree["drammen"],
            holder=person,
        )
        forum = Forum.objects.create(
            network=municipal, name=f"Forum {number:02}", audience=ForumAudience.BOTH
        )
        forum.agencies.set([agency, tree["slt"].agency])
        Network.objects.create(
            name=f"Undernettverk {number:02}", level=NetworkLevel.MUNICIPAL, parent=tree["regional"]
        )
    login_as(client, owner)

    # Middleware (4); visible networks (3); network; roles; own memberships;
    # members; administrator; municipalities; children; forums and their
    # agencies (2) and meetings; who plans meetings; the RVTS centres (1); saving the
    # sliding session (3). None of them per row.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("networks:detail", args=[municipal.pk]))

    assert response.status_code == 200
    assert response.content.decode().count("Forum ") >= 15


def test_the_network_and_health_pages_say_rvts_can_help_and_name_the_centre(
    client, login_as, owner, tree
):
    # The seeds: RVTS can help establish networks. Drammen is served by RVTS Øst.
    login_as(client, owner)
    for name in ("networks:detail", "networks:health"):
        page = client.get(reverse(name, args=[tree["municipal"].pk])).content.decode()
        assert "data-rvts-help" in page, name
        assert "RVTS Øst" in page and 'href="tel:22586000"' in page, name
        assert 'href="mailto:post@rvtsost.no"' in page, name
