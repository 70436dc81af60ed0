from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tverrnett.consent.catalogue import CATALOGUE_PATH, load_catalogue
from tverrnett.consent.models import LegalBasis, SectorProfile


class Command(BaseCommand):
    help = (
        "Bring the legal-basis catalogue and the sector profiles in step with the versioned "
        "data file (one transaction; safe to run again). A basis with a future valid-from "
        "becomes selectable on that day."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(CATALOGUE_PATH), help="The catalogue (default: the shipped one)."
        )

    def handle(self, *args, **options):
        try:
            version = load_catalogue(options["file"])
        except (ValidationError, KeyError, ValueError, OSError) as error:
            raise CommandError(f"Legal-basis catalogue not loaded: {error}") from None
        self.stdout.write(
            f"Legal-basis catalogue {version}: {LegalBasis.objects.count()} bases, "
            f"{SectorProfile.objects.count()} sector profiles"
        )
