"""who_to_contact: the contacts for a need in a municipality."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings

from tverrnett.agencies.directory import Need, who_to_contact
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import Role, RoleKind

pytestmark = pytest.mark.django_db


def _by_key(directions):
    return {contact.slot.key: contact for contact in directions.contacts}


@pytest.mark.parametrize(
    ("municipality", "district"),
    [("Asker", "oslo"), ("Bærum", "oslo"), ("Lunner", "innlandet"), ("Jevnaker", "sor_ost")],
)
def test_it_answers_with_the_police_district_that_serves_the_municipality(
    reference_data, municipality, district
):
    directions = who_to_contact(resolve_municipality(municipality))

    assert directions.police_district.code == district


def test_it_answers_with_the_slt_coordinator_police_contact_and_rvts(drammen, contacts, owner):
    contacts_by_key = _by_key(who_to_contact(drammen))

    slt = contacts_by_key["slt"]
    assert slt.holder == owner
    assert slt.deputy.username == "nestleder"
    assert (slt.phone, slt.email) == ("32 04 00 00", "slt@drammen.example")
    police = contacts_by_key["police"]
    assert police.holder.username == "politi"
    assert police.agency == contacts["police"]
    assert (police.phone, police.email) == ("02800", "radikalisering@politiet.example")
    rvts = contacts_by_key["rvts"]
    assert rvts.rvts_region.code == "ost"
    assert rvts.agency == contacts["rvts"]
    assert (rvts.phone, rvts.email) == ("22 58 60 00", "post@rvtsost.example")


def test_it_lists_the_six_standard_contacts_in_order_when_no_need_is_given(drammen, contacts):
    keys = [contact.slot.key for contact in who_to_contact(drammen).contacts]

    assert keys == ["slt", "police", "rvts", "nav", "correctional", "conflict_council"]


def test_it_shows_a_missing_role_as_a_contact_without_a_holder(drammen, contacts):
    contacts_by_key = _by_key(who_to_contact(drammen))

    correctional = contacts_by_key["correctional"]
    assert correctional.role is None
    assert correctional.holder is None
    assert correctional.phone == correctional.email == ""


def test_a_holder_who_has_left_is_no_holder(drammen, contacts):
    nav = _by_key(who_to_contact(drammen))["nav"]

    assert nav.role == contacts["roles"]["nav"]
    assert nav.holder is None
    # Without a role contact point, the agency's own is used; Nav Drammen has none.
    assert nav.agency.name == "Nav Drammen"


@pytest.mark.parametrize(
    ("need", "first"),
    [
        (Need.GENERAL, ["slt"]),
        (Need.WORK, ["nav"]),
        (Need.HOUSING, ["nav"]),
        (Need.CHILD, ["child_welfare", "school"]),
        (Need.PRISON, ["correctional"]),
        (Need.RESTORATIVE, ["conflict_council"]),
        (Need.GUIDANCE, ["rvts"]),
        (Need.SECURITY, ["police", "pst"]),
    ],
)
def test_it_puts_the_contacts_for_the_need_first_and_marks_them(drammen, contacts, need, first):
    directions = who_to_contact(drammen, need)

    keys = [contact.slot.key for contact in directions.contacts]
    assert keys[: len(first)] == first
    assert [c.slot.key for c in directions.contacts if c.matches_need] == first
    # The six standard contacts are always there.
    assert {"slt", "police", "rvts", "nav", "correctional", "conflict_council"} <= set(keys)


def test_a_municipalitys_own_role_wins_over_the_police_districts(drammen, contacts, make_agency):
    district_nav = make_agency("Nav Sør-Øst", AgencyType.NAV, municipality=None)
    Role.objects.create(
        kind=RoleKind.NAV_CONTACT,
        agency=district_nav,
        police_district=drammen.police_district,
        email="district@nav.example",
    )

    nav = _by_key(who_to_contact(drammen))["nav"]

    assert nav.role == contacts["roles"]["nav"]


def test_a_district_role_covers_a_municipality_without_its_own(reference_data, contacts):
    kongsberg = resolve_municipality("Kongsberg")

    contacts_by_key = _by_key(who_to_contact(kongsberg))

    assert contacts_by_key["police"].holder.username == "politi"
    assert contacts_by_key["slt"].role is None


def test_it_ignores_roles_of_other_municipalities_and_districts(reference_data, contacts):
    oslo = _by_key(who_to_contact(resolve_municipality("Oslo")))

    assert oslo["slt"].role is None
    assert oslo["police"].role is None
    assert oslo["rvts"].agency == contacts["rvts"]  # Oslo is in RVTS Øst's region too


def test_it_ignores_inactive_agencies(drammen, contacts):
    Agency.objects.filter(pk=contacts["police"].pk).update(is_active=False)

    police = _by_key(who_to_contact(drammen))["police"]

    assert police.role is None
    assert police.agency is None


def test_it_takes_two_queries_whatever_the_size_of_the_data(
    drammen, contacts, make_agency, django_assert_num_queries
):
    for n in range(30):
        agency = make_agency(f"Skole {n}", AgencyType.SCHOOL)
        Role.objects.create(kind=RoleKind.SCHOOL_CONTACT, agency=agency, municipality=drammen)

    with django_assert_num_queries(2):
        directions = who_to_contact(drammen, Need.CHILD)
        shown = [
            (
                contact.holder,
                contact.deputy,
                contact.phone,
                contact.email,
                contact.agency and contact.agency.name,
                contact.role and contact.role.agency.name,
            )
            for contact in directions.contacts
        ]
        shown.append((directions.police_district.name, directions.rvts_region.name))


@override_settings(DEBUG=True)
def test_on_the_demo_data_drammen_gives_the_demo_slt_coordinator_police_contact_and_rvts():
    call_command("seed_demo", stdout=StringIO())

    contacts_by_key = _by_key(who_to_contact(resolve_municipality("Dramen")))

    assert contacts_by_key["slt"].holder.username == "slt.demo"
    assert contacts_by_key["police"].holder.username == "politi.demo"
    rvts = contacts_by_key["rvts"]
    # The demo's RVTS advisor works at RVTS Sør and covers the Sør-Øst police
    # district; the reference data puts Buskerud (33) in RVTS Øst's region.
    assert rvts.holder.username == "rvts.demo"
    assert rvts.role.agency.name == "RVTS Sør"
    assert rvts.rvts_region.name == "RVTS Øst"
    assert rvts.agency.name == "RVTS Øst"
