from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tverrnett.cases import identity_encryption
from tverrnett.core import keyfiles


class Command(BaseCommand):
    help = (
        "Create the key file for national identity numbers (--create), or append a new "
        "current key and re-encrypt every stored number with it (--rotate), or re-encrypt "
        "what is still under an older key (--reencrypt: after restarting the application "
        "and the worker following a rotation). Old keys stay in the file until no number "
        "uses them. Prints key ids and counts, never a key or a number."
    )

    # The system checks refuse a missing key file, which is what --create makes: on a
    # new server (DEBUG off) the command must run before the key exists.
    requires_system_checks = []

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--create", action="store_true")
        action.add_argument("--rotate", action="store_true")
        action.add_argument("--reencrypt", action="store_true")

    def handle(self, *args, create, rotate, reencrypt, **options):
        path = Path(settings.IDENTITY_KEY_FILE)
        what = identity_encryption.WHAT
        if create:
            if path.exists():
                raise CommandError(f"{path} exists already; use --rotate")
            keyfiles.write_new_file(path, what=what)
            identity_encryption.reload()
            self.stdout.write(f"Created {path} with key {identity_encryption.current().key_id}")
            return
        if not path.exists():
            raise CommandError(f"{path} does not exist; use --create")
        if rotate:
            key_id = keyfiles.append_new_key(path, what=what)
            identity_encryption.reload()
            self.stdout.write(f"Key {key_id} is now current in {path}")
        done, left = identity_encryption.reencrypt_people()
        key_id = identity_encryption.current().key_id
        self.stdout.write(
            f"Re-encrypted {done} identity numbers with key {key_id}; "
            f"{left} still under an older key."
        )
        if left:
            self.stdout.write(
                "Restart the application and the worker, then run `identity_key --reencrypt`."
            )
