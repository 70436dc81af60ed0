from django.core.management.base import BaseCommand

from tverrnett.cases.services import purge_anonymous_discussions


class Command(BaseCommand):
    help = (
        "Delete anonymous discussions registered more than "
        "ANONYMOUS_DISCUSSION_RETENTION_DAYS ago (default 90). Run daily, e.g. from cron."
    )

    def handle(self, *args, **options):
        deleted = purge_anonymous_discussions()
        self.stdout.write(f"Deleted {deleted} anonymous discussion(s).")
