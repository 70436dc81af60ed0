"""The rules a–g (and break-glass) on a scripted log, and a quiet log that flags nothing."""

import datetime

import pytest

from conftest import municipality_row, police_district_row
from tverrnett.cases.models import BreakGlassAccess, ConcernCase, Task, TeamMember
from tverrnett.logreview import rules, services
from tverrnett.logreview.tests.conftest import TUESDAY, at

pytestmark = pytest.mark.django_db

WEDNESDAY = TUESDAY + datetime.timedelta(days=1)


def flags_of(agency, first=TUESDAY, last=WEDNESDAY):
    start, end = services.period_bounds(first, last)
    return {item.entry.pk: item.rules for item in services.items(agency, start, end)}


def not_the_owners(case, police_role):
    """Make `case` one the owner's agency has no part in: the police coordinate it and
    the owner's agency is off the team."""
    TeamMember.objects.filter(case=case).delete()
    ConcernCase.objects.filter(pk=case.pk).update(coordinator_role=police_role)
    return case


@pytest.fixture
def oslo_case(register):
    """On the owner's team, but in Oslo (another municipality and police district)."""
    case = register(person={"name": "Oline Oslo", "birth_year": 2008})
    oslo = municipality_row("0301", "Oslo", district=police_district_row("oslo"))
    ConcernCase.objects.filter(pk=case.pk).update(municipality=oslo)
    return case


@pytest.fixture
def foreign_case(register, police_role):
    return not_the_owners(
        register(person={"name": "Frank Fremmed", "birth_year": 2007}), police_role
    )


def test_each_rule_flags_its_entry(
    read,
    log,
    owner,
    colleague,
    owner_agency,
    case,
    oslo_case,
    foreign_case,
    register,
    police_role,
):
    others = [register(person={"name": f"Person {n}", "birth_year": 2000 + n}) for n in range(3)]
    task_case = not_the_owners(
        register(person={"name": "Tor Task", "birth_year": 2006}), police_role
    )
    Task.objects.create(
        case=task_case,
        title="Ring skolen",
        owner_agency=owner_agency,
        deadline=TUESDAY,
        created_by=owner,
    )
    glass_case = not_the_owners(
        register(person={"name": "Glenn Glass", "birth_year": 2005}), police_role
    )
    BreakGlassAccess.objects.create(
        case=glass_case,
        user=colleague,
        agency=owner_agency,
        reason="Akutt",
        granted_at=at(TUESDAY, 9, 55),
        expires_at=at(TUESDAY, 10, 55),
    )

    outside_area = read(at(TUESDAY, 9), colleague, owner_agency, oslo_case)
    late = read(at(TUESDAY, 22, 30), colleague, owner_agency, case)
    busy = [
        read(at(WEDNESDAY, 11, minute), owner, owner_agency, other)
        for minute, other in zip((0, 5, 10), others, strict=True)
    ]
    no_relation = read(at(TUESDAY, 11), colleague, owner_agency, foreign_case)
    own_task = read(at(TUESDAY, 11, 5), colleague, owner_agency, task_case)
    glass = log(at(TUESDAY, 9, 55), "case.break_glass", colleague, owner_agency, glass_case)
    under_glass = read(at(TUESDAY, 10), colleague, owner_agency, glass_case, path="break_glass")
    after_glass = read(at(TUESDAY, 11, 30), colleague, owner_agency, glass_case)
    revealed = log(
        at(TUESDAY, 12),
        "case.identity_number_revealed",
        colleague,
        owner_agency,
        case,
        person=case.subject_id,
    )
    report = log(at(TUESDAY, 13), "consent.access_report", owner, owner_agency, case, report=1)
    pdf = read(at(TUESDAY, 14), owner, owner_agency, case, parts=["overview", "pdf"])
    summary = log(
        at(TUESDAY, 15), "case.summary_printed", owner, owner_agency, case, parts=["team"]
    )

    flags = flags_of(owner_agency)

    assert flags[outside_area.pk] == [rules.OUTSIDE_AREA]
    assert flags[late.pk] == [rules.OUTSIDE_HOURS]
    assert [flags[entry.pk] for entry in busy] == [[rules.MANY_CASES]] * 3
    assert flags[no_relation.pk] == [rules.NO_RELATION]
    assert flags[own_task.pk] == []
    assert flags[glass.pk] == [rules.BREAK_GLASS]
    assert flags[under_glass.pk] == []
    assert flags[after_glass.pk] == [rules.NO_RELATION]  # the access had expired
    assert flags[revealed.pk] == [rules.IDENTITY_NUMBER]
    assert flags[report.pk] == [rules.ACCESS_REPORT]
    assert flags[pdf.pk] == [rules.EXPORT]
    assert flags[summary.pk] == [rules.EXPORT]  # the printed case summary


