"""Move the uploaded files under MEDIA_ROOT into the database store (issue 22, item 6).

For an installation that kept its files on disk (FILE_STORAGE=filesystem) and moves to
several application servers: each file is stored under the same name (the name the
rows hold), read back and compared, and only then removed from the disk. Run it with
the application stopped or already on FILE_STORAGE=database (docs/operations.md); it
can be run again, and skips a file already in the store with the same contents.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.core.files.base import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tverrnett.filestore.models import StoredFile
from tverrnett.filestore.storage import DatabaseStorage


def _sha256(handle):
    digest = hashlib.sha256()
    for piece in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(piece)
    return digest.hexdigest()


class Command(BaseCommand):
    help = (
        "Move every file under MEDIA_ROOT into the database store (FILE_STORAGE=database), "
        "keeping its name; a file is removed from the disk only once the copy in the "
        "database reads back the same. --keep leaves the files on the disk."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep", action="store_true", help="Do not remove the files.")
        parser.add_argument("--dry-run", action="store_true", help="Only list what would be moved.")

    def handle(self, *args, keep, dry_run, **options):
        root = Path(settings.MEDIA_ROOT)
        if not root.is_dir():
            self.stdout.write(f"Nothing to move: {root} does not exist.")
            return
        store = DatabaseStorage()
        moved = skipped = 0
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            name = path.relative_to(root).as_posix()
            if dry_run:
                self.stdout.write(f"would move {name}")
                moved += 1
                continue
            with path.open("rb") as handle:
                expected = _sha256(handle)
                if store.exists(name):
                    with store.open(name) as stored:
                        if _sha256(stored) != expected:
                            raise CommandError(
                                f"{name} is in the database store with other contents; "
                                "nothing done to it. Compare the two by hand."
                            )
                    skipped += 1
                else:
                    with transaction.atomic():
                        store._save(name, File(handle, name=name))
                        with store.open(name) as stored:
                            if _sha256(stored) != expected:
                                raise CommandError(f"{name} did not read back the same")
                    moved += 1
            if not keep:
                path.unlink()
        if not keep and not dry_run:
            # Empty directories left behind (not MEDIA_ROOT itself).
            for directory in sorted((p for p in root.rglob("*") if p.is_dir()), reverse=True):
                if not any(directory.iterdir()):
                    directory.rmdir()
        total = StoredFile.objects.count()
        verb = "would move" if dry_run else "moved"
        self.stdout.write(
            f"{verb} {moved} file(s), {skipped} already in the database; "
            f"{total} file(s) in the database store."
        )
