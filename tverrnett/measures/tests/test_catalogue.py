"""The catalogue of measure types is data: loading it is idempotent, and a type that
leaves the file is kept, inactive."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import translation

from tverrnett.measures.catalogue import CATALOGUE_PATH, load_measure_types
from tverrnett.measures.models import MeasureType

pytestmark = pytest.mark.django_db

ASKED_FOR = {
    "help",
    "treatment",
    "counselling",
    "crime_prevention",
    "work_education_nav",
    "housing",
    "income",
    "family_support",
    "volunteer_mentor",
    "conflict_council",
    "leisure_belonging",
}


def _shipped():
    return json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))


def _write(tmp_path, data):
    path = tmp_path / "types.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _rows():
    return list(
        MeasureType.objects.order_by("code").values_list(
            "code", "name_nb", "name_en", "group", "is_active", "position"
        )
    )


def test_the_shipped_catalogue_loads_every_type_asked_for():
    version = load_measure_types()

    assert version == _shipped()["catalogue_version"]
    codes = set(MeasureType.objects.values_list("code", flat=True))
    assert ASKED_FOR <= codes
    assert MeasureType.objects.filter(is_active=True).count() == len(codes)
    assert list(MeasureType.objects.values_list("code", flat=True))[:3] == [
        "help",
        "treatment",
        "counselling",
    ]


def test_a_type_shows_its_name_in_the_active_language():
    load_measure_types()
    housing = MeasureType.objects.get(code="housing")

    with translation.override("nb"):
        assert housing.name == "Bolig"
    with translation.override("en"):
        assert housing.name == "Housing"
        assert housing.description.startswith("Help to find or keep")


def test_loading_again_changes_nothing():
    load_measure_types()
    before = _rows()

    load_measure_types()

    assert _rows() == before


def test_a_type_removed_from_the_file_is_set_inactive_not_deleted(tmp_path, case, add):
    measure = add(case, "housing", goal="Egen leilighet borte fra miljøet.")
    data = _shipped()
    data["types"] = [row for row in data["types"] if row["code"] != "housing"]

    load_measure_types(_write(tmp_path, data))

    housing = MeasureType.objects.get(code="housing")
    assert housing.is_active is False
    assert MeasureType.objects.filter(is_active=True).count() == len(data["types"])
    measure.refresh_from_db()
    assert measure.measure_type == housing

    # Back in the file: active again.
    load_measure_types()
    housing.refresh_from_db()
    assert housing.is_active is True


def test_a_changed_name_and_order_are_updated_by_code(tmp_path):
    load_measure_types()
    data = _shipped()
    data["types"].reverse()
    data["types"][0]["name"]["nb"] = "Fritid, idrett og tilhørighet"

    load_measure_types(_write(tmp_path, data))

    first = MeasureType.objects.first()
    assert first.code == "leisure_belonging"
    assert first.name_nb == "Fritid, idrett og tilhørighet"
    assert MeasureType.objects.count() == len(data["types"])


@pytest.mark.parametrize(
    "breakage",
    [
        lambda row: row.update(group="astrology"),
        lambda row: row.pop("description"),
        lambda row: row.update(name={"nb": "Bolig"}),
        lambda row: row.update(name={"nb": "", "en": "Housing"}),
    ],
)
def test_a_malformed_file_loads_nothing(tmp_path, breakage):
    data = _shipped()
    breakage(data["types"][5])

    with pytest.raises(ValidationError):
        load_measure_types(_write(tmp_path, data))

    assert not MeasureType.objects.exists()


def test_a_code_listed_twice_is_refused(tmp_path):
    data = _shipped()
    data["types"].append(dict(data["types"][0]))

    with pytest.raises(ValidationError):
        load_measure_types(_write(tmp_path, data))


def test_the_command_loads_and_reports(tmp_path):
    out = StringIO()
    call_command("load_measure_types", stdout=out)

    assert f"{len(_shipped()['types'])} active, 0 inactive" in out.getvalue()

    broken = _write(tmp_path, {"catalogue_version": "x", "types": [{"code": "x"}]})
    with pytest.raises(CommandError, match="not loaded"):
        call_command("load_measure_types", "--file", str(broken))
