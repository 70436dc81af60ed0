"""Creating child networks and case forums, with the three actors. In the `tree`
fixture the owner administers SLT Drammen (municipal); here the owner also
administers the regional network, so it may create networks below it."""

import pytest
from django.urls import reverse

from tverrnett.access import policy
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import (
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleKind,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def regional_admin(tree, owner, owner_agency):
    return Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR,
        agency=owner_agency,
        network=tree["regional"],
        holder=owner,
    )


def _create_url(network):
    return reverse("networks:create_child", args=[network.pk])


def _forum_url(tree):
    return reverse("networks:forum_create", args=[tree["municipal"].pk])


def _forum_edit_url(forum):
    return reverse("networks:forum_edit", args=[forum.pk])


def _last_action():
    return AuditEntry.objects.order_by("id").last().action


# Child networks


def test_the_creator_administers_the_new_network(
    client, login_as, owner, owner_agency, tree, regional_admin
):
    login_as(client, owner)

    response = client.post(
        _create_url(tree["regional"]),
        {
            "name": "SLT Drammen og Lier",
            "level": NetworkLevel.INTERMUNICIPAL,
            "municipalities": [tree["drammen"].pk],
            "mandate": "Samarbeid over kommunegrensen.",
            "meeting_rhythm": "Hver måned",
        },
    )

    network = Network.objects.get(name="SLT Drammen og Lier")
    assert response["Location"] == reverse("networks:detail", args=[network.pk])
    assert (network.parent, network.level) == (tree["regional"], NetworkLevel.INTERMUNICIPAL)
    assert list(network.municipalities.all()) == [tree["drammen"]]
    member = NetworkMember.objects.get(network=network)
    assert (member.agency, member.confirmed_at) == (owner_agency, tree["today"])
    role = Role.objects.get(network=network, kind=RoleKind.NETWORK_ADMINISTRATOR)
    assert (role.agency, role.holder, role.deputy) == (owner_agency, owner, None)
    assert policy.administers_network(owner, network)
    assert _last_action() == "networks.network_created"
    assert client.get(reverse("networks:edit", args=[network.pk])).status_code == 200


def test_a_child_must_sit_below_the_parent(client, login_as, owner, tree, regional_admin):
    login_as(client, owner)

    form = client.get(_create_url(tree["regional"])).content.decode()
    response = client.post(
        _create_url(tree["regional"]), {"name": "Nytt nasjonalt", "level": NetworkLevel.REGIONAL}
    )

    assert 'value="regional"' not in form and 'value="municipal"' in form
    assert response.status_code == 200
    assert "level" in response.context["form"].errors
    assert not Network.objects.filter(name="Nytt nasjonalt").exists()


def test_the_name_must_be_unique(client, login_as, owner, tree, regional_admin):
    login_as(client, owner)

    response = client.post(
        _create_url(tree["regional"]), {"name": "slt oslo", "level": NetworkLevel.MUNICIPAL}
    )

    assert "name" in response.context["form"].errors
    assert Network.objects.filter(parent=tree["regional"]).count() == 2


def test_a_municipal_network_offers_no_child_link(client, login_as, owner, tree):
    login_as(client, owner)

    page = client.get(reverse("networks:detail", args=[tree["municipal"].pk])).content.decode()

    assert _create_url(tree["municipal"]) not in page
    assert _forum_url(tree) in page


def test_a_member_who_does_not_administer_gets_403(client, login_as, partner, tree):
    login_as(client, partner)
    data = {"name": "Kapret", "level": NetworkLevel.MUNICIPAL, "audience": "youth"}

    for url in (_create_url(tree["municipal"]), _forum_url(tree)):
        assert client.get(url).status_code == 403
        assert client.post(url, data).status_code == 403
    forum = Forum.objects.get(network=tree["municipal"])
    assert client.post(_forum_edit_url(forum), data).status_code == 403
    assert not Network.objects.filter(name="Kapret").exists()
    assert not Forum.objects.filter(name="Kapret").exists()


def test_the_outsider_gets_404(client, login_as, outsider, tree, regional_admin):
    login_as(client, outsider)
    data = {"name": "Kapret", "level": NetworkLevel.MUNICIPAL, "audience": "youth"}
    forum = Forum.objects.get(network=tree["municipal"])

    for url in (_create_url(tree["municipal"]), _forum_url(tree), _forum_edit_url(forum)):
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404
    # The regional network is visible to the outsider, but not administered by them.
    assert client.post(_create_url(tree["regional"]), data).status_code == 403


