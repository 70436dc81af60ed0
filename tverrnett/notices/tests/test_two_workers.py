"""Two workers running the same round at once (issue 22, item 6): each reminder and
escalation is made and e-mailed once, an expired anonymous discussion is deleted once,
no worker fails, and the audit log the two sealed verifies.

The workers need committed data that other connections see, which pytest-django's
test transaction is not, and the audit table refuses the flush of `transactional_db`.
So `db` is replaced here: the test runs on a database of its own, a copy of the
migrated, empty test database (PostgreSQL: CREATE DATABASE … TEMPLATE; SQLite: the
backup API into a file), dropped afterwards. The fixtures write to it and commit;
then two threads, each with its own connection, run `manage.py run_worker --once`,
started together at a barrier.
"""

import datetime
import io
import json
import sqlite3
import threading
from collections import Counter
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from tverrnett.audit.authentication import decode_ranges
from tverrnett.audit.models import AuditEntry, AuditSeal
from tverrnett.audit.verification import verify_log
from tverrnett.cases.models import ConcernCase
from tverrnett.measures import services as measure_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType
from tverrnett.notices.models import Delivery, EventKind, Notice, NoticeEvent
from tverrnett.notices.tests import recording_mail
from tverrnett.records import services as records_services
from tverrnett.records.models import CaseRetention, RetentionAction, RetentionRule, Tombstone
from tverrnett.records.tests.conftest import close


def _postgres_admin(statement):
    import psycopg
    from psycopg import sql

    params = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(sql.SQL(statement[0]).format(*map(sql.Identifier, statement[1:])))


@pytest.fixture
def db(django_db_setup, django_db_blocker, tmp_path):
    """This module's `db`: a committed database of the test's own (see the docstring)."""
    with django_db_blocker.unblock():
        settings_dict = connections.settings["default"]
        original = settings_dict["NAME"]
        keeper = None
        if connection.vendor == "postgresql":
            copy = f"{original}_workers"[:63]
            connections.close_all()
            _postgres_admin(("DROP DATABASE IF EXISTS {} WITH (FORCE)", copy))
            _postgres_admin(("CREATE DATABASE {} TEMPLATE {}", copy, original))
        else:
            # The in-memory test database lives while a connection to it is open.
            keeper = sqlite3.connect(original, uri=original.startswith("file:"))
            copy = str(tmp_path / "workers.sqlite3")
            with sqlite3.connect(copy) as target:
                keeper.backup(target)
            target.close()
        settings_dict["NAME"] = copy
        connection.close()
        try:
            yield
        finally:
            connections.close_all()
            settings_dict["NAME"] = original
            if keeper is None:
                _postgres_admin(("DROP DATABASE IF EXISTS {} WITH (FORCE)", copy))
            else:
                connection.ensure_connection()
                keeper.close()


def days(n):
    return timezone.now() + datetime.timedelta(days=n)


@pytest.fixture
def due_everything(
    register, team_case, give_consent, partner_agency, owner, owner_agency, chain,
    police_deputy, settings,
):  # fmt: skip
    """In 15 days: a case past its first decision, a consent ending soon, a measure due
    for evaluation, notices past their deadline, and an anonymous discussion past its
    retention. Committed."""
    settings.FIRST_DECISION_DAYS = 14
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    owner.email = "eier@test.example"
    owner.save(update_fields=["email"])
    police_deputy.email = "politi2@test.example"
    police_deputy.save(update_fields=["email"])
    register(person={"name": "Kari Nordmann", "birth_year": 1990})
    give_consent(
        team_case,
        recipients=[partner_agency],
        ends_on=timezone.localdate() + datetime.timedelta(days=40),
    )
    load_measure_types()
    today = timezone.localdate()
    measure_services.add_measure(
        owner,
        team_case,
        measure_type=MeasureType.objects.first(),
        goal="Bolig",
        responsible_agency=owner_agency,
        start_on=today,
        evaluation_on=today + datetime.timedelta(days=10),
    )
    anonymous = register(anonymous=True, approximate_age=15)
    ConcernCase.objects.filter(pk=anonymous.pk).update(created_at=days(-100))
    # A closed case on the deletion list, due, with a rule that deletes without archiving.
    records_services.load_schedule()
    rule = RetentionRule.objects.filter(archive_first=False, action=RetentionAction.DELETE).first()
    doomed = register(person={"name": "Siri Slettes", "birth_year": 1980})
    close(doomed, timezone.localdate() - datetime.timedelta(days=3650))
    CaseRetention.objects.create(case=doomed, rule=rule, due_on=timezone.localdate())
    return {
        "anonymous": anonymous.pk,
        "doomed": doomed.pk,
        "notices": list(Notice.objects.values_list("pk", flat=True)),
    }


