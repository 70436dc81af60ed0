from django.core.management.base import BaseCommand

from tverrnett.audit.anchors import write_anchor
from tverrnett.audit.sealing import seal_pending


class Command(BaseCommand):
    help = (
        "Seal the audit entries written since the last seal, then append the newest "
        "seal's hash to today's file in AUDIT_ANCHOR_DIR (and syslog if "
        "AUDIT_ANCHOR_SYSLOG). The worker runs it every minute."
    )

    def handle(self, *args, **options):
        sealed = seal_pending()
        anchor = write_anchor()
        if anchor is None:
            self.stdout.write("Nothing sealed yet: no anchor written")
            return
        self.stdout.write(
            f"Sealed {sealed} entries; anchored seal {anchor['position']} "
            f"(entries up to {anchor['last_entry_id']}) {anchor['seal_hash']}"
        )
