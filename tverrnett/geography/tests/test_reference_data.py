"""The shipped data files, checked as loaded."""

import pytest
from django.db.models import Count

from tverrnett.geography.models import Municipality, PoliceDistrict, RvtsRegion

pytestmark = pytest.mark.usefixtures("reference_data")


def test_it_has_the_357_municipalities_of_2024_in_15_counties():
    current = Municipality.objects.filter(valid_to__isnull=True)
    assert current.count() == 357
    assert len({m.county_code for m in current}) == 15
    assert all(len(m.number) == 4 and m.number.isdigit() for m in Municipality.objects.all())


def test_it_gives_every_current_municipality_a_police_district_and_an_rvts_region():
    current = Municipality.objects.filter(valid_to__isnull=True)
    assert not current.filter(police_district__isnull=True).exists()
    assert not current.filter(rvts_region__isnull=True).exists()
    assert sum(d.municipalities.count() for d in PoliceDistrict.objects.all()) == 357
    assert sum(r.municipalities.count() for r in RvtsRegion.objects.all()) == 357


def test_it_leaves_historical_numbers_to_their_successors():
    historical = Municipality.objects.filter(valid_to__isnull=False)
    # 114 numbers of 2020-2023 and 364 retired before 2020 (SSB 2017-2019).
    assert historical.count() == 114 + 364
    assert not historical.filter(police_district__isnull=False).exists()
    for municipality in historical.annotate(parts=Count("split_into")):
        if municipality.successor is not None:
            assert municipality.successor.is_current
        else:
            # Ålesund (2 parts), Tysfjord (2) and Snillfjord (3).
            assert municipality.parts in (2, 3)
            assert all(part.is_current for part in municipality.split_into.all())


def test_it_has_the_twelve_police_districts_with_their_codes():
    assert set(PoliceDistrict.objects.values_list("code", flat=True)) == {
        "oslo",
        "ost",
        "innlandet",
        "sor_ost",
        "agder",
        "sor_vest",
        "vest",
        "more_og_romsdal",
        "trondelag",
        "nordland",
        "troms",
        "finnmark",
    }


def test_it_has_five_rvts_regions_covering_every_county_once():
    counties = [c for region in RvtsRegion.objects.all() for c in region.counties]
    assert RvtsRegion.objects.count() == 5
    assert len(counties) == len(set(counties)) == 15
