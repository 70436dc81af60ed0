from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tverrnett.guidance.library import LIBRARY_PATH, load_library
from tverrnett.guidance.models import LibraryResource


class Command(BaseCommand):
    help = (
        "Add the shipped entries of the resource library (data/library.json) that are not "
        "there yet, matched by their slug. Safe to run again: entries already there, which "
        "RVTS may have edited, are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(LIBRARY_PATH), help="The entries to load.")

    def handle(self, *args, **options):
        try:
            added = load_library(options["file"])
        except (ValidationError, KeyError, TypeError, ValueError, OSError) as error:
            raise CommandError(f"Library not loaded: {error}") from None
        total = LibraryResource.objects.count()
        self.stdout.write(f"Resource library: {added} added, {total} in all")
