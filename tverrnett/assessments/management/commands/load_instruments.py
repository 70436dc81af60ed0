from django.core.management.base import BaseCommand, CommandError

from tverrnett.assessments.instruments import InstrumentError, instrument_files, load_instruments


class Command(BaseCommand):
    help = (
        "Check and publish assessment instruments from their YAML files (the shipped ones and "
        "INSTRUMENTS_DIR, or the files named). All or nothing; safe to run again. A published "
        "version never changes: a change is a new version (docs/assessment-instruments.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="Instrument files (default: all of them).")

    def handle(self, *args, **options):
        paths = options["files"] or instrument_files()
        try:
            results = load_instruments(paths)
        except InstrumentError as error:
            raise CommandError(f"No instrument published: {error}") from None
        for instrument, created in results:
            state = "published" if created else "already published"
            self.stdout.write(f"{instrument.code} {instrument.version}: {state}")
