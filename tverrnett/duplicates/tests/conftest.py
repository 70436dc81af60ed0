"""Duplicates, on the case fixtures: the owner (Drammen kommune – SLT) holds the SLT
coordinator role and has a case about Kari Nordmann, born 1990; the partner (Nav
Drammen) is in the same network but not on that case's team; the outsider (Nav Oslo)
is in no network here; `police_contact` holds the police district's role.
"""

import pytest

from tverrnett.cases.models import JournalEntry

# The star import brings the autouse `audit_chain_stays_whole` too.
from tverrnett.consent.tests.conftest import *  # noqa: F403  (the case and consent fixtures)
from tverrnett.networks.models import ForumAudience

KARI = {"name": "Kari Nordmann", "birth_year": 1990}


@pytest.fixture
def existing(register):
    """The owner's case about Kari: the partner cannot see it."""
    return register(person=dict(KARI), audience=ForumAudience.ADULTS)


@pytest.fixture
def partner_intake(register, partner, partner_agency):
    """The partner registers a concern about `person` (Kari unless told otherwise)."""

    def intake(person=None, **extra):
        return register(
            actor=partner,
            agency=partner_agency,
            person=dict(person or KARI),
            audience=ForumAudience.ADULTS,
            **extra,
        )

    return intake


def journal_texts(case):
    return set(JournalEntry.objects.filter(case=case).values_list("text", flat=True))
