import pytest
from django.core.management import CommandError, call_command

from tverrnett.geography.loader import load_reference_data
from tverrnett.geography.models import Municipality, PoliceDistrict, RvtsRegion

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Municipality.objects.values().order_by("number")),
        list(
            Municipality.split_into.through.objects.values_list(
                "from_municipality", "to_municipality"
            ).order_by("pk")
        ),
        list(PoliceDistrict.objects.values().order_by("code")),
        list(RvtsRegion.objects.values().order_by("code")),
    )


def test_it_prints_what_it_loaded(capsys):
    call_command("load_reference_data")

    out = capsys.readouterr().out
    assert "Municipalities: 357 current, 478 historical (created 835, updated 0, removed 0)" in out
    assert "Police districts: 12 (created 12, updated 0, removed 0)" in out
    assert "RVTS regions: 5 (created 5, updated 0, removed 0)" in out


def test_it_changes_nothing_when_run_twice(capsys):
    call_command("load_reference_data")
    before = _snapshot()

    call_command("load_reference_data")

    assert _snapshot() == before
    second_run = capsys.readouterr().out.splitlines()[-3:]
    assert all("created 0, updated 0, removed 0" in line for line in second_run)


def test_it_updates_what_changed_in_the_files(data_copy):
    load_reference_data(data_copy.path)

    def rename_oslo(document):
        document["municipalities"][0]["name"] = "Oslo kommune"

    data_copy.edit("municipalities.json", rename_oslo)
    counts = load_reference_data(data_copy.path)

    assert (counts["municipalities"].updated, counts["municipalities"].created) == (1, 0)
    assert Municipality.objects.get(number="0301").name == "Oslo kommune"


def test_it_removes_a_number_that_left_the_files(data_copy):
    load_reference_data(data_copy.path)

    def drop_3024(document):
        document["municipalities"] = [
            m for m in document["municipalities"] if m["number"] != "3024"
        ]

    data_copy.edit("municipalities.json", drop_3024)
    counts = load_reference_data(data_copy.path)

    assert counts["municipalities"].removed == 1
    assert not Municipality.objects.filter(number="3024").exists()


def test_it_rejects_a_number_without_its_leading_zero_and_names_the_record(data_copy):
    def drop_zero(document):
        document["municipalities"][0]["number"] = "301"

    data_copy.edit("municipalities.json", drop_zero)

    with pytest.raises(CommandError) as raised:
        call_command("load_reference_data", data_dir=str(data_copy.path))

    message = str(raised.value)
    assert "municipalities.json: record 1" in message
    assert "'301'" in message and "four digits" in message
    assert not Municipality.objects.exists()


def test_it_rejects_a_municipality_left_out_of_every_police_district(data_copy):
    def forget_baerum(document):
        oslo = document["police_districts"][0]
        oslo["municipalities"].remove("3201")

    data_copy.edit("police_districts.json", forget_baerum)

    with pytest.raises(CommandError, match="in no police district: 3201"):
        call_command("load_reference_data", data_dir=str(data_copy.path))


def test_it_rejects_a_municipality_in_two_police_districts(data_copy):
    def stord_twice(document):
        document["police_districts"][6]["municipalities"].append("4614")

    data_copy.edit("police_districts.json", stord_twice)

    with pytest.raises(CommandError, match="4614 is also listed under sor_vest"):
        call_command("load_reference_data", data_dir=str(data_copy.path))


def test_it_rejects_a_successor_that_is_not_in_the_file(data_copy):
    def bad_successor(document):
        for record in document["municipalities"]:
            if record["number"] == "3024":
                record["successor"] = "3299"

    data_copy.edit("municipalities.json", bad_successor)

    with pytest.raises(CommandError, match="municipality 3024: successor 3299 is not in the file"):
        call_command("load_reference_data", data_dir=str(data_copy.path))


def test_it_rejects_a_county_no_rvts_region_serves(data_copy):
    def drop_nord(document):
        document["rvts_regions"] = [r for r in document["rvts_regions"] if r["code"] != "nord"]

    data_copy.edit("rvts_regions.json", drop_nord)

    with pytest.raises(CommandError, match="in no RVTS region: 1804"):
        call_command("load_reference_data", data_dir=str(data_copy.path))


def test_it_rejects_a_file_that_is_not_json_and_keeps_what_was_loaded(data_copy):
    load_reference_data(data_copy.path)
    before = _snapshot()
    (data_copy.path / "rvts_regions.json").write_text('{"source": "RVTS", ', encoding="utf-8")

    with pytest.raises(CommandError, match="rvts_regions.json: not valid JSON"):
        call_command("load_reference_data", data_dir=str(data_copy.path))

    assert _snapshot() == before


def test_it_rejects_a_folder_without_the_files(tmp_path):
    with pytest.raises(CommandError, match="municipalities.json: file not found"):
        call_command("load_reference_data", data_dir=str(tmp_path))
