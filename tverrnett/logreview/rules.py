"""The rules that flag a log entry for the privacy officer's review (L45).

Pure functions over entries already loaded and the facts `services.load_facts` read
for them: no queries here, so each rule is tested on its own and the page's query
count does not grow with the number of entries.

Which entries the rules look at (`CANDIDATE_ACTIONS`): reads of a case, reveals and
searches of identity numbers, access reports and break-glass. A read no rule flags is
an ordinary read: the monthly sample is drawn from those.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CASE_READ = "case.viewed"
# The printed case summary (cases.summary): a read of the case that leaves Tverrnett.
SUMMARY_PRINTED = "case.summary_printed"
IDENTITY_ACTIONS = frozenset({"case.identity_number_revealed", "case.identity_number_searched"})
ACCESS_REPORT_ACTIONS = frozenset({"consent.access_report"})
BREAK_GLASS_ACTIONS = frozenset({"case.break_glass", "case.break_glass_attempted"})
CANDIDATE_ACTIONS = frozenset(
    {CASE_READ, SUMMARY_PRINTED, *IDENTITY_ACTIONS, *ACCESS_REPORT_ACTIONS, *BREAK_GLASS_ACTIONS}
)
CASE_TARGET = "cases.concerncase"

# Read-entry parts (`cases.services.record_case_read`) that mean a file left Tverrnett:
# the individual plan's PDF, the consent declaration's PDF, the signed declaration.
EXPORT_PARTS = {
    "pdf": _("Individual plan as PDF"),
    "declaration": _("Consent declaration as PDF"),
    "signed_declaration": _("Signed consent declaration (file)"),
}
# The person's access report page and its files (JSON, PDF) write the same read part.
ACCESS_REPORT_PARTS = frozenset({"access_report"})

OUTSIDE_AREA = "outside_area"
OUTSIDE_HOURS = "outside_hours"
MANY_CASES = "many_cases"
NO_RELATION = "no_relation"
IDENTITY_NUMBER = "identity_number"
ACCESS_REPORT = "access_report"
EXPORT = "export"
BREAK_GLASS = "break_glass"

RULES = {
    OUTSIDE_AREA: _("Case outside own municipality or police district"),
    OUTSIDE_HOURS: _("Outside working hours"),
    MANY_CASES: _("Many cases in a short time"),
    NO_RELATION: _("Agency has no part in the case"),
    IDENTITY_NUMBER: _("National identity number shown or searched"),
    ACCESS_REPORT: _("Access report"),
    EXPORT: _("Export or download"),
    BREAK_GLASS: _("Break-glass access"),
}


@dataclass(frozen=True)
class Area:
    """Where an agency works: its municipality, its police districts (its own and its
    municipality's), its RVTS region. An agency with none of them (national, such as
    PST) has no area, and rule a flags nothing of it."""

    municipality_id: int | None
    district_ids: frozenset
    region_id: int | None

    @classmethod
    def of(cls, agency):
        municipality = agency.municipality
        districts = {agency.police_district_id}
        if municipality is not None:
            districts.add(municipality.police_district_id)
        return cls(
            municipality_id=agency.municipality_id,
            district_ids=frozenset(districts - {None}),
            region_id=agency.rvts_region_id,
        )

    @property
    def is_known(self):
        return bool(self.municipality_id or self.district_ids or self.region_id)

    def covers(self, case):
        if case.municipality_id == self.municipality_id:
            return True
        if case.district_id is not None and case.district_id in self.district_ids:
            return True
        # A regional agency (RVTS) with neither municipality nor district works in its region.
        return (
            not self.municipality_id
            and not self.district_ids
            and self.region_id is not None
            and case.region_id == self.region_id
        )


@dataclass(frozen=True)
class CaseFacts:
    pk: int
    reference: str
    municipality_id: int
    district_id: int | None
    region_id: int | None
    coordinator_agency_id: int


@dataclass
class Facts:
    """What the rules need to know besides the entries, for one agency: its area, the
    cases read, the cases where the agency is on the team, coordinates or owns a task
    (today's state: a case's team history is not kept), its users' break-glass accesses
    (case -> [(user id, granted, expires)]) and the consents naming it (case ->
    [(first day, last day, withdrawn at or None)])."""

    area: Area
    cases: dict = field(default_factory=dict)
    related_case_ids: set = field(default_factory=set)
    break_glass: dict = field(default_factory=dict)
    consents: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    work_start_hour: int
    work_end_hour: int
    work_days: tuple
    many_cases: int
    many_cases_minutes: int

    @classmethod
    def from_dict(cls, values):
        return cls(
            work_start_hour=values["WORK_START_HOUR"],
            work_end_hour=values["WORK_END_HOUR"],
            work_days=tuple(values["WORK_DAYS"]),
            many_cases=values["MANY_CASES"],
            many_cases_minutes=values["MANY_CASES_MINUTES"],
        )


def case_id_of(entry):
    """The case an entry is about, or None."""
    if entry.target_type != CASE_TARGET or not entry.target_id.isdigit():
        return None
    return int(entry.target_id)


def read_parts(entry):
    parts = (entry.detail or {}).get("parts") if entry.action == CASE_READ else None
    return set(parts) if isinstance(parts, list) else set()


def outside_hours(moment, config):
    """Rule b: not on a working day between the start and end hours, Oslo time."""
    local = timezone.localtime(moment)
    if local.weekday() not in config.work_days:
        return True
    return not (config.work_start_hour <= local.hour < config.work_end_hour)


def outside_area(case, area):
    """Rule a: the case's municipality lies outside the agency's municipality and police
    district (or, for an agency with only a region, its RVTS region)."""
    return case is not None and area.is_known and not area.covers(case)


def has_relation(entry, case, facts):
    """Rule d, inverted: the acting agency is on the team, is the coordinator role's
    agency or owns a task on the case; or the reading user held break-glass access to it
    for that agency at the time; or a consent naming the agency (a voluntary
    organisation's way in) was valid that day and not yet withdrawn."""
    if case.pk in facts.related_case_ids or case.coordinator_agency_id == entry.agency_id:
        return True
    for user_id, granted_at, expires_at in facts.break_glass.get(case.pk, ()):
        if user_id == entry.actor_id and granted_at <= entry.created_at <= expires_at:
            return True
    day = timezone.localdate(entry.created_at)
    for first_day, last_day, withdrawn_at in facts.consents.get(case.pk, ()):
        if first_day <= day <= last_day and (
            withdrawn_at is None or entry.created_at < withdrawn_at
        ):
            return True
    return False


def many_cases(reads, config):
    """Rule c: ids of the reads that lie in a window of `many_cases_minutes` in which
    one user read at least `many_cases` different cases. `reads` are case reads."""
    window = datetime.timedelta(minutes=config.many_cases_minutes)
    by_actor = defaultdict(list)
    for entry in reads:
        by_actor[entry.actor_id].append(entry)
    flagged = set()
    for entries in by_actor.values():
        entries.sort(key=lambda entry: (entry.created_at, entry.pk))
        counts = Counter()
        start = 0
        flagged_up_to = -1  # index of the last read already flagged
        for end, entry in enumerate(entries):
            counts[case_id_of(entry)] += 1
            while entry.created_at - entries[start].created_at > window:
                first = case_id_of(entries[start])
                counts[first] -= 1
                if not counts[first]:
                    del counts[first]
                start += 1
            if len(counts) >= config.many_cases:
                for index in range(max(start, flagged_up_to + 1), end + 1):
                    flagged.add(entries[index].pk)
                flagged_up_to = end
    return flagged


def flag(entries, facts, config):
    """{entry id: [rule, ...]} for every entry in `entries` (candidates of one agency);
    an entry no rule flags has an empty list."""
    reads = [e for e in entries if e.action == CASE_READ and case_id_of(e) is not None]
    busy = many_cases(reads, config)
    flags = {}
    for entry in entries:
        rules = []
        case = facts.cases.get(case_id_of(entry))
        is_read = entry.action == CASE_READ
        parts = read_parts(entry)
        if is_read and outside_area(case, facts.area):
            rules.append(OUTSIDE_AREA)
        if outside_hours(entry.created_at, config):
            rules.append(OUTSIDE_HOURS)
        if entry.pk in busy:
            rules.append(MANY_CASES)
        if is_read and case is not None and not has_relation(entry, case, facts):
            rules.append(NO_RELATION)
        if entry.action in IDENTITY_ACTIONS:
            rules.append(IDENTITY_NUMBER)
        if entry.action in ACCESS_REPORT_ACTIONS or parts & ACCESS_REPORT_PARTS:
            rules.append(ACCESS_REPORT)
        if parts & EXPORT_PARTS.keys() or entry.action == SUMMARY_PRINTED:
            rules.append(EXPORT)
        if entry.action in BREAK_GLASS_ACTIONS:
            rules.append(BREAK_GLASS)
        flags[entry.pk] = rules
    return flags
