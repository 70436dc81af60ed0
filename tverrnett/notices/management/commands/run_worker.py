import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from tverrnett.notices.jobs import run_due


class Command(BaseCommand):
    help = (
        "The background worker: escalates unacknowledged notices and sends the reminders "
        "(consent expiry, measure evaluations, plan revisions, first decisions, reviews after "
        "exit, assessment reviews) and the log review's monthly sample and weekly digest. "
        "Every job is idempotent, so two workers or a restart send "
        "nothing twice. Runs until stopped; --once runs every job once and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once and exit.")
        parser.add_argument(
            "--interval", type=int, default=60, help="Seconds between runs (default 60)."
        )

    def handle(self, *args, once, interval, **options):
        while True:
            results = run_due()
            sent = ", ".join(f"{job} {count}" for job, count in results.items() if count)
            self.stdout.write(f"{timezone.now():%Y-%m-%d %H:%M:%S} {sent or 'nothing due'}")
            self.stdout.flush()  # a log read while the worker runs shows every round
            if once:
                return
            time.sleep(max(interval, 1))
