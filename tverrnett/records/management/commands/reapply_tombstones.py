from django.core.management.base import BaseCommand

from tverrnett.records.services import reapply_tombstones


class Command(BaseCommand):
    help = (
        "After a restore: delete again every case the tombstone ledger "
        "(RECORDS_TOMBSTONE_LEDGER) says was deleted and the database still holds."
    )

    def handle(self, *args, **options):
        again = reapply_tombstones()
        self.stdout.write(f"Deleted again after the restore: {again} case(s).")
