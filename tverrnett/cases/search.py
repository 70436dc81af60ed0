"""Case search kept out of URLs and server logs (issue 16).

The search is sent as a POST. What was typed is kept in the user's session under a
random token, and only the token goes into the list's URL with the filters, sorting
and page, so paging and sorting work while the access log, the browser history and
the Referer header hold nothing a user typed.

A search for a national identity number is never kept at all: the POST finds the
cases (among those the user may see) and the session keeps their ids, so the number
is in the request body and nowhere else. It is audited without the number.
"""

import re
import secrets

from django.db import transaction
from django.utils.translation import gettext_noop
from stdnum.no import fodselsnummer

from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases import identity_encryption

actions.register(
    "case.identity_number_searched",
    gettext_noop("Searched the cases for a person by national identity number"),
)

SESSION_KEY = "case_searches"
# Searches kept per session: enough for a few tabs, the oldest go first. The session
# itself ends at logout and after SESSION_IDLE_TIMEOUT_MINUTES.
KEPT_SEARCHES = 10

# Digits, with the spaces, dots or hyphens people type between groups.
_NUMBER_LIKE = re.compile(r"^[\d\s.\u00a0-]+$")
_IDENTITY_NUMBER_LENGTH = 11


def identity_number_in(text):
    """The eleven digits when `text` is a number of an identity number's length (valid
    or not), else "". Such a search is a number search and never a text search."""
    if not _NUMBER_LIKE.match(text or ""):
        return ""
    digits = re.sub(r"\D", "", text)
    return digits if len(digits) == _IDENTITY_NUMBER_LENGTH else ""


def is_valid_identity_number(number):
    return fodselsnummer.is_valid(number)


def remember(session, search):
    """Keep `search` (a dict: {"q": text} or {"number": ...}) and return its token."""
    searches = dict(session.get(SESSION_KEY, {}))
    token = secrets.token_urlsafe(9)
    searches[token] = search
    while len(searches) > KEPT_SEARCHES:
        searches.pop(next(iter(searches)))
    session[SESSION_KEY] = searches
    return token


def recall(session, token):
    """The search kept under `token`, or None (unknown, expired, another session's)."""
    if not token:
        return None
    return session.get(SESSION_KEY, {}).get(token)


def search_by_identity_number(actor, visible, number, *, allowed, request=None):
    """Ids of the cases in `visible` (the user's visible cases) about the person with
    `number`, when `allowed` (policy.can_search_by_identity_number); none otherwise.

    Audited either way, in the same transaction: that a number search was made, whether
    it was available to the agency, and how many cases it found. Never the number.
    """
    with transaction.atomic():
        case_ids = []
        if allowed and is_valid_identity_number(number):
            case_ids = list(
                visible.filter(
                    subject__identity_number_hash__in=identity_encryption.hashes_to_match(number),
                    is_anonymous=False,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        record(
            "case.identity_number_searched",
            actor=actor,
            detail={"available": allowed, "results": len(case_ids)},
            request=request,
        )
    return case_ids
