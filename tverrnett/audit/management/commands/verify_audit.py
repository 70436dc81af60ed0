from django.core.management.base import BaseCommand, CommandError

from tverrnett.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain. Exits non-zero at the first broken entry."

    def handle(self, *args, **options):
        count, broken = verify_chain()
        if broken is not None:
            entry_id, reason = broken
            raise CommandError(
                f"BROKEN: audit entry {entry_id} {reason} (after checking {count} entries)",
                returncode=1,
            )
        self.stdout.write(f"OK: {count} audit entries, chain intact")
