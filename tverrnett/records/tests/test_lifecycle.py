"""The records lifecycle in time (issue 20): a closed case is previewed, archived,
receipted and deleted on the right days; a legal hold stops it; the worker purges
anonymous discussions by itself; a restore's cases are deleted again."""

import datetime
import json
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import ConcernCase
from tverrnett.records import services
from tverrnett.records.models import CaseRetention, LegalHold, RecordKind, RetentionRule, Tombstone
from tverrnett.records.tests.conftest import close

OSLO = ZoneInfo("Europe/Oslo")


def at(day):
    """Noon in Oslo on `day`, for time_machine."""
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=OSLO)


def actions(name):
    return AuditEntry.objects.filter(action=name)


@pytest.fixture
def closed_case(exit_case):
    """The demo exit case, closed a week ago with a review date in a month."""
    today = timezone.localdate()
    return close(exit_case, today - datetime.timedelta(days=7), today + datetime.timedelta(days=30))


def test_the_due_day_follows_the_rule_the_last_review_and_the_review_date(closed_case):
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)
    assert services.kind_of(closed_case) == RecordKind.EXIT_CASE
    last_review = max(r.due_on for r in closed_case.follow_up_reviews.all())
    closed_on = timezone.localdate(closed_case.closed_at)
    expected = max(closed_on, last_review) + datetime.timedelta(days=rule.period_days)
    assert services.due_date(closed_case, rule) == expected
    # A review date set at closing later than that moves the day on (L29).
    ConcernCase.objects.filter(pk=closed_case.pk).update(
        review_on=expected + datetime.timedelta(days=10)
    )
    closed_case.refresh_from_db()
    assert services.due_date(closed_case, rule) == expected + datetime.timedelta(days=10)


def test_previewed_archived_receipted_and_deleted_on_the_right_days(
    closed_case, records_officer, django_capture_on_commit_callbacks
):
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)
    due = services.due_date(closed_case, rule)
    preview_from = due - datetime.timedelta(days=settings.RECORDS_PREVIEW_DAYS)
    case_id = closed_case.pk

    with time_machine.travel(at(preview_from - datetime.timedelta(days=1))):
        assert services.run_lifecycle()["cases_previewed_for_deletion"] == 0
    with time_machine.travel(at(preview_from)):
        assert services.run_lifecycle()["cases_previewed_for_deletion"] == 1
        assert services.run_lifecycle()["cases_previewed_for_deletion"] == 0  # once
    entry = CaseRetention.objects.get(case_id=case_id)
    assert entry.due_on == due
    assert actions("records.previewed").count() == 1

    with time_machine.travel(at(preview_from + datetime.timedelta(days=2))):
        package = services.archive_cases(records_officer, [entry])
    directory = Path(settings.RECORDS_ARCHIVE_DIR) / package.directory
    assert (directory / "avleveringspakke" / "arkivstruktur.xml").exists()
    assert actions("records.archived").count() == 1

    with time_machine.travel(at(due)):
        # Archived but no receipt: the archive has not confirmed it, nothing is deleted.
        assert services.run_lifecycle()["cases_deleted"] == 0
        assert ConcernCase.objects.filter(pk=case_id).exists()
        package.refresh_from_db()
        services.record_receipt(
            records_officer, package, reference="Arkivverket 2031/42", version=package.version
        )
        assert actions("records.receipt_recorded").count() == 1
    with time_machine.travel(at(due - datetime.timedelta(days=1))):
        assert services.run_lifecycle()["cases_deleted"] == 0  # receipted, not yet due
    with time_machine.travel(at(due)), django_capture_on_commit_callbacks(execute=True):
        assert services.run_lifecycle()["cases_deleted"] == 1

    assert not ConcernCase.objects.filter(pk=case_id).exists()
    tombstone = Tombstone.objects.get(case_id=case_id)
    assert tombstone.archive_receipt == "Arkivverket 2031/42"
    assert actions("records.deleted").count() == 1
    # The archive confirmed the package and its only case is deleted: our copy is gone
    # too, so nothing of the case remains on disk (the package row keeps the checksum).
    assert not directory.exists()
    call_command("verify_audit", stdout=StringIO())


def test_a_legal_hold_stops_the_deletion_until_it_is_lifted(
    closed_case, records_officer, django_capture_on_commit_callbacks
):
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)
    RetentionRule.objects.filter(pk=rule.pk).update(archive_first=False)
    due = services.due_date(closed_case, rule)
    with time_machine.travel(at(due - datetime.timedelta(days=3))):
        services.run_lifecycle()
        hold = services.place_hold(records_officer, closed_case, reason="Tilsynssak 2031")
    with time_machine.travel(at(due + datetime.timedelta(days=40))):
        assert services.run_lifecycle()["cases_deleted"] == 0
        entry = CaseRetention.objects.get(case=closed_case)
        assert services.deletion_blocker(entry) == "legal_hold"
        services.lift_hold(records_officer, hold, reason="Tilsynet er avsluttet")
        with django_capture_on_commit_callbacks(execute=True):
            assert services.run_lifecycle()["cases_deleted"] == 1
    assert actions("records.legal_hold_placed").count() == 1
    assert actions("records.legal_hold_lifted").count() == 1
    assert not LegalHold.objects.exists()  # deleted with the case


def test_only_the_coordinating_agencys_records_officer_acts(closed_case, demo, records_officer):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import PermissionDenied

    from tverrnett.records.tests.conftest import acting

    worker = acting(get_user_model().objects.get(username="slt.demo"))
    with pytest.raises(PermissionDenied):
        services.place_hold(worker, closed_case, reason="x")
    assert not LegalHold.objects.exists()


def test_the_worker_purges_anonymous_discussions_without_cron(demo):
    anonymous = ConcernCase.objects.filter(is_anonymous=True)
    assert anonymous.exists()
    later = timezone.now() + datetime.timedelta(
        days=settings.ANONYMOUS_DISCUSSION_RETENTION_DAYS + 1
    )
    with time_machine.travel(later):
        out = StringIO()
        call_command("run_worker", "--once", stdout=out)
        assert "anonymous_discussions_purged" in out.getvalue()
        assert not anonymous.exists()
        again = StringIO()
        call_command("run_worker", "--once", stdout=again)
        assert "anonymous_discussions_purged" not in again.getvalue()


def test_a_case_restored_from_an_older_backup_is_deleted_again(
    closed_case, django_capture_on_commit_callbacks
):
    rule = RetentionRule.objects.get(kind=RecordKind.EXIT_CASE)
    ledger = Path(settings.RECORDS_TOMBSTONE_LEDGER)
    ledger.parent.mkdir(parents=True, exist_ok=True)
    # What the ledger holds after the case was deleted in a later life of the database.
    ledger.write_text(
        json.dumps(
            {
                "case_id": closed_case.pk,
                "reference": closed_case.reference,
                "kind": rule.kind,
                "deleted_at": timezone.now().isoformat(),
            }
        )
        + "\n"
    )
    other = ConcernCase.objects.exclude(pk=closed_case.pk).first()
    with django_capture_on_commit_callbacks(execute=True):
        out = StringIO()
        call_command("reapply_tombstones", stdout=out)
    assert "1 case" in out.getvalue()
    assert not ConcernCase.objects.filter(pk=closed_case.pk).exists()
    assert ConcernCase.objects.filter(pk=other.pk).exists()
    assert actions("records.tombstone_reapplied").count() == 1
    assert services.reapply_tombstones() == 0  # once
