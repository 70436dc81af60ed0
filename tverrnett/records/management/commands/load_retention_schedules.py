from django.core.management.base import BaseCommand, CommandError

from tverrnett.records.services import SCHEDULE_PATH, load_schedule, rules_awaiting_confirmation


class Command(BaseCommand):
    help = (
        "Bring the retention schedules in step with the versioned data file (one "
        "transaction; safe to run again). A rule whose values changed must be confirmed "
        "again by a records officer."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(SCHEDULE_PATH), help="The schedule (default: the shipped one)."
        )

    def handle(self, *args, **options):
        try:
            version = load_schedule(options["file"])
        except (KeyError, ValueError, OSError) as error:
            raise CommandError(f"Retention schedules not loaded: {error}") from None
        waiting = len(rules_awaiting_confirmation())
        self.stdout.write(
            f"Retention schedules {version} loaded; {waiting} await the data controller's "
            "confirmation."
        )
