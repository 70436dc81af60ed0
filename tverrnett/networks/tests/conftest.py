"""A small network tree for the page tests.

National → regional Sør-Øst → municipal Drammen, whose members are the
owner's agency (SLT) and the partner's agency (Nav). The outsider's agency
(Nav Oslo) is a member of a municipal Oslo network that hangs below the same
regional network, so each side has a sibling it must not see.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import (
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleKind,
)


@pytest.fixture
def tree(reference_data, owner, partner, outsider, owner_agency, partner_agency, outsider_agency):
    today = timezone.localdate()
    drammen = resolve_municipality("3301")
    oslo = resolve_municipality("0301")
    national = Network.objects.create(name="Nasjonalt nettverk", level=NetworkLevel.NATIONAL)
    regional = Network.objects.create(
        name="Region Sør-Øst", level=NetworkLevel.REGIONAL, parent=national
    )
    municipal = Network.objects.create(
        name="SLT Drammen",
        level=NetworkLevel.MUNICIPAL,
        parent=regional,
        mandate="Forebygger radikalisering i Drammen.",
        meeting_rhythm="Første tirsdag i måneden",
    )
    municipal.municipalities.set([drammen])
    oslo_network = Network.objects.create(
        name="SLT Oslo", level=NetworkLevel.MUNICIPAL, parent=regional
    )
    oslo_network.municipalities.set([oslo])
    NetworkMember.objects.create(network=municipal, agency=owner_agency, confirmed_at=today)
    NetworkMember.objects.create(
        network=municipal, agency=partner_agency, person=partner, confirmed_at=today
    )
    NetworkMember.objects.create(network=oslo_network, agency=outsider_agency, confirmed_at=today)
    forum = Forum.objects.create(
        network=municipal, name="Samarbeidsforum for unge", audience=ForumAudience.YOUTH
    )
    forum.agencies.set([owner_agency, partner_agency])

    slt = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR,
        agency=owner_agency,
        municipality=drammen,
        holder=owner,
        phone="32 04 00 00",
        email="slt@drammen.example",
    )
    admin = Role.objects.create(
        kind=RoleKind.NETWORK_ADMINISTRATOR, agency=owner_agency, network=municipal, holder=owner
    )
    nav = Role.objects.create(
        kind=RoleKind.NAV_CONTACT,
        agency=partner_agency,
        municipality=drammen,
        holder=partner,
        email="nav@drammen.example",
    )
    oslo_slt = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=outsider_agency, municipality=oslo, holder=outsider
    )
    return {
        "today": today,
        "drammen": drammen,
        "national": national,
        "regional": regional,
        "municipal": municipal,
        "oslo_network": oslo_network,
        "slt": slt,
        "admin": admin,
        "nav": nav,
        "oslo_slt": oslo_slt,
        "long_ago": today - timedelta(days=400),
    }


@pytest.fixture
def volunteer(make_user, make_agency, tree):
    """A bridge builder in a voluntary organisation, a named member of the Drammen network."""
    club = make_agency("Idrettsklubben", AgencyType.VOLUNTARY_ORG)
    user = make_user("frivillig", club, MembershipRole.BRIDGE_BUILDER, first_name="Frida")
    NetworkMember.objects.create(
        network=tree["municipal"], agency=club, person=user, confirmed_at=tree["long_ago"]
    )
    return user
