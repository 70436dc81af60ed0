"""The access report's redaction step (issue 18, item 5): paged, with the choices kept
on the server and reads held back by rule, so its size does not grow with the number of
reads. A case read 10,000 times renders it quickly, with a bounded number of form
fields, and its report can be redacted and made."""

import datetime
import json
import re
import time

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.consent.access_report import (
    HIDE_LINE,
    HIDE_READER,
    build_report,
    clean_rules,
    make_report,
    report_entries,
    report_json,
    rule_matches,
)
from tverrnett.consent.models import AccessReport
from tverrnett.consent.views import ACCESS_REPORT_PAGE_SIZE

READS = 10_000
FIELD = re.compile(r"<(?:input|select|textarea)\b")


def _lines(report):
    return {line["key"]: line for line in report["access_log"]}


@pytest.fixture
def url(team_case):
    return reverse("consent:access_report", args=[team_case.pk])


def test_a_case_read_10000_times_has_a_redaction_page_of_bounded_size_that_makes_the_report(
    client, login_as, owner, team_case, partner_agency, read, url, django_assert_max_num_queries
):
    """Regression: the redaction form had two fields per line, all on one page: past about
    500 reads it exceeded DATA_UPLOAD_MAX_NUMBER_FIELDS, and it was megabytes large."""
    read(READS)
    login_as(client, owner)

    began = time.perf_counter()
    # The page's queries are fixed (the next test): opening the case, the session, the
    # report's fixed set of reads, whatever the number of reads.
    with django_assert_max_num_queries(38):
        page = client.get(url)
    elapsed = time.perf_counter() - began

    assert page.status_code == 200
    html = page.content.decode()
    fields = len(FIELD.findall(html))
    assert fields < 100, fields
    assert fields < settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    assert len(page.content) < 200_000, len(page.content)
    assert elapsed < 2, f"the redaction page took {elapsed:.2f} s"
    assert len(page.context["entries"]) == ACCESS_REPORT_PAGE_SIZE
    assert page.context["entry_count"] > READS

    # Nav Drammen's reads held back by one rule: who read, not that it read.
    added = client.post(
        url,
        {"add-rule": "1", "agency": partner_agency.pk, "hide": HIDE_READER, "reason": "Vern."},
    )
    assert added.status_code == 302
    # One read of the owner's on the access log's second page, redacted on its own.
    owners_reads = AuditEntry.objects.filter(action="case.viewed", actor_id=owner.pk)
    key = f"access:{owners_reads.order_by('id').values_list('id', flat=True)[50]}"
    made = client.post(
        f"{url}?del=access_log&side=2",
        {"shown": key, "redact": [key], f"reason-{key}": "Tredjepersons forhold.", "make": "1"},
    )
    assert made.status_code == 302

    report = AccessReport.objects.get()
    assert report.redactions == [{"key": key, "reason": "Tredjepersons forhold."}]
    [rule] = report.redaction_rules
    assert (rule["agency"], rule["hide"], rule["reason"]) == (partner_agency.pk, "reader", "Vern.")
    lines = _lines(json.loads(report_json(report)))
    assert lines[key] == {
        "key": key,
        "redacted": True,
        "reason": "Tredjepersons forhold.",
    }
    by_nav = [entry for entry in lines.values() if entry.get("agency") == partner_agency.name]
    assert len(by_nav) == READS // 2
    assert all(entry["actor"] == "" and entry["reader_redacted"] for entry in by_nav)
    by_owner = [entry for entry in lines.values() if entry.get("actor") == owner.username]
    assert len(by_owner) >= READS // 2 - 1
    assert not any(entry.get("reader_redacted") for entry in by_owner)
    # The draft is gone once the report is made.
    assert not [name for name in client.session.keys() if name.startswith("access-report-draft")]


def test_the_redaction_page_takes_the_same_queries_for_3_reads_as_for_300(
    client, login_as, owner, read, url
):
    login_as(client, owner)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context.captured_queries)

    read(3)
    few = queries()
    read(300)
    assert queries() == few


def test_choices_on_a_page_are_kept_when_going_to_another_page(client, login_as, owner, read, url):
    read(100)
    login_as(client, owner)
    first = client.get(url, {"del": "access_log"}).context["entries"]
    shown = " ".join(entry.key for entry in first)
    key = first[3].key

    went = client.post(
        f"{url}?del=access_log",
        {"shown": shown, "redact": [key], f"reason-{key}": "Etterforskning.", "go": "access_log:2"},
    )
    assert went.status_code == 302
    assert went.url == f"{url}?del=access_log&side=2"

    back = client.get(url, {"del": "access_log"})
    [line] = [line for line in back.context["lines"] if line["entry"].key == key]
    assert line["ticked"] and line["reason"] == "Etterforskning."
    assert back.context["redacted_lines"] == 1

    # Shown and no longer ticked: no longer redacted.
    client.post(f"{url}?del=access_log", {"shown": shown, "go": "access_log:1"})
    assert client.get(url).context["redacted_lines"] == 0


def test_a_ticked_line_without_a_reason_keeps_nothing_from_the_page(
    client, login_as, owner, read, url
):
    read(5)
    login_as(client, owner)
    entries = client.get(url).context["entries"]
    one, two = entries[0].key, entries[1].key

    response = client.post(
        url,
        {
            "shown": " ".join(entry.key for entry in entries),
            "redact": [one, two],
            f"reason-{one}": "Grunn.",
            f"reason-{two}": " ",
            "go": ":2",
        },
    )

    assert response.status_code == 200
    assert response.context["errors"]
    assert response.context["missing_reasons"] == {two}
    assert client.get(url).context["redacted_lines"] == 0
    assert AccessReport.objects.count() == 0