def _round(output):
    """{job: count} from the line run_worker prints."""
    line = output.strip().splitlines()[-1].split(" ", 2)[2]
    if line == "nothing due":
        return {}
    return {job: int(count) for job, count in (part.rsplit(" ", 1) for part in line.split(", "))}


def test_two_workers_at_once_do_each_job_once(due_everything, settings):
    settings.EMAIL_BACKEND = "tverrnett.notices.tests.recording_mail.EmailBackend"
    recording_mail.SENT.clear()
    deliveries_before = Delivery.objects.count()
    start = threading.Barrier(2)
    outputs, errors = [], []

    def worker():
        try:
            start.wait(timeout=30)
            out = io.StringIO()
            call_command("run_worker", "--once", stdout=out, stderr=out)
            outputs.append(out.getvalue())
        except BaseException as error:  # noqa: BLE001  (reported in the test's thread)
            errors.append(error)
        finally:
            connection.close()

    # What the fixtures wrote, sealable by either worker (see _nothing_older_running).
    sealable_at_start = _nothing_older_running()
    entries_at_start = AuditEntry.objects.count()
    with time_machine.travel(days(15)):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert len(outputs) == 2, outputs

    rounds = [_round(output) for output in outputs]
    total = Counter()
    for counts in rounds:
        total.update(counts)
    # Each job's work was done once between the two (whichever worker did it).
    assert total["consent_expiry"] == 1
    assert total["measure_evaluations"] == 1
    assert total["first_decisions"] >= 1
    assert total["anonymous_discussions_purged"] == 1
    assert total["escalations"] == len(due_everything["notices"]) > 0
    if sealable_at_start:
        # Both sealed at once; between them every entry there was, and none twice (below).
        assert total["audit entries sealed"] >= entries_at_start > 0
    # Every e-mail once: one per delivery recorded in this round, no Message-ID twice.
    new_deliveries = Delivery.objects.count() - deliveries_before
    message_ids = Counter(message_id for _to, message_id in recording_mail.SENT)
    assert [twice for twice, count in message_ids.items() if count > 1] == []
    assert len(recording_mail.SENT) == new_deliveries > 0
    assert not Delivery.objects.filter(emailed=False).exclude(user__email="").exists()
    # Each notice escalated one level once, audited once.
    for notice in Notice.objects.filter(pk__in=due_everything["notices"]):
        assert notice.escalation_level >= 1
        escalated = NoticeEvent.objects.filter(
            notice=notice,
            kind__in=[
                EventKind.ESCALATED_TO_DEPUTY,
                EventKind.ESCALATED_TO_MANAGERS,
                EventKind.NOBODY_TO_ESCALATE_TO,
            ],
        )
        assert escalated.count() == 1, notice
    assert AuditEntry.objects.filter(action="notice.escalated").count() == len(
        due_everything["notices"]
    )
    # The anonymous discussion: gone, and its deletion audited once.
    assert not ConcernCase.objects.filter(pk=due_everything["anonymous"]).exists()
    assert AuditEntry.objects.filter(action="case.anonymous_deleted").count() == 1
    # The case due for deletion: deleted once, one tombstone, one ledger line.
    assert total["cases_deleted"] == 1
    assert not ConcernCase.objects.filter(pk=due_everything["doomed"]).exists()
    assert Tombstone.objects.filter(case_id=due_everything["doomed"]).count() == 1
    assert AuditEntry.objects.filter(action="records.deleted").count() == 1
    ledger = Path(settings.RECORDS_TOMBSTONE_LEDGER).read_text().splitlines()
    assert [json.loads(line)["case_id"] for line in ledger] == [due_everything["doomed"]]
    # The audit log: no entry in two seals, one chain that verifies, and everything
    # sealed once nothing older runs.
    everything_sealable = _nothing_older_running()
    call_command("anchor_audit", stdout=io.StringIO())
    report = verify_log()
    assert report.intact, report.first_problem()
    sealed = [
        entry_id
        for seal in AuditSeal.objects.order_by("position")
        for start, end in decode_ranges(seal.entry_ids)
        for entry_id in range(start, end + 1)
    ]
    assert len(sealed) == len(set(sealed))
    assert AuditSeal.objects.exists() or not everything_sealable
    if everything_sealable:
        assert len(sealed) == AuditEntry.objects.count()


def _nothing_older_running():
    """PostgreSQL seals only entries of transactions older than the oldest one still
    running anywhere on the server (audit.sealing): another session's open transaction,
    such as another test run's on a shared server, holds newer entries back."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "(SELECT max(txid) FROM audit_auditentry)"
        )
        horizon, newest = cursor.fetchone()
    return newest is None or horizon > newest
