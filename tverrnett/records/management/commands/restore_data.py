import tempfile

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from tverrnett.records import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_data into an EMPTY database (and empty MEDIA_ROOT "
        "and AUDIT_ANCHOR_DIR): decrypt with BACKUP_KEY_FILE, check every checksum, restore "
        "the database and the files, migrate, delete again the cases in the tombstone "
        "ledger, verify the audit log, and report. --check only opens and checks the file."
    )

    def add_arguments(self, parser):
        parser.add_argument("--in", required=True, dest="source", help="The backup file.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only decrypt the backup and check its checksums; change nothing.",
        )

    def handle(self, *args, source, check, **options):
        with tempfile.TemporaryDirectory(prefix="tverrnett-restore-") as staging:
            try:
                if not check:
                    # Before anything is read: a database with tables is never touched.
                    backup.check_restore_target()
                manifest = backup.unpack(source, staging)
                self.stdout.write(
                    f"Backup of {manifest['created_at']} (Tverrnett {manifest['app_version']}, "
                    f"{len(manifest['files'])} files): decrypted, every checksum matches."
                )
                if check:
                    return
                backup.restore_database(staging, manifest)
                self.stdout.write("Database restored.")
                files = backup.restore_files(staging, manifest)
            except backup.BackupError as problem:
                raise CommandError(str(problem)) from None
            except OSError as problem:
                raise CommandError(f"The restore stopped: {problem}") from None
            except DatabaseError as problem:
                raise CommandError(f"The database cannot be used: {problem}") from None
        self.stdout.write(
            "Files restored: "
            + ", ".join(f"{part} {number}" for part, number in files.items())
            + "."
        )
        # A backup from an older release is brought up to this release's schema.
        call_command("migrate", interactive=False, verbosity=0, stdout=self.stdout)
        self.stdout.write("Migrated to this version's schema.")
        # `reapply_tombstones` (records lifecycle) deletes again every case the ledger
        # lists that the restored database still holds. It is called only when it is
        # registered, so this command also works (and its tests run) in a release
        # that does not have it yet.
        if "reapply_tombstones" in get_commands():
            call_command("reapply_tombstones", stdout=self.stdout)
        else:
            self.stdout.write("reapply_tombstones is not in this version; no cases deleted again.")
        try:
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
        except CommandError as problem:
            raise CommandError(
                f"The data is restored, but the audit log does not verify: {problem}. "
                "Check that AUDIT_KEY_FILE is the production key from the secret store; "
                "see docs/operations.md, 'Restoring'."
            ) from None
        try:
            undecryptable = backup.undecryptable_identity_numbers()
        except ImproperlyConfigured as problem:
            raise CommandError(
                f"The data is restored, but the identity key cannot be read: {problem}"
            ) from None
        self.stdout.write("Restored:")
        for label, number in backup.counts().items():
            self.stdout.write(f"  {label}: {number}")
        if undecryptable:
            raise CommandError(
                f"The data is restored, but {undecryptable} identity numbers do not open with "
                "IDENTITY_KEY_FILE: restore the identity key from the secret store."
            )
        self.stdout.write("Identity numbers: all open with IDENTITY_KEY_FILE.")
        self.stdout.write("Restore complete.")