def test_a_rule_is_added_listed_with_what_it_hides_and_removed(
    client, login_as, owner, partner_agency, read, url
):
    read(10)
    login_as(client, owner)

    refused = client.post(url, {"add-rule": "1", "hide": HIDE_LINE, "reason": ""})
    assert refused.status_code == 200
    assert refused.context["rule_form"].errors
    reversed_period = client.post(
        url,
        {
            "add-rule": "1",
            "hide": HIDE_LINE,
            "reason": "Grunn.",
            "starts_on": "2026-02-01",
            "ends_on": "2026-01-01",
        },
    )
    assert "ends_on" in reversed_period.context["rule_form"].errors

    client.post(
        url, {"add-rule": "1", "agency": partner_agency.pk, "hide": HIDE_LINE, "reason": "PST."}
    )
    [rule] = client.get(url).context["rules"]
    assert (rule["agency_name"], rule["hides"]) == (partner_agency.name, 5)

    client.post(url, {"remove-rule": "0"})
    assert client.get(url).context["rules"] == []


# The rules themselves -------------------------------------------------------------------


def test_a_rule_matches_reads_by_its_agency_within_its_period(
    team_case, owner, owner_agency, partner_agency, read, start
):
    read(4)  # one a minute: owner, Nav, owner, Nav
    reads = [
        entry for entry in report_entries(team_case.subject, owner) if entry.section == "access_log"
    ]
    day = timezone.localdate(start).isoformat()
    before = (timezone.localdate(start) - datetime.timedelta(days=1)).isoformat()

    def matching(**rule):
        rule = {"agency": None, "from": None, "to": None, **rule}
        return sum(1 for entry in reads if rule_matches(rule, entry))

    assert matching() == len(reads)
    assert matching(agency=partner_agency.pk) == 2
    assert matching(agency=owner_agency.pk, to=day) == 2
    assert matching(to=before) == 0
    assert matching(**{"from": day, "to": day}) == 4
    journal = [
        entry for entry in report_entries(team_case.subject, owner) if entry.section != "access_log"
    ]
    assert not any(rule_matches({"agency": None}, entry) for entry in journal)


def test_a_line_redacted_on_its_own_keeps_its_reason_over_a_rule(team_case, owner, read):
    read(2)
    reads = [
        entry for entry in report_entries(team_case.subject, owner) if entry.section == "access_log"
    ]
    own = reads[0].key
    report = build_report(
        team_case.subject,
        reader=owner,
        redactions=[{"key": own, "reason": "Egen."}],
        rules=[{"agency": None, "from": None, "to": None, "hide": HIDE_LINE, "reason": "Regel."}],
    )
    lines = _lines(report)
    assert lines[own] == {"key": own, "redacted": True, "reason": "Egen."}
    assert {line["reason"] for key, line in lines.items() if key != own} == {"Regel."}


@pytest.mark.parametrize(
    "rule",
    [
        {"hide": HIDE_LINE, "reason": " "},
        {"hide": "everything", "reason": "Grunn."},
        {"hide": HIDE_LINE, "reason": "Grunn.", "from": "2026-02-30"},
        {"hide": HIDE_LINE, "reason": "Grunn.", "from": "2026-02-02", "to": "2026-02-01"},
        {"hide": HIDE_LINE, "reason": "Grunn.", "agency": "1"},
        "agency:1",
    ],
)
def test_a_rule_that_is_not_valid_is_refused(team_case, owner, rule):
    with pytest.raises(ValidationError):
        clean_rules([rule])
    with pytest.raises(ValidationError):
        make_report(owner, team_case.subject, redactions=[], rules=[rule])
    assert AccessReport.objects.count() == 0


def test_odd_input_on_the_redaction_step_gets_a_page_not_a_server_error(
    client, login_as, owner, read, url
):
    read(3)
    login_as(client, owner)
    key = client.get(url).context["entries"][0].key
    # A NUL anywhere in a form is refused with 400 before the view (RefuseNulMiddleware).
    for data in (
        {"shown": key, "redact": [key], f"reason-{key}": "Grunn\x00.", "make": "1"},
        {"shown": "\x00 access:99999999999999999999", "redact": ["x"], "go": "journal:²"},
        {"add-rule": "1", "hide": "line", "reason": "x\x00", "starts_on": "2026-01-01"},
    ):
        assert client.post(url, data).status_code == 400, data
    assert not AccessReport.objects.exists()
    for data in (
        {"shown": "access:99999999999999999999", "redact": ["x"], "go": "journal:²"},
        {"go": "nowhere:99999999999999999999"},
        {"remove-rule": "²"},
        {"remove-rule": "99999999999999999999"},
        {"add-rule": "1", "hide": "line", "reason": "x", "starts_on": "99999-01-01"},
        {"shown": key, "redact": [key], f"reason-{key}": "Grunn.", "make": "1"},
    ):
        assert client.post(url, data).status_code in (200, 302), data
    [report] = AccessReport.objects.all()
    assert report.redactions == [{"key": key, "reason": "Grunn."}]
