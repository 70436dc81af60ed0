from django.core.management.base import BaseCommand, CommandError

from tverrnett.geography.loader import DATA_DIR, ReferenceDataError, load_reference_data
from tverrnett.geography.models import Municipality


class Command(BaseCommand):
    help = (
        "Bring municipalities, police districts and RVTS regions in step with the reference "
        "data files (create, update, remove; one transaction; safe to run again)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir",
            default=str(DATA_DIR),
            help="Folder with municipalities.json, police_districts.json and rvts_regions.json "
            "(default: the files shipped with the app).",
        )

    def handle(self, *args, **options):
        try:
            counts = load_reference_data(options["data_dir"])
        except ReferenceDataError as error:
            raise CommandError(f"Reference data not loaded: {error}") from None

        municipalities = counts["municipalities"]
        current = Municipality.objects.filter(valid_to__isnull=True).count()
        historical = municipalities.total - current
        self.stdout.write(
            f"Municipalities: {current} current, {historical} historical {_changes(municipalities)}"
        )
        districts = counts["police_districts"]
        self.stdout.write(f"Police districts: {districts.total} {_changes(districts)}")
        regions = counts["rvts_regions"]
        self.stdout.write(f"RVTS regions: {regions.total} {_changes(regions)}")


def _changes(counts):
    return f"(created {counts.created}, updated {counts.updated}, removed {counts.removed})"
