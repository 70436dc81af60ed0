"""Roles and agencies around Drammen for the directory tests.

Drammen (Sør-Øst police district, RVTS Øst region) has an SLT coordinator
with a deputy, a police contact for the whole district, and a NAV contact
whose holder has left; nobody covers the correctional service or the
conflict council.
"""

import pytest

from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.geography.models import RvtsRegion
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import Role, RoleKind


@pytest.fixture
def drammen(reference_data):
    return resolve_municipality("3301")


@pytest.fixture
def contacts(drammen, make_agency, make_user, owner, owner_agency, partner_agency):
    police = make_agency("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT, municipality=None)
    rvts = make_agency(
        "RVTS Øst",
        AgencyType.RVTS,
        municipality=None,
        police_district=None,
        rvts_region=RvtsRegion.objects.get(code="ost"),
        phone="22 58 60 00",
        email="post@rvtsost.example",
    )
    officer = make_user("politi", police, MembershipRole.POLICE_RADICALISATION_CONTACT)
    officer.first_name, officer.last_name = "Per", "Politi"
    officer.save()
    deputy = make_user("nestleder", owner_agency, MembershipRole.LINE_MANAGER, first_name="Dag")
    departed = make_user("sluttet", partner_agency, is_active=False, first_name="Stine")
    roles = {
        "slt": Role.objects.create(
            kind=RoleKind.SLT_COORDINATOR,
            agency=owner_agency,
            municipality=drammen,
            holder=owner,
            deputy=deputy,
            phone="32 04 00 00",
            email="slt@drammen.example",
        ),
        "police": Role.objects.create(
            kind=RoleKind.POLICE_RADICALISATION_CONTACT,
            agency=police,
            police_district=drammen.police_district,
            holder=officer,
            phone="02800",
            email="radikalisering@politiet.example",
        ),
        "nav": Role.objects.create(
            kind=RoleKind.NAV_CONTACT,
            agency=partner_agency,
            municipality=drammen,
            holder=departed,
        ),
    }
    return {"police": police, "rvts": rvts, "roles": roles}
