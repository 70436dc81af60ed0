"""Log review (etterkontroll av logg, L45): reading the agency's part of the audit log
for its privacy and security officer, marking entries reviewed, drawing the monthly
sample. Each function that changes something takes the acting user first (the worker
passes none), checks permission, changes data and writes the audit entry in one
transaction.

What is read: entries written by users acting for the agency (`AuditEntry.agency_id`),
of the actions in `rules.CANDIDATE_ACTIONS`, within a period of at most
`LOG_REVIEW["MAX_PERIOD_DAYS"]` (the audit table's index on agency and time keeps
that a range scan). A constant number of queries whatever the number of entries.
"""

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit import actions
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import record
from tverrnett.cases.models import BreakGlassAccess, ConcernCase, Task, TeamMember
from tverrnett.consent.models import Consent, ConsentStatus
from tverrnett.logreview import rules
from tverrnett.logreview.models import MonthlySample, Review, ReviewKind

for _name, _description in [
    ("logreview.viewed", gettext_noop("Opened the log review of an agency")),
    ("logreview.reviewed", gettext_noop("Marked a log entry as reviewed")),
    ("logreview.sample_drawn", gettext_noop("Drew the monthly sample of reads for log review")),
]:
    actions.register(_name, _description)

NOTE_MAX_LENGTH = 2000
_ENTRY_FIELDS = (
    "id",
    "created_at",
    "action",
    "actor_id",
    "actor_username",
    "agency_id",
    "target_type",
    "target_id",
    "detail",
)


def config():
    return rules.Settings.from_dict(settings.LOG_REVIEW)


# Periods ------------------------------------------------------------------------------


def default_period(today=None):
    """(first day, last day) of the default period: the last DEFAULT_PERIOD_DAYS days."""
    today = today or timezone.localdate()
    days = settings.LOG_REVIEW["DEFAULT_PERIOD_DAYS"]
    return today - datetime.timedelta(days=days - 1), today


