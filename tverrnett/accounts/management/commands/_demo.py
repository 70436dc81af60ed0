"""Shared by the demo commands: they exist for a developer's own machine only."""

from django.conf import settings
from django.core.management.base import CommandError

# Fixed so `make run` can print it every time; useless outside DEBUG because
# the commands that create and use demo users refuse to run there.
DEMO_PASSWORD = "Demo-passord-2026"  # noqa: S105


def refuse_unless_debug():
    if not settings.DEBUG:
        raise CommandError("Demo data is for development only. Set DEBUG=true to use this command.")
