"""Dates and times in the interface's one style (issue 21 item 15), for text built in
Python: the active language's DATE_FORMAT and DATETIME_FORMAT (tverrnett/formats/), as
templates get them from the date filter."""

from django.utils import formats, timezone


def day(value):
    """'7. des. 2026' (a date, or a moment's local date)."""
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


def moment(value):
    """'7. des. 2026 kl. 07.15', in the local time zone."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
