import os
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    """Compile the committed .po files to .mo.

    Django's own compilemessages needs GNU gettext's msgfmt; this needs only
    Python (polib), so `make run` works on a machine with Python and make.
    """

    help = "Compile locale/*/LC_MESSAGES/*.po to .mo without GNU gettext."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                if catalogue.fuzzy_entries():
                    raise CommandError(f"{po_path} has fuzzy entries; review them first")
                # Written beside and moved into place, so a test run that compiles at
                # the same moment (CI runs SQLite and PostgreSQL side by side) never
                # reads half a file.
                target = po_path.with_suffix(".mo")
                partial = target.with_name(f".{target.name}.{os.getpid()}")
                catalogue.save_as_mofile(str(partial))
                os.replace(partial, target)
                compiled += 1
        self.stdout.write(f"Compiled {compiled} translation catalogue(s)")
