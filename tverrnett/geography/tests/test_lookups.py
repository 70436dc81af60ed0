import pytest
from django.utils import translation

from tverrnett.geography.models import Municipality
from tverrnett.geography.services import (
    AmbiguousMunicipality,
    MunicipalityNotFound,
    police_district_for,
    resolve_municipality,
    rvts_region_for,
)

pytestmark = pytest.mark.usefixtures("reference_data")


# L54: the district does not follow the county for these.
@pytest.mark.parametrize(
    ("municipality", "district"),
    [
        ("Asker", "oslo"),
        ("Bærum", "oslo"),
        ("Lunner", "innlandet"),
        ("Jevnaker", "sor_ost"),
        ("Bindal", "trondelag"),
        ("Gratangen", "nordland"),
        ("Stord", "sor_vest"),
    ],
)
def test_it_finds_the_police_district_where_it_differs_from_the_county(municipality, district):
    assert police_district_for(municipality).code == district


def test_it_finds_the_police_district_of_a_municipality_object():
    oslo = Municipality.objects.get(number="0301")
    assert police_district_for(oslo).code == "oslo"


def test_it_resolves_a_viken_number_to_its_successor():
    baerum = resolve_municipality("3024")
    assert (baerum.number, baerum.name) == ("3201", "Bærum")
    assert police_district_for("3024").code == "oslo"


def test_it_resolves_a_troms_og_finnmark_number_to_its_successor():
    tromso = resolve_municipality("5401")
    assert (tromso.number, tromso.name) == ("5501", "Tromsø")
    assert police_district_for(Municipality.objects.get(number="5401")).code == "troms"


def test_it_finds_a_number_with_its_leading_zero():
    assert resolve_municipality(" 0301 ").name == "Oslo"


def test_it_refuses_a_number_without_four_digits():
    with translation.override("en"), pytest.raises(MunicipalityNotFound, match="four digits"):
        resolve_municipality("301")


def test_it_refuses_an_unknown_number():
    with pytest.raises(MunicipalityNotFound, match="9999"):
        resolve_municipality("9999")


def test_it_offers_both_parts_of_a_split_municipality():
    with pytest.raises(AmbiguousMunicipality) as raised:
        resolve_municipality("1507")
    assert [m.number for m in raised.value.candidates] == ["1508", "1580"]


# Numbers from before the 2020 reform (and Trøndelag's of 2018) lead to
# today's municipality, through every renumbering (SSB's change list).
@pytest.mark.parametrize(
    ("old", "current", "name"),
    [
        ("0533", "3234", "Lunner"),  # Oppland -> 3054 (2020, Viken) -> 3234 (2024, Akershus)
        ("1601", "5001", "Trondheim - Tråante"),  # Sør-Trøndelag -> Trøndelag (2018)
        # Klæbu -> 5030 (2018) -> merged into Trondheim (2020)
        ("1662", "5001", "Trondheim - Tråante"),
        ("0219", "3201", "Bærum"),
        ("1902", "5501", "Tromsø"),
        ("0301", "0301", "Oslo"),
    ],
)
def test_it_resolves_a_number_from_before_2020_to_the_current_municipality(old, current, name):
    municipality = resolve_municipality(old)
    assert (municipality.number, municipality.name) == (current, name)


def test_it_offers_the_parts_of_a_municipality_split_in_2020():
    with pytest.raises(AmbiguousMunicipality) as raised:
        resolve_municipality("1850")  # Tysfjord
    assert [m.number for m in raised.value.candidates] == ["1806", "1875"]


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("Bærum", "3201"),
        ("bærum", "3201"),
        ("Baerum", "3201"),
        ("Bearum", "3201"),
        ("Tromso", "5501"),
        ("TROMSØ", "5501"),
        ("Drammmen", "3301"),
    ],
)
def test_it_forgives_case_missing_norwegian_letters_and_small_typos(typed, number):
    assert resolve_municipality(typed).number == number


def test_it_finds_a_municipality_by_any_of_its_official_names():
    assert resolve_municipality("Gratangen").number == "5516"
    assert resolve_municipality("Rivtták").number == "5516"
    assert resolve_municipality("Kautokeino").number == "5612"
    assert resolve_municipality("Herøy (Nordland)").number == "1818"


def test_it_asks_which_one_when_two_municipalities_share_a_name():
    with pytest.raises(AmbiguousMunicipality) as raised:
        resolve_municipality("Herøy")
    assert [m.number for m in raised.value.candidates] == ["1515", "1818"]


def test_it_does_not_guess_a_name_that_is_far_from_every_municipality():
    with pytest.raises(MunicipalityNotFound, match="Atlantis"):
        resolve_municipality("Atlantis")


def test_it_shows_district_names_in_the_active_language():
    ost = police_district_for("Lillestrøm")
    sor_ost = police_district_for("Drammen")
    with translation.override("nn"):
        assert (str(ost), str(sor_ost)) == ("Aust", "Sør-Aust")
    with translation.override("nb"):
        assert (str(ost), str(sor_ost)) == ("Øst", "Sør-Øst")
    with translation.override("en"):
        assert ost.display_name == "Øst"


@pytest.mark.parametrize(
    ("municipality", "region"),
    [
        ("Oslo", "RVTS Øst"),
        ("Bergen", "RVTS Vest"),
        ("Trondheim", "RVTS Midt"),
        ("5401", "RVTS Nord"),
    ],
)
def test_it_finds_the_rvts_region(municipality, region):
    assert rvts_region_for(municipality).name == region


def test_it_gives_rvts_ost_the_national_guidance_contact():
    ost = rvts_region_for("0301")
    assert (ost.phone, ost.email) == ("22 58 60 00", "post@rvtsost.no")
