"""Finding national identity numbers in free text, so texts that must not identify
anyone (guidance requests, anonymous discussions) can refuse them (L18)."""

import re

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
