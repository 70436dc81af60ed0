from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tverrnett.core import keyfiles
from tverrnett.records import backup


class Command(BaseCommand):
    help = (
        "Create the backup key file (--create) or append a new current key to it "
        "(--rotate). Old lines stay so older backups still open. Keep the file outside "
        "the database and everything the backup holds, and a copy in the organisation's "
        "secret store: without it no backup can be restored. Prints the key id, never the key."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--create", "--generate", action="store_true", dest="create")
        action.add_argument("--rotate", action="store_true")

    def handle(self, *args, create, rotate, **options):
        try:
            path = backup.key_path()
        except backup.BackupError as problem:
            raise CommandError(str(problem)) from None
        path = Path(path)
        if create:
            if path.exists():
                raise CommandError(f"{path} exists already; use --rotate")
            keyfiles.write_new_file(path, what=backup.WHAT)
            self.stdout.write(f"Created {path} with key {backup.load_keys()[-1].key_id}")
            return
        if not path.exists():
            raise CommandError(f"{path} does not exist; use --create")
        key_id = keyfiles.append_new_key(path, what=backup.WHAT)
        self.stdout.write(f"Key {key_id} is now current in {path}; keep the older lines.")
