"""A small network tree and people in it, for the announcement tests.

    national (PST)
      └ regional (Sør-Øst politidistrikt)
          ├ municipal (owner's agency, partner's agency)
          └ sibling municipal (outsider's agency)

The owner holds the municipal network's administrator role; the national
poster is a line manager at PST, a member agency of the national network.
"""

import pytest

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.announcements.services import publish_announcement
from tverrnett.networks.models import Network, NetworkLevel, NetworkMember, Role, RoleKind


@pytest.fixture
def tree(owner_agency, partner_agency, outsider_agency, make_agency, owner):
    national = Network.objects.create(name="Nasjonalt", level=NetworkLevel.NATIONAL)
    regional = Network.objects.create(
        name="Regionalt Sør-Øst", level=NetworkLevel.REGIONAL, parent=national
    )
    municipal = Network.objects.create(
        name="SLT Drammen", level=NetworkLevel.MUNICIPAL, parent=regional
    )
    sibling = Network.objects.create(
        name="SLT Kongsberg", level=NetworkLevel.MUNICIPAL, parent=regional
    )
    pst = make_agency("PST", AgencyType.PST, municipality=None, police_district=None)
    police = make_agency("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT, municipality=None)
    for network, agency in [
        (national, pst),
        (regional, police),
        (municipal, owner_agency),
        (municipal, partner_agency),
        (sibling, outsider_agency),
    ]:
        NetworkMember.objects.create(network=network, agency=agency)
    Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR, agency=owner_agency, network=municipal, holder=owner
    )
    return {
        "national": national,
        "regional": regional,
        "municipal": municipal,
        "sibling": sibling,
        "pst": pst,
        "police": police,
    }


@pytest.fixture
def national_poster(make_user, tree):
    return make_user("nasjonal", tree["pst"], MembershipRole.LINE_MANAGER, first_name="Nina")


@pytest.fixture
def post():
    def post(actor, network, title="Ny veileder", body="Første avsnitt.\n\nAndre avsnitt."):
        return publish_announcement(actor, network, kind="announcement", title=title, body=body)

    return post
