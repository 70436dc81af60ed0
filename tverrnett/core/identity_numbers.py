"""Finding national identity numbers in free text, so texts that must not identify
anyone (guidance requests, anonymous discussions) can refuse them (L18).

`RefusesIdentityNumbers` (a form mixin) and `refuse_identity_numbers_in(form)` are the
one guard forms use: they walk the form's fields and give every free-text field the
validator, so a field added later is guarded without being listed."""

import re

from django.core.exceptions import ValidationError
from django.forms import CharField
from django.utils.deconstruct import deconstructible
from stdnum.no import fodselsnummer

# Digits, possibly in groups split by single spaces or hyphens ("010190 12345").
_DIGIT_GROUPS = re.compile(r"\d+(?:[ \u00a0-]\d+)*")
_SEPARATOR = re.compile(r"[ \u00a0-]")
_IDENTITY_NUMBER_LENGTH = 11


def contains_identity_number(text):
    """True when `text` holds a valid fødselsnummer or D-number, with or without spaces.

    Every run of adjacent digit groups that adds up to exactly eleven digits is
    checked, so "15 år, 010190 12345" is caught as well as "01019012345". A
    longer unbroken number (an account number) is not an identity number.
    """
    for match in _DIGIT_GROUPS.finditer(text or ""):
        groups = _SEPARATOR.split(match.group())
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) >= _IDENTITY_NUMBER_LENGTH:
                    break
            if len(digits) == _IDENTITY_NUMBER_LENGTH and fodselsnummer.is_valid(digits):
                return True
    return False


def identity_number_message():
    """What a user sees when a text that must not identify anyone holds an identity number."""
    from django.utils.translation import gettext as _

    return _(
        "The text contains a national identity number or D-number, which does not belong "
        "here: remove it."
    )


@deconstructible
class IdentityNumberValidator:
    """Refuses a value that holds a national identity number (L18). `message` is a
    callable or a string; by default `identity_number_message`."""

    code = "identity_number"

    def __init__(self, message=None):
        self.message = message

    def __call__(self, value):
        if contains_identity_number(str(value)):
            message = self.message or identity_number_message
            raise ValidationError(message() if callable(message) else message, code=self.code)

    def __eq__(self, other):
        return isinstance(other, IdentityNumberValidator) and self.message == other.message


def free_text_fields(form):
    """Every field of `form` a user types text into: each CharField (text inputs,
    textareas, and their kinds such as e-mail), found by walking the form's fields so a
    field added later is covered without being listed anywhere."""
    return {name: field for name, field in form.fields.items() if isinstance(field, CharField)}


def refuse_identity_numbers_in(form, message=None):
    """Make every free-text field of this form instance refuse identity numbers.

    A form instance holds its own copies of the fields and their validator lists, so
    this changes neither the form class nor any other instance.
    """
    validator = IdentityNumberValidator(message)
    for field in free_text_fields(form).values():
        if validator not in field.validators:
            field.validators.append(validator)
    return form


class RefusesIdentityNumbers:
    """Form mixin for texts that must never hold an identity number (announcements,
    network mandates, forum names, event descriptions, anonymous discussions): every
    free-text field of the form refuses one."""

    identity_number_message = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        refuse_identity_numbers_in(self, self.identity_number_message)
