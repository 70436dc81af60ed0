from datetime import timedelta

import pytest
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.events.models import Event
from tverrnett.filestore.testing import use_file_storage
from tverrnett.networks.models import Network, NetworkLevel, NetworkMember


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Files on disk, in a directory of this test's own (tests of the database store:
    tverrnett/filestore/tests)."""
    use_file_storage(settings, "filesystem")
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def regional(db, owner_agency):
    """The organiser's (owner's) network."""
    network = Network.objects.create(name="Regionalt nettverk", level=NetworkLevel.REGIONAL)
    NetworkMember.objects.create(network=network, agency=owner_agency)
    return network


@pytest.fixture
def municipal(regional, partner_agency):
    """A network below the regional one; the partner is a member only here."""
    network = Network.objects.create(
        name="SLT-nettverket", level=NetworkLevel.MUNICIPAL, parent=regional
    )
    NetworkMember.objects.create(network=network, agency=partner_agency)
    return network


@pytest.fixture
def make_event(regional, municipal, owner):
    def make(title="Fagdag om forebygging", days=7, **fields):
        starts = timezone.now() + timedelta(days=days)
        values = {
            "network": regional,
            "organiser": owner.memberships.get().agency,
            "title": title,
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=6),
            "place": "Rådhuset",
            "created_by": owner,
            **fields,
        }
        return Event.objects.create(**values)

    return make


@pytest.fixture
def event(make_event):
    return make_event()


@pytest.fixture
def volunteer(make_agency, make_user, municipal):
    agency = make_agency("Idrettsklubben", AgencyType.VOLUNTARY_ORG)
    NetworkMember.objects.create(network=municipal, agency=agency)
    return make_user("frivillig", agency)
