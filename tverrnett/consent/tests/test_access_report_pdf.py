"""The access report's PDF for a case read many times: the reads by the same reader on
the same day, alike in everything but the time, print as one line with the span and the
count (`group_reads`), so a case read 10,000 times downloads within a request's time.
The JSON keeps every read."""

import datetime
import io
import json
import time
from collections import defaultdict

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tverrnett.consent.access_report import (
    HIDE_LINE,
    clean_rules,
    group_reads,
    report_json,
    report_pdf,
)
from tverrnett.consent.models import AccessReport
from tverrnett.consent.tests.conftest import add_reads
from tverrnett.core import dates

READS = 10_000


def _printed(pdf):
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


def test_a_case_read_10000_times_prints_its_reads_grouped_in_under_10_seconds(
    client, login_as, team_case, owner, owner_agency, partner, partner_agency, school_user,
    school_agency, start,
):  # fmt: skip
    """Regression: one table row per read took WeasyPrint 40 to 90 s for 10,000 reads,
    longer than gunicorn's 30 s timeout, so the download failed."""
    readers = [(owner, owner_agency), (partner, partner_agency), (school_user, school_agency)]
    # One read a minute, the three readers in turn: about seven days.
    add_reads(team_case, READS, readers, start)
    report = AccessReport.objects.create(person=team_case.subject, made_by=owner)
    login_as(client, owner)
    url = reverse("consent:access_report_file", args=[team_case.pk, report.pk, "pdf"])

    began = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - began

    assert response.status_code == 200
    assert elapsed < 10, f"the PDF took {elapsed:.1f} s"
    printed = _printed(response.content)
    assert "samme person samme dag vises samlet" in printed
    expected = defaultdict(list)
    for n in range(READS):
        moment = timezone.localtime(start + datetime.timedelta(minutes=n))
        expected[moment.date(), readers[n % 3][0].username].append(moment)
    assert 20 <= len(expected) <= 27
    for (day, username), moments in expected.items():
        first, last = moments[0], moments[-1]
        if len(moments) == 1:
            line = dates.moment(first)
        else:
            line = f"{dates.day(day)} {first:%H:%M}–{last:%H:%M} {len(moments)} ganger"
        assert line in printed, (username, line)
    # The JSON still lists every read, each with its time.
    times = {line.get("at") for line in json.loads(report_json(report))["access_log"]}
    assert {moment.isoformat() for moments in expected.values() for moment in moments} <= times


def test_reads_held_back_whole_by_a_rule_print_as_one_line_with_their_count(
    team_case, owner, partner_agency, read
):
    """Two reads by the owner with two of Nav Drammen's between them, held back whole."""
    read(4)
    rules = clean_rules([{"agency": partner_agency.pk, "hide": HIDE_LINE, "reason": "Vern."}])
    report = AccessReport.objects.create(
        person=team_case.subject, made_by=owner, redaction_rules=rules
    )

    printed = _printed(report_pdf(report))

    assert "2 oppslag sladdet. Begrunnelse: Vern." in printed
    assert " 2 ganger" in printed


# The grouping, on lines as build_report gives them -------------------------------------


def _line(at, actor="kari", **changes):
    return {
        "key": f"access:{at}",
        "at": f"{at}+01:00",
        "actor": actor,
        "actor_name": actor.title(),
        "agency": "Drammen kommune",
        "role": "case_worker",
        "role_label": "Saksbehandler",
        "role_source": "log",
        "action": "case.viewed",
        "action_label": "Saken ble åpnet",
        "access_path": "team",
        "cases": ["BEK-1"],
        "parts": ["summary"],
        "part_labels": ["Sammendrag"],
        "items": [],
        **changes,
    }


def _held_back(reason="Etterforskning."):
    return {"key": "access:0", "redacted": True, "reason": reason}


def _shown(printed):
    return [
        (line["reason"], line["count"])
        if line.get("redacted")
        else (line["actor"], line["day"], line["first"], line["last"], line["count"])
        for line in printed
    ]


def test_reads_by_one_reader_on_two_days_are_two_lines():
    printed = group_reads(
        [
            _line("2026-03-02T09:00:00"),
            _line("2026-03-02T14:30:00"),
            _line("2026-03-03T08:15:00"),
        ]
    )

    assert _shown(printed) == [
        ("kari", "2. mar. 2026", "09:00", "14:30", 2),
        ("kari", "3. mar. 2026", "08:15", "08:15", 1),
    ]
    # A single read prints its time as an ungrouped line does.
    assert printed[1]["at"] == "3. mar. 2026 kl. 08.15"


def test_reads_group_within_a_day_whatever_other_reads_fall_between_in_order_of_first_read():
    printed = group_reads(
        [
            _line("2026-03-02T09:00:00", "ola"),
            _line("2026-03-02T09:05:00"),
            _line("2026-03-02T10:00:00", "ola"),
            _line("2026-03-02T11:00:00"),
            _line("2026-03-02T12:00:00", "ola"),
        ]
    )

    assert _shown(printed) == [
        ("ola", "2. mar. 2026", "09:00", "12:00", 3),
        ("kari", "2. mar. 2026", "09:05", "11:00", 2),
    ]


def test_reads_that_differ_in_anything_but_the_time_are_separate_lines():
    base = "2026-03-02T09:0"
    differences = [
        {"actor_name": "Kari Hansen"},
        {"agency": "Nav Drammen"},
        {"role": "coordinator"},
        {"action": "case.list_viewed"},
        {"cases": ["BEK-2"]},
        {"parts": ["journal"]},
        {"items": [7]},
    ]
    lines = [_line(f"{base}0:00")]
    lines += [_line(f"{base}{n + 1}:00", **change) for n, change in enumerate(differences)]

    assert [line["count"] for line in group_reads(lines)] == [1] * 8


def test_a_read_without_its_reader_groups_only_with_reads_held_back_with_the_same_reason():
    hidden = {"actor": "", "actor_name": "", "reader_redacted": True}
    printed = group_reads(
        [
            _line("2026-03-02T09:00:00"),
            _line("2026-03-02T09:01:00", **hidden, reason="Vern."),
            _line("2026-03-02T09:02:00", **hidden, reason="Vern."),
            _line("2026-03-02T09:03:00", **hidden, reason="Annet."),
            _line("2026-03-02T09:04:00"),
        ]
    )

    assert [(line["actor"], line.get("reason"), line["count"]) for line in printed] == [
        ("kari", None, 2),
        ("", "Vern.", 2),
        ("", "Annet.", 1),
    ]


def test_reads_held_back_whole_group_by_reason_only_until_a_new_line_starts():
    """A held-back read has no time in the report: its line must not tell more than its
    place among the others did. A read between two alike reads leaves them one line;
    held-back reads with a new line between them stay two lines."""
    printed = group_reads(
        [
            _line("2026-03-02T09:00:00"),
            _held_back(),
            _line("2026-03-02T09:02:00"),  # joins the first line
            _held_back(),
            _held_back("Tredjeperson."),
            _line("2026-03-02T09:05:00", "ola"),  # a new line
            _held_back(),
            _line("2026-03-03T09:00:00"),  # a new day: a new line
            _held_back(),
        ]
    )

    assert _shown(printed) == [
        ("kari", "2. mar. 2026", "09:00", "09:02", 2),
        ("Etterforskning.", 2),
        ("Tredjeperson.", 1),
        ("ola", "2. mar. 2026", "09:05", "09:05", 1),
        ("Etterforskning.", 1),
        ("kari", "3. mar. 2026", "09:00", "09:00", 1),
        ("Etterforskning.", 1),
    ]
