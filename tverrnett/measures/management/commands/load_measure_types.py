from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tverrnett.measures.catalogue import CATALOGUE_PATH, load_measure_types
from tverrnett.measures.models import MeasureType


class Command(BaseCommand):
    help = (
        "Bring the catalogue of measure types in step with the data file (one transaction; "
        "safe to run again). A type removed from the file becomes inactive, never deleted. "
        "This is the only way to edit the catalogue."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(CATALOGUE_PATH), help="The catalogue (default: the shipped one)."
        )

    def handle(self, *args, **options):
        try:
            version = load_measure_types(options["file"])
        except (ValidationError, KeyError, TypeError, ValueError, OSError) as error:
            raise CommandError(f"Measure types not loaded: {error}") from None
        active = MeasureType.objects.filter(is_active=True).count()
        inactive = MeasureType.objects.filter(is_active=False).count()
        self.stdout.write(f"Measure types {version}: {active} active, {inactive} inactive")