# Case forums


def test_the_administrator_creates_a_forum(
    client, login_as, owner, owner_agency, partner_agency, tree
):
    login_as(client, owner)

    response = client.post(
        _forum_url(tree),
        {
            "name": "Samarbeidsforum for voksne",
            "audience": ForumAudience.ADULTS,
            "meeting_rhythm": "Annenhver uke",
            "agencies": [owner_agency.pk, partner_agency.pk],
        },
    )

    assert response.status_code == 302
    forum = Forum.objects.get(name="Samarbeidsforum for voksne")
    assert (forum.network, forum.audience) == (tree["municipal"], ForumAudience.ADULTS)
    assert set(forum.agencies.all()) == {owner_agency, partner_agency}
    assert _last_action() == "networks.forum_saved"


def test_the_administrator_edits_a_forum(client, login_as, owner, owner_agency, tree):
    login_as(client, owner)
    forum = Forum.objects.get(network=tree["municipal"])

    form = client.get(_forum_edit_url(forum)).content.decode()
    response = client.post(
        _forum_edit_url(forum),
        {
            "version": forum.version,
            "name": forum.name,
            "audience": ForumAudience.BOTH,
            "agencies": [owner_agency.pk],
        },
    )

    assert 'value="Samarbeidsforum for unge"' in form
    assert response.status_code == 302
    forum.refresh_from_db()
    assert forum.audience == ForumAudience.BOTH
    assert list(forum.agencies.all()) == [owner_agency]
    assert _last_action() == "networks.forum_saved"


def test_a_forum_save_after_someone_elses_is_refused_and_keeps_theirs(
    client, login_as, owner, owner_agency, tree
):
    """Issue 18, item 2: two administrators opened the forum; the second save is refused."""
    login_as(client, owner)
    forum = Forum.objects.get(network=tree["municipal"])
    data = {
        "version": forum.version,
        "name": forum.name,
        "audience": ForumAudience.BOTH,
        "agencies": [owner_agency.pk],
        "meeting_rhythm": "Først.",
    }
    page = client.get(_forum_edit_url(forum)).content.decode()
    assert 'type="hidden" name="version" value="1"' in page
    client.post(_forum_edit_url(forum), data)

    response = client.post(_forum_edit_url(forum), {**data, "meeting_rhythm": "Sist."})

    assert response.status_code == 200
    assert "Noen andre har endret dette i mellomtiden" in response.content.decode()
    forum.refresh_from_db()
    assert (forum.meeting_rhythm, forum.version) == ("Først.", 2)


def test_forum_agencies_must_be_members(client, login_as, owner, outsider_agency, tree):
    login_as(client, owner)

    response = client.post(
        _forum_url(tree),
        {"name": "Med fremmed", "audience": ForumAudience.YOUTH, "agencies": [outsider_agency.pk]},
    )

    assert response.status_code == 200
    assert "agencies" in response.context["form"].errors
    assert not Forum.objects.filter(name="Med fremmed").exists()


def test_a_non_municipal_network_has_no_forums(client, login_as, owner, tree, regional_admin):
    login_as(client, owner)
    url = reverse("networks:forum_create", args=[tree["regional"].pk])

    page = client.get(reverse("networks:detail", args=[tree["regional"].pk])).content.decode()

    assert url not in page
    assert _create_url(tree["regional"]) in page
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Forum", "audience": "youth"}).status_code == 403
    assert not Forum.objects.filter(network=tree["regional"]).exists()


@pytest.mark.parametrize("agency", [2**63, 10**30])
def test_an_agency_id_beyond_the_primary_key_is_an_invalid_choice(
    client, login_as, owner, owner_agency, tree, agency
):
    """SQLite raised OverflowError on `pk__in=[2**63]` (issue 18, item 1)."""
    login_as(client, owner)

    response = client.post(
        _forum_url(tree),
        {"name": "Med stort tall", "audience": ForumAudience.YOUTH, "agencies": [agency]},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["agencies"] == [
        "Velg etater som er medlemmer av nettverket."
    ]
    assert not Forum.objects.filter(name="Med stort tall").exists()
