from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tverrnett.audit import keys


class Command(BaseCommand):
    help = (
        "Create the audit key file (--create) or append a new current key to it "
        "(--rotate). Old keys stay in the file so older entries still verify; restart "
        "the application and the worker afterwards. Prints the key id, never the key."
    )

    # The system checks refuse a missing key file, which is what --create makes: on a
    # new server (DEBUG off) the command must run before the key exists.
    requires_system_checks = []

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--create", action="store_true")
        action.add_argument("--rotate", action="store_true")
        parser.add_argument("--file", default=None, help="Default: AUDIT_KEY_FILE.")

    def handle(self, *args, create, rotate, file, **options):
        path = Path(file or settings.AUDIT_KEY_FILE)
        if create:
            if path.exists():
                raise CommandError(f"{path} exists already; use --rotate")
            keys.write_new_file(path)
            self.stdout.write(f"Created {path} with key {keys.parse(path.read_text())[-1].key_id}")
            return
        if not path.exists():
            raise CommandError(f"{path} does not exist; use --create")
        self.stdout.write(f"Key {keys.rotate(path)} is now current in {path}")
