from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from tverrnett.audit.roles import AppRoleError, grant_app_role


class Command(BaseCommand):
    help = (
        "Grant the application's PostgreSQL role (default: DATABASE_APP_ROLE) what it needs: "
        "SELECT and INSERT only on the append-only tables. Run as the tables' owner; "
        "migrate does it by itself when DATABASE_APP_ROLE is set."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default=None)
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role=None, database=DEFAULT_DB_ALIAS, **options):
        role = role or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("Name the role, or set DATABASE_APP_ROLE.")
        try:
            statements = grant_app_role(role, using=database)
        except AppRoleError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 2:
            for statement in statements:
                self.stdout.write(statement)
        self.stdout.write(
            f"OK: granted the application role {role!r} ({len(statements)} statements)"
        )
