import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from tverrnett.audit.anchors import write_anchor
from tverrnett.audit.sealing import SealRefused, seal_pending
from tverrnett.core.metrics import worker_heartbeat
from tverrnett.notices.jobs import run_due
from tverrnett.records.services import run_lifecycle


class Command(BaseCommand):
    help = (
        "The background worker: escalates unacknowledged notices and sends the reminders "
        "(consent expiry, measure evaluations, plan revisions, first decisions, reviews after "
        "exit, assessment reviews), the log review's monthly sample and weekly digest, "
        "deletes OIDC logout bookkeeping whose session is gone, runs the records lifecycle "
        "(anonymous discussions purged, cases previewed and deleted on their retention "
        "schedules), and seals and anchors the audit log. Every job is idempotent and "
        "each e-mail is claimed "
        "before it is sent, so two workers send nothing twice (a worker killed while "
        "sending may send one e-mail again once its claim runs out). Runs until stopped; "
        "--once runs every job once and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between runs (default 60)."
        )

    def handle(self, *args, once, interval, **options):
        while True:
            results = {"audit entries sealed": self._seal_audit_log()}
            results.update(run_due())
            results.update(run_lifecycle())
            worker_heartbeat()  # its age is a metric (docs/operations.md, "Monitoring")
            sent = ", ".join(f"{job} {count}" for job, count in results.items() if count)
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {sent or 'nothing due'}")
            self.stdout.flush()  # a log read while the worker runs shows every round
            if once:
                return
            time.sleep(max(interval, 1))
            # As Django does between requests: a connection older than CONN_MAX_AGE, or
            # broken (the database restarted), is replaced before the next round.
            close_old_connections()

    def _seal_audit_log(self):
        """Seal what was written since the last round and anchor the head outside the
        database (issue 17). A forged entry stops the sealing, not the other jobs."""
        try:
            sealed = seal_pending()
        except SealRefused as refused:
            self.stderr.write(f"AUDIT LOG: {refused}. Run `manage.py verify_audit`.")
            return 0
        write_anchor()
        return sealed