def period_bounds(first_day, last_day):
    """The period's first and last day as aware datetimes [start, end) in Oslo time."""
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(first_day, datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(
        last_day + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return start, end


def month_bounds(month):
    """[first day of `month`, first day of the next month) as dates."""
    first = month.replace(day=1)
    following = (first + datetime.timedelta(days=32)).replace(day=1)
    return first, following


# Reading ------------------------------------------------------------------------------


@dataclass
class Item:
    """One log entry as the review page shows it."""

    entry: AuditEntry
    rules: list
    case: rules.CaseFacts | None
    role: str
    review: Review | None = None
    kind: str = ""  # set by `reviewable_item`: flagged or sample

    @property
    def rule_labels(self):
        return [rules.RULES[rule] for rule in self.rules]

    @property
    def action_label(self):
        try:
            return _(actions.get(self.entry.action).description)
        except actions.UnknownAction:
            return self.entry.action

    @property
    def exports(self):
        return [label for part, label in rules.EXPORT_PARTS.items() if part in self.parts]

    @property
    def parts(self):
        return rules.read_parts(self.entry)


def _entries(agency_id, start, end):
    return list(
        AuditEntry.objects.filter(
            agency_id=agency_id,
            created_at__gte=start,
            created_at__lt=end,
            action__in=sorted(rules.CANDIDATE_ACTIONS),
        )
        .only(*_ENTRY_FIELDS)
        .order_by("created_at", "id")
    )


def load_facts(agency, entries):
    """What the rules need besides the entries: five queries whatever their number."""
    facts = rules.Facts(area=rules.Area.of(agency))
    case_ids = {rules.case_id_of(entry) for entry in entries} - {None}
    if not case_ids:
        return facts
    for row in ConcernCase.objects.filter(pk__in=case_ids).values(
        "pk",
        "created_at",
        "municipality_id",
        "municipality__police_district_id",
        "municipality__rvts_region_id",
        "coordinator_role__agency_id",
    ):
        facts.cases[row["pk"]] = rules.CaseFacts(
            pk=row["pk"],
            reference=ConcernCase(pk=row["pk"], created_at=row["created_at"]).reference,
            municipality_id=row["municipality_id"],
            district_id=row["municipality__police_district_id"],
            region_id=row["municipality__rvts_region_id"],
            coordinator_agency_id=row["coordinator_role__agency_id"],
        )
    team = (
        TeamMember.objects.filter(agency=agency, case_id__in=case_ids).order_by().values("case_id")
    )
    tasks = (
        Task.objects.filter(owner_agency=agency, case_id__in=case_ids).order_by().values("case_id")
    )
    facts.related_case_ids = set(team.union(tasks).values_list("case_id", flat=True))
    for case_id, user_id, granted_at, expires_at in BreakGlassAccess.objects.filter(
        agency=agency, case_id__in=case_ids
    ).values_list("case_id", "user_id", "granted_at", "expires_at"):
        facts.break_glass.setdefault(case_id, []).append((user_id, granted_at, expires_at))
    for case_id, first_day, last_day, withdrawn_at in Consent.objects.filter(
        case_id__in=case_ids, recipients=agency, status=ConsentStatus.GIVEN
    ).values_list("case_id", "starts_on", "ends_on", "withdrawal__recorded_at"):
        facts.consents.setdefault(case_id, []).append((first_day, last_day, withdrawn_at))
    return facts


def _roles(agency_id, entries):
    """user id -> role label: the role the read entry names, else the user's membership
    in the agency (one query)."""
    # An active membership comes last, so it wins over an ended one.
    return dict(
        Membership.objects.filter(
            agency_id=agency_id, user_id__in={entry.actor_id for entry in entries} - {None}
        )
        .order_by("is_active", "pk")
        .values_list("user_id", "role")
    )


def _role_label(entry, memberships):
    role = (entry.detail or {}).get("role") or memberships.get(entry.actor_id, "")
    try:
        return MembershipRole(role).label
    except ValueError:
        return ""


def items(agency, start, end):
    """Every candidate entry of the agency in [start, end), oldest first, as Items with
    their rules and reviews."""
    entries = _entries(agency.pk, start, end)
    return _items(agency, entries, start, end)


def _items(agency, entries, start, end):
    facts = load_facts(agency, entries)
    flags = rules.flag(entries, facts, config())
    memberships = _roles(agency.pk, entries)
    reviews = {
        review.entry_id: review
        for review in Review.objects.filter(
            agency=agency, entry_created_at__gte=start, entry_created_at__lt=end
        ).select_related("reviewed_by")
    }
    return [
        Item(
            entry=entry,
            rules=flags[entry.pk],
            case=facts.cases.get(rules.case_id_of(entry)),
            role=_role_label(entry, memberships),
            review=reviews.get(entry.pk),
        )
        for entry in entries
    ]


def flagged(agency, start, end):
    return [item for item in items(agency, start, end) if item.rules]


def latest_sample(agency):
    """The agency's newest monthly sample and its entries as Items (five queries)."""
    sample = MonthlySample.objects.filter(agency=agency).order_by("-month").first()
    if sample is None:
        return None, []
    entries = list(
        AuditEntry.objects.filter(pk__in=sample.entry_ids, agency_id=agency.pk)
        .only(*_ENTRY_FIELDS)
        .order_by("created_at", "id")
    )
    cases = {}
    case_ids = {rules.case_id_of(entry) for entry in entries} - {None}
    for row in ConcernCase.objects.filter(pk__in=case_ids).values("pk", "created_at"):
        cases[row["pk"]] = ConcernCase(pk=row["pk"], created_at=row["created_at"]).reference
    memberships = _roles(agency.pk, entries)
    reviews = {
        review.entry_id: review
        for review in Review.objects.filter(
            agency=agency, entry_id__in=sample.entry_ids
        ).select_related("reviewed_by")
    }
    return sample, [
        Item(
            entry=entry,
            rules=[],
            case=_reference_only(rules.case_id_of(entry), cases),
            role=_role_label(entry, memberships),
            review=reviews.get(entry.pk),
        )
        for entry in entries
    ]


def _reference_only(case_id, references):
    if case_id not in references:
        return None
    return rules.CaseFacts(case_id, references[case_id], 0, None, None, 0)


def reviewable_item(agency, entry_id):
    """The entry with `entry_id` as an Item, if the agency's officer may review it: it
    is the agency's, and a rule flags it or it is in one of the agency's samples.
    Otherwise None. The rules are computed on the entries within MANY_CASES_MINUTES
    around it, so rule c sees every window the entry lies in."""
    entry = (
        AuditEntry.objects.filter(
            pk=entry_id, agency_id=agency.pk, action__in=sorted(rules.CANDIDATE_ACTIONS)
        )
        .only("id", "created_at")
        .first()
    )
    if entry is None:
        return None
    around = datetime.timedelta(minutes=settings.LOG_REVIEW["MANY_CASES_MINUTES"])
    start, end = entry.created_at - around, entry.created_at + around
    found = next((item for item in items(agency, start, end) if item.entry.pk == entry.pk), None)
    if found is None:
        return None
    if found.rules:
        found.kind = ReviewKind.FLAGGED
        return found
    # An entry drawn in a sample: the sample of its month holds its id.
    month = timezone.localdate(entry.created_at).replace(day=1)
    sample = MonthlySample.objects.filter(agency=agency, month=month).first()
    if sample is None or entry.pk not in sample.entry_ids:
        return None
    found.kind = ReviewKind.SAMPLE
    return found


def waiting_count(agency, today=None):
    """How many items wait for review: flagged entries of the default period and the
    newest sample's entries, not yet reviewed (for the digest; no other detail)."""
    start, end = period_bounds(*default_period(today))
    count = sum(1 for item in flagged(agency, start, end) if item.review is None)
    sample = MonthlySample.objects.filter(agency=agency).order_by("-month").first()
    if sample is not None and sample.entry_ids:
        reviewed = Review.objects.filter(agency=agency, entry_id__in=sample.entry_ids).count()
        count += len(sample.entry_ids) - reviewed
    return count


# Changing -----------------------------------------------------------------------------


def mark_reviewed(actor, agency, entry_id, *, note, request=None):
    """The privacy officer marks one flagged or sampled entry as reviewed. A flagged
    entry needs a note (what was found, or why the access was in order); for a sampled
    ordinary read the note may be empty. Audited with the entry id, kind and rules,
    never the note (free text)."""
    if agency is None or policy.reviews_log_of(actor) != agency.pk:
        raise PermissionDenied
    item = reviewable_item(agency, entry_id)
    if item is None:
        raise PermissionDenied
    note = (note or "").strip()
    if item.kind == ReviewKind.FLAGGED and not note:
        raise ValidationError(
            {
                "note": _(
                    "Write what you found, or why the access was in order, before you "
                    "mark it as reviewed."
                )
            }
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Shorten the note to at most %(max)s characters.")
                % {"max": NOTE_MAX_LENGTH}
            }
        )
    try:
        with transaction.atomic():
            review = Review.objects.create(
                agency=agency,
                entry_id=item.entry.pk,
                entry_created_at=item.entry.created_at,
                kind=item.kind,
                rules=item.rules,
                note=note,
                reviewed_by=actor,
            )
            record(
                "logreview.reviewed",
                actor=actor,
                agency=agency,
                target=review,
                detail={"entry": item.entry.pk, "kind": item.kind, "rules": item.rules},
                request=request,
            )
    except IntegrityError:
        raise ValidationError(
            _("Someone has already marked this entry as reviewed. Go back to the list.")
        ) from None
    return review


def record_page_read(actor, agency, *, detail, request=None):
    """The review page shows who read which case when: reading it is audited too."""
    from tverrnett.audit.services import record_read

    return record_read(
        "logreview.viewed", actor=actor, agency=agency, detail=detail, request=request
    )


# The monthly sample -------------------------------------------------------------------


def reviewing_agencies():
    """Active agencies with at least one active privacy officer."""
    from tverrnett.agencies.models import Agency

    return Agency.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(
            role=MembershipRole.PRIVACY_OFFICER, is_active=True, user__is_active=True
        ).values("agency_id"),
    ).select_related("municipality")


def draw_sample(agency, month, rng=None):
    """Draw `month`'s sample of the agency's ordinary reads (reads no rule flags), once:
    a second call, here or on another worker, finds the row and draws nothing. Returns
    the new MonthlySample, or None when it was drawn before."""
    first, following = month_bounds(month)
    if MonthlySample.objects.filter(agency=agency, month=first).exists():
        return None
    start, end = period_bounds(first, following - datetime.timedelta(days=1))
    ordinary = [
        item.entry.pk
        for item in items(agency, start, end)
        if not item.rules and item.entry.action == rules.CASE_READ and item.case is not None
    ]
    size = min(settings.LOG_REVIEW["SAMPLE_SIZE"], len(ordinary))
    chosen = sorted((rng or random.SystemRandom()).sample(ordinary, size))
    try:
        with transaction.atomic():
            sample = MonthlySample.objects.create(
                agency=agency, month=first, entry_ids=chosen, population=len(ordinary)
            )
            record(
                "logreview.sample_drawn",
                agency=agency,
                target=sample,
                detail={"month": f"{first:%Y-%m}", "size": size, "population": len(ordinary)},
            )
    except IntegrityError:
        return None  # another worker drew it meanwhile
    return sample
