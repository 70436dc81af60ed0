from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tverrnett.records import backup


class Command(BaseCommand):
    help = (
        "Write one encrypted backup file: the database, MEDIA_ROOT, the audit anchors and "
        "the tombstone ledger, with a manifest of checksums. Encrypted with the current key "
        "of BACKUP_KEY_FILE. The audit and identity keys are not in it (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="The backup file to write (new).")

    def handle(self, *args, out, **options):
        try:
            summary = backup.take_backup(out)
        except backup.BackupError as problem:
            raise CommandError(str(problem)) from None
        except OSError as problem:
            raise CommandError(f"The backup could not be written: {problem}") from None
        except DatabaseError as problem:
            raise CommandError(f"The database cannot be used: {problem}") from None
        manifest = summary.manifest
        database = summary.part("database")[0]
        self.stdout.write(
            f"Backup written to {out} (key {manifest['key_id']}, {manifest['created_at']}, "
            f"Tverrnett {manifest['app_version']}):\n"
            f"  database ({manifest['database']['vendor']}): {database['size']} bytes, "
            f"SHA-256 {database['sha256']}\n"
            f"  uploaded files: {len(summary.part('media'))}\n"
            f"  audit anchor files: {len(summary.part('audit-anchors'))}\n"
            f"  tombstone ledger: {'yes' if summary.part('tombstone-ledger') else 'none yet'}"
        )
        if summary.skipped:
            self.stdout.write(
                f"  left out (not regular files): {len(summary.skipped)}, e.g. {summary.skipped[0]}"
            )
        self.stdout.write(
            "Not in the backup: AUDIT_KEY_FILE, IDENTITY_KEY_FILE, BACKUP_KEY_FILE and "
            "RECORDS_ARCHIVE_DIR; keep them apart (docs/operations.md)."
        )
