"""Shared checks for what users type that is well-formed but implausible (issue 21,
item 9): dates before 1900, deadlines that have passed, and phone numbers that cannot
be dialled. Each is a Django validator (raises ValidationError with a Norwegian
message that says what to write instead), used on the form fields by name.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tverrnett.core.parsing import YEAR_MIN

EARLIEST_DATE = datetime.date(YEAR_MIN, 1, 1)


def not_before_1900(day):
    """For dates of something that happened (an observation, a birth, an agreement):
    a date before 1900 is a typing error, not a fact about a living case."""
    if day is not None and day < EARLIEST_DATE:
        raise ValidationError(
            _("The date is before %(year)s. Check the year, for example 2026-11-28."),
            code="too_early",
            params={"year": YEAR_MIN},
        )


def not_in_the_past(day):
    """For a deadline, a review date or a next contact being set: it must be today or
    later, or nobody will ever be reminded of it."""
    if day is not None and day < timezone.localdate():
        raise ValidationError(
            _("The date has passed. Choose today or a later date."), code="in_the_past"
        )


def refuse_past_if_changed(form, name):
    """`not_in_the_past` for a field of an edit form, applied only when the user changed
    the date: an old deadline that is kept does not block saving the rest of the form."""
    day = form.cleaned_data.get(name)
    if name in form.changed_data:
        not_in_the_past(day)
    return day


# Norwegian numbers have eight digits and start with 2-9 (Nkom's numbering plan:
# 4 and 9 mobile, 2, 3, 5, 6, 7 fixed, 8 service numbers). A leading +47 or 0047 is
# the country code. A contact point may also be a short number: 110, 112, 113 (three
# digits starting with 1), 1412 (four), 116 111 and the like (six starting with 116),
# and 02800 (five starting with 0).
_NORWEGIAN = re.compile(r"(?:\+47|0047)?[2-9][0-9]{7}", re.ASCII)
_SHORT = re.compile(r"1[0-9]{2,3}|116[0-9]{3}|0[0-9]{4}", re.ASCII)
# Another country: + and a country code other than 47, 8 to 15 digits in all (E.164).
_FOREIGN = re.compile(r"\+(?!47)[1-9][0-9]{7,14}", re.ASCII)


def _compact(value):
    return "".join(value.split())


def validate_phone(value):
    """A phone number of a person: eight digits with an optional +47 or 0047, spaces
    allowed, or a foreign number written with + and its country code."""
    compact = _compact(value or "")
    if compact and not (_NORWEGIAN.fullmatch(compact) or _FOREIGN.fullmatch(compact)):
        raise ValidationError(
            _(
                "Write a phone number with eight digits, for example 912 34 567 or "
                "+47 912 34 567. A foreign number starts with + and the country code."
            ),
            code="invalid_phone",
        )


def validate_contact_phone(value):
    """A phone number of a contact point (an agency, a role): as `validate_phone`, or a
    short number such as 112, 113 or 02800."""
    compact = _compact(value or "")
    if compact and not (
        _NORWEGIAN.fullmatch(compact) or _FOREIGN.fullmatch(compact) or _SHORT.fullmatch(compact)
    ):
        raise ValidationError(
            _(
                "Write a phone number with eight digits, for example 32 04 00 00 or "
                "+47 32 04 00 00, or a short number such as 112 or 02800."
            ),
            code="invalid_phone",
        )
