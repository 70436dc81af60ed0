import pytest
from django.core.exceptions import ValidationError

from tverrnett.networks.models import Forum, ForumAudience, Network, NetworkLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def national():
    return Network.objects.create(name="Nasjonalt nettverk", level=NetworkLevel.NATIONAL)


def test_a_network_hangs_below_a_network_on_a_higher_level(national):
    regional = Network(name="Region sør", level=NetworkLevel.REGIONAL, parent=national)
    regional.full_clean()
    regional.save()

    upside_down = Network(name="Feil vei", level=NetworkLevel.REGIONAL, parent=regional)
    with pytest.raises(ValidationError) as refused:
        upside_down.full_clean()
    assert "parent" in refused.value.message_dict


def test_a_national_network_has_no_parent(national):
    other = Network(name="Enda et", level=NetworkLevel.NATIONAL, parent=national)

    with pytest.raises(ValidationError):
        other.full_clean()


def test_case_forums_live_only_in_municipal_networks(national, owner_agency):
    municipal = Network.objects.create(
        name="Drammen SLT", level=NetworkLevel.MUNICIPAL, parent=national
    )
    forum = Forum.objects.create(
        network=municipal, name="Ungdomsforum", audience=ForumAudience.YOUTH
    )
    forum.agencies.add(owner_agency)
    forum.full_clean()

    misplaced = Forum(network=national, name="Feil", audience=ForumAudience.ADULTS)
    with pytest.raises(ValidationError):
        misplaced.full_clean()
