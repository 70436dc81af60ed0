"""The shared checks for implausible dates and phone numbers (issue 21, item 9)."""

import datetime

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tverrnett.core.validators import (
    not_before_1900,
    not_in_the_past,
    refuse_past_if_changed,
    validate_contact_phone,
    validate_phone,
)


def test_a_date_before_1900_is_refused():
    with pytest.raises(ValidationError) as refused:
        not_before_1900(datetime.date(1899, 12, 31))
    assert refused.value.code == "too_early"


@pytest.mark.parametrize("day", [datetime.date(1900, 1, 1), datetime.date(2026, 5, 17), None])
def test_a_date_from_1900_on_passes(day):
    not_before_1900(day)


def test_a_past_deadline_is_refused_and_today_passes():
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        not_in_the_past(today - datetime.timedelta(days=1))
    assert refused.value.code == "in_the_past"
    not_in_the_past(today)
    not_in_the_past(None)


class _Edit(forms.Form):
    review_on = forms.DateField(required=False)

    def clean_review_on(self):
        return refuse_past_if_changed(self, "review_on")


def test_an_old_date_kept_on_an_edit_form_passes_but_a_new_past_one_does_not():
    old = timezone.localdate() - datetime.timedelta(days=30)
    kept = _Edit({"review_on": old.isoformat()}, initial={"review_on": old})
    assert kept.is_valid()

    changed = _Edit(
        {"review_on": (old - datetime.timedelta(days=1)).isoformat()}, initial={"review_on": old}
    )
    assert not changed.is_valid()
    assert changed.errors["review_on"]


@pytest.mark.parametrize(
    "number",
    [
        "91234567",
        "912 34 567",
        "32 04 00 00",
        "+47 912 34 567",
        "+4791234567",
        "0047 91234567",
        "+46 8 123 456 78",
        "",
    ],
)
def test_phone_numbers_a_person_may_have(number):
    validate_phone(number)
    validate_contact_phone(number)


@pytest.mark.parametrize(
    "number",
    ["112", "113", "110", "02800", "116 111", "1412"],
)
def test_short_numbers_only_for_a_contact_point(number):
    validate_contact_phone(number)
    with pytest.raises(ValidationError):
        validate_phone(number)


@pytest.mark.parametrize(
    "number",
    [
        "1234567",  # seven digits
        "123456789",  # nine digits
        "01234567",  # a Norwegian number does not start with 0 or 1
        "+47 1234 5678",
        "+47 112",
        "9123-4567",
        "ring meg",
        "+1 23",
        "2",
        "９１２３４５６７",  # full-width digits
    ],
)
def test_clearly_wrong_numbers_are_refused(number):
    with pytest.raises(ValidationError) as refused:
        validate_contact_phone(number)
    assert refused.value.code == "invalid_phone"
    with pytest.raises(ValidationError):
        validate_phone(number)
