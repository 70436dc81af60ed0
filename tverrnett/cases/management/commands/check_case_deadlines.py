from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tverrnett.cases import deadlines

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Check every case's stored next open deadline (the case list's overdue flag and "
        "deadline sort) against its tasks. Exits non-zero on drift; --fix repairs it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix", action="store_true", help="recompute the drifted cases from their tasks"
        )

    def handle(self, *args, **options):
        wrong = deadlines.drifted()
        if not wrong:
            self.stdout.write("OK: every case's next open deadline matches its tasks.")
            return
        # Case ids and dates only: never a name or a task's title.
        for case_id, stored, computed in wrong[:SHOWN]:
            self.stderr.write(f"  case {case_id}: stored {stored}, tasks say {computed}")
        if options["fix"]:
            with transaction.atomic():
                deadlines.repair([case_id for case_id, _stored, _computed in wrong])
            self.stdout.write(f"FIXED: {len(wrong)} case(s) recomputed from their tasks.")
            return
        raise CommandError(
            f"DRIFT: {len(wrong)} case(s) with a wrong next open deadline; run with --fix.",
            returncode=1,
        )
