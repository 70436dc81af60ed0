"""What pages show about consent and sharing on a case: read-only helpers for views."""

import datetime

from django.conf import settings

from tverrnett.access import policy
from tverrnett.consent.models import (
    ConsentStatus,
    DisclosedItem,
    DisclosureFollowUp,
    DisclosureNotice,
    NoticeKind,
    SectorProfile,
)
from tverrnett.consent.services import consents_for, follow_ups_for


class SharedItems:
    """Journal items, read in slices, each slice told what was shared of it.

    Each item gets `is_own` (written by one of the reader's agencies),
    `received` (the disclosures that brought it to the reader's agencies) and
    `shared_with` (the disclosures of it the reader's agencies made). One extra
    query per slice, whatever its length. Works with Paginator.

    Given the `reader` (and the agency they act for), each slice is also passed
    through `policy.withhold_special_categories` (L34): what the reader may not
    read of an item tagged GDPR Art. 9 or 10 is withheld.
    """

    def __init__(self, entries, agency_ids, reader=None, acting_agency=None):
        self.entries = entries
        self.agency_ids = set(agency_ids)
        self.reader = reader
        self.acting_agency = acting_agency

    def count(self):
        return self.entries.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, key):
        items = list(self.entries[key]) if isinstance(key, slice) else [self.entries[key]]
        for item in items:
            item.is_own = item.agency_id in self.agency_ids
            item.received = []
            item.shared_with = []
        # Entries annotated `was_shared` (the case page's) ask only for those shared.
        by_id = {item.pk: item for item in items if getattr(item, "was_shared", True)}
        rows = DisclosedItem.objects.filter(entry_id__in=list(by_id)).select_related(
            "disclosure__sender_agency", "disclosure__recipient_agency", "disclosure__legal_basis"
        )
        for row in rows:
            item = by_id[row.entry_id]
            if item.is_own:
                item.shared_with.append(row.disclosure)
            elif row.disclosure.recipient_agency_id in self.agency_ids:
                item.received.append(row.disclosure)
        if self.reader is not None:
            policy.withhold_special_categories(self.reader, items, self.acting_agency)
        return items if isinstance(key, slice) else items[0]


def case_consent_summary(case, user, agency_ids, today):
    """For the case page (L14, L17): the consents by state, and what waits for the
    user's agencies (`agency_ids`: notices to acknowledge, follow-ups to complete)."""
    if case.is_anonymous:
        return None
    # A case from the case page says which of these it has (`case_consent_flags`): an
    # empty one costs no query.
    consents = list(consents_for(case)) if getattr(case, "has_consents", True) else []
    horizon = today + datetime.timedelta(days=settings.CONSENT_EXPIRY_WARNING_DAYS)
    notices = (
        list(
            _waiting_notices(case, agency_ids).select_related(
                "disclosure__sender_agency", "consent__withdrawal"
            )
        )
        if getattr(case, "has_notices", True)
        else []
    )
    # A withdrawal notice links to the first disclosure under that consent its agency may
    # still record an own basis for (L13), if any: one query, only when there is one.
    awaiting = {}
    if any(notice.kind == NoticeKind.CONSENT_WITHDRAWN for notice in notices):
        # `agency_ids`: the user's case-work agencies (the case page's access).
        memberships = (set(agency_ids), set())
        for pk, agency_id, consent_id in (
            policy.disclosures_awaiting_own_basis(user, case, agency_ids, memberships)
            .order_by("shared_at", "id")
            .values_list("pk", "recipient_agency_id", "consent_id")
        ):
            awaiting.setdefault((agency_id, consent_id), pk)
    for notice in notices:
        notice.own_basis_disclosure = awaiting.get((notice.recipient_agency_id, notice.consent_id))
    return {
        "valid": [consent for consent in consents if consent.is_valid_on(today)],
        "ending_soon": [
            consent
            for consent in consents
            if consent.is_valid_on(today) and consent.ends_on <= horizon
        ],
        "refused": [consent for consent in consents if consent.status == ConsentStatus.REFUSED],
        "prepared": [consent for consent in consents if consent.status == ConsentStatus.PREPARED],
        "total": len(consents),
        "notices": notices,
        "follow_ups": (
            list(
                _waiting_follow_ups(case, user, agency_ids).select_related(
                    "disclosure__recipient_agency"
                )
            )
            if getattr(case, "has_follow_ups", True)
            else []
        ),
    }


def _waiting_notices(case, agency_ids):
    """`case`: a case, or OuterRef("pk") for `case_consent_flags`."""
    return DisclosureNotice.objects.filter(
        case=case, recipient_agency_id__in=agency_ids, acknowledged_at__isnull=True
    )


def _waiting_follow_ups(case, user, agency_ids):
    return DisclosureFollowUp.objects.filter(
        follow_ups_for(user, agency_ids), case=case, done_at__isnull=True
    )


def case_consent_flags(user, agency_ids):
    """Annotations for the case page's own query of the case: whether it has consents,
    notices and follow-ups for `agency_ids` at all (`case_consent_summary` then skips the
    query of an empty one)."""
    from django.db.models import Exists, OuterRef

    from tverrnett.consent.models import Consent

    case = OuterRef("pk")
    return {
        "has_consents": Exists(Consent.objects.filter(case=case)),
        "has_notices": Exists(_waiting_notices(case, agency_ids)),
        "has_follow_ups": Exists(_waiting_follow_ups(case, user, agency_ids)),
    }


def consents_naming(case, agency_ids, day=None):
    """The case's consents valid on `day` that name one of `agency_ids`."""
    from django.utils import timezone

    return list(
        consents_for(case)
        .valid_on(day or timezone.localdate())
        .filter(recipients__in=agency_ids)
        .distinct()
    )


def confidential_person_fields(agency):
    """The person's fields an agency's sector marks as confidential (L04)."""
    if agency is None:
        return set()
    profile = SectorProfile.objects.filter(sector=agency.agency_type).first()
    return set(profile.confidential_person_fields) if profile else set()