def test_ordinary_daytime_reads_of_own_team_cases_flag_nothing(
    read, owner, colleague, owner_agency, case, register
):
    other = register(person={"name": "Per Person", "birth_year": 2004})
    entries = [
        read(at(TUESDAY, 7), colleague, owner_agency, case),
        read(at(TUESDAY, 8, 30), owner, owner_agency, other, parts=["journal", "summary"]),
        read(at(TUESDAY, 8, 35), owner, owner_agency, case),
        read(at(TUESDAY, 16, 59), colleague, owner_agency, other),
        read(at(WEDNESDAY, 10), owner, owner_agency, case, parts=["person", "guardians"]),
    ]

    flags = flags_of(owner_agency)

    assert flags == {entry.pk: [] for entry in entries}
    start, end = services.period_bounds(TUESDAY, WEDNESDAY)
    assert services.flagged(owner_agency, start, end) == []


def test_the_entries_of_other_agencies_are_not_read(
    read, outsider, outsider_agency, owner_agency, case
):
    read(at(TUESDAY, 23), outsider, outsider_agency, case)

    assert flags_of(owner_agency) == {}


def test_many_cases_counts_different_cases_within_the_window(settings):
    config = rules.Settings.from_dict(settings.LOG_REVIEW)  # 3 cases within 15 minutes

    class Entry:
        def __init__(self, pk, minute, case_id, actor_id=1):
            self.pk, self.actor_id = pk, actor_id
            self.created_at = at(TUESDAY, 10) + datetime.timedelta(minutes=minute)
            self.target_type, self.target_id = rules.CASE_TARGET, str(case_id)

    same_case_often = [Entry(n, n, 7) for n in range(10)]
    spread_out = [Entry(10 + n, n * 16, n) for n in range(5)]
    two_users = [Entry(20, 0, 1, actor_id=1), Entry(21, 1, 2, actor_id=2), Entry(22, 2, 3)]
    burst = [Entry(30, 0, 1), Entry(31, 7, 2), Entry(32, 15, 3), Entry(33, 40, 4)]

    assert rules.many_cases(same_case_often, config) == set()
    assert rules.many_cases(spread_out, config) == set()
    assert rules.many_cases(two_users, config) == set()
    assert rules.many_cases(burst, config) == {30, 31, 32}


@pytest.mark.parametrize(
    ("moment", "outside"),
    [
        (at(TUESDAY, 6, 59), True),
        (at(TUESDAY, 7, 0), False),
        (at(TUESDAY, 16, 59), False),
        (at(TUESDAY, 17, 0), True),
        (at(datetime.date(2026, 11, 14), 12), True),  # a Saturday
        # Summer time: 07:30 in Oslo is 05:30 UTC, inside working hours.
        (datetime.datetime(2026, 6, 9, 5, 30, tzinfo=datetime.UTC), False),
    ],
)
def test_working_hours_are_oslo_time(settings, moment, outside):
    config = rules.Settings.from_dict(settings.LOG_REVIEW)

    assert rules.outside_hours(moment, config) is outside
