"""One strict parser for the numbers, ids, years, dates and case references that users
type or that arrive in query strings and forms (issue 18, item 1).

Every function returns None for anything it does not accept; views turn None into a
missing object (404), an empty result or a form error, never a 500. Only ASCII digits
count: "²" and "١٢" pass `str.isdigit()` but are not numbers here, and a number outside
what the database column holds is refused before it reaches a query (SQLite raises
OverflowError on an integer beyond 64 bits).
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

# Every primary key is a BigAutoField (settings.DEFAULT_AUTO_FIELD).
ID_MAX = 2**63 - 1
# IntegerField and PositiveIntegerField: the range every supported database stores.
INT_MAX = 2**31 - 1
# Years a user may name: wide enough for any date in the domain, narrow enough that a
# year lookup or date arithmetic (± a few years) stays inside Python's and the
# databases' date range.
YEAR_MIN = 1900
YEAR_MAX = 2999

_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
_REFERENCE = re.compile(r"([0-9]{4})-([0-9]{1,19})", re.ASCII)


def parse_int(value, *, minimum=0, maximum=INT_MAX):
    """The whole number `value` spells in ASCII digits (surrounding spaces allowed, no
    sign), if it lies in minimum..maximum; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip(" \t\r\n")):
        number = int(value.strip(" \t\r\n"))
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value):
    """A primary key (1..2^63-1), or None."""
    return parse_int(value, minimum=1, maximum=ID_MAX)


def parse_year(value):
    """A year in YEAR_MIN..YEAR_MAX, or None."""
    return parse_int(value, minimum=YEAR_MIN, maximum=YEAR_MAX)


def parse_date(value):
    """A date written YYYY-MM-DD with a year in YEAR_MIN..YEAR_MAX, or None."""
    match = _DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None or parse_year(match[1]) is None:
        return None
    try:
        return datetime.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_case_reference(value):
    """(year, id) from a case reference such as "2026-00042" (ConcernCase.reference),
    or None."""
    match = _REFERENCE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        return None
    year, number = parse_year(match[1]), parse_id(match[2])
    if year is None or number is None:
        return None
    return year, number


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing an id the primary key cannot hold as an invalid choice
    before it reaches the query (SQLite raises OverflowError on `pk__in=[2**63]`).
    Every form uses this one (tverrnett/core/tests/test_parsing.py checks)."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            try:
                values = frozenset(value)
            except TypeError:
                values = frozenset()  # Django's own check gives the error
            for pk in values:
                if parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)
