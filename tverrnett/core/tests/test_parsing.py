"""The one strict parser for numbers, ids, years, dates and case references (issue 18,
item 1)."""

import datetime
import pathlib
import re

import pytest

from tverrnett.core.parsing import (
    ID_MAX,
    INT_MAX,
    parse_case_reference,
    parse_date,
    parse_id,
    parse_int,
    parse_year,
)

REFUSED_EVERYWHERE = [
    None,
    "",
    " ",
    "²",
    "١٢",
    "１２",  # fullwidth digits
    "-1",
    "+1",
    "1.0",
    "1e3",
    "0x10",
    "1_000",
    "\x00",
    "1\x00",
    "\ufffd",
    "9" * 30,
    True,
    1.0,
    [],
]


@pytest.mark.parametrize("value", REFUSED_EVERYWHERE)
def test_it_refuses_anything_but_ascii_digits_in_range(value):
    assert parse_int(value) is None
    assert parse_id(value) is None
    assert parse_year(value) is None
    assert parse_date(value) is None
    assert parse_case_reference(value) is None


def test_ids_run_from_1_to_the_largest_primary_key():
    assert parse_id("1") == 1
    assert parse_id(" 42 ") == 42
    assert parse_id("007") == 7
    assert parse_id(str(ID_MAX)) == ID_MAX
    assert parse_id(ID_MAX) == ID_MAX
    assert parse_id("0") is None
    assert parse_id(str(ID_MAX + 1)) is None
    assert parse_id(2**64) is None


def test_whole_numbers_stay_inside_the_integer_column():
    assert parse_int("0") == 0
    assert parse_int(str(INT_MAX)) == INT_MAX
    assert parse_int(str(INT_MAX + 1)) is None
    assert parse_int("5", minimum=6) is None


def test_years_and_dates_stay_where_dates_and_databases_work():
    assert parse_year("2026") == 2026
    assert parse_year("0") is None
    assert parse_year("99999") is None
    assert parse_date("2026-12-07") == datetime.date(2026, 12, 7)
    for value in [
        "0000-00-00",
        "99999-01-01",
        "0001-01-01",
        "2026-02-30",
        "2026-1-1",
        "07.12.2026",
    ]:
        assert parse_date(value) is None


def test_case_references_are_a_year_and_an_id():
    assert parse_case_reference("2026-00042") == (2026, 42)
    assert parse_case_reference(" 2026-42 ") == (2026, 42)
    for value in [
        "2026-²",
        "²-00001",
        "0-00001",
        "99999-00001",
        "2026-0",
        "2026",
        "42",
        "2026-1-2",
    ]:
        assert parse_case_reference(value) is None


def test_every_form_uses_the_multiple_choice_field_that_refuses_huge_ids():
    """Django's own ModelMultipleChoiceField sends `pk__in=[2**63]` to SQLite, which raises
    OverflowError: forms use tverrnett.core.parsing.ModelMultipleChoiceField."""
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "parsing.py"
        and re.search(r"forms\.ModelMultipleChoiceField\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
