import pytest

from tverrnett.access import policy
from tverrnett.networks.models import Network, NetworkLevel, NetworkMember, Role, RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(owner_agency, outsider_agency):
    national = Network.objects.create(name="Nasjonalt", level=NetworkLevel.NATIONAL)
    region = Network.objects.create(name="Sør", level=NetworkLevel.REGIONAL, parent=national)
    drammen = Network.objects.create(name="Drammen", level=NetworkLevel.MUNICIPAL, parent=region)
    oslo = Network.objects.create(name="Oslo", level=NetworkLevel.MUNICIPAL, parent=national)
    NetworkMember.objects.create(network=drammen, agency=owner_agency)
    NetworkMember.objects.create(network=oslo, agency=outsider_agency)
    return national, region, drammen, oslo


def test_a_member_sees_its_network_and_those_above_but_not_its_siblings(tree, owner):
    national, region, drammen, oslo = tree

    assert policy.visible_network_ids(owner) == {national.pk, region.pk, drammen.pk}
    assert policy.member_network_ids(owner) == {drammen.pk}


def test_a_user_of_an_agency_in_no_network_sees_none(partner):
    assert policy.visible_network_ids(partner) == set()


def test_an_ended_membership_hides_the_networks(tree, owner):
    owner.memberships.update(is_active=False)

    assert policy.visible_network_ids(owner) == set()


def test_only_the_holder_and_deputy_of_the_admin_role_administer(
    tree, owner, partner, owner_agency
):
    _, _, drammen, _ = tree
    Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR, agency=owner_agency, network=drammen, holder=owner
    )

    assert policy.administers_network(owner, drammen)
    assert not policy.administers_network(partner, drammen)
