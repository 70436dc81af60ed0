import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from tverrnett.cases.models import Person
from tverrnett.consent.access_report import (
    make_report,
    report_json,
    report_pdf,
    report_reference,
)


def _redaction(text):
    key, sep, reason = text.partition("=")
    if not sep or not key.strip() or not reason.strip():
        raise CommandError(
            f"Give a reason for every redaction: --redact KEY=REASON (got {text!r})."
        )
    return {"key": key.strip(), "reason": reason.strip()}


def _write(path, content):
    """Readable by the owner only: the files hold personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


class Command(BaseCommand):
    help = (
        "Make a person's access report (innsynsrapport, L40) as the coordinator ACTOR and "
        "write innsyn-<reference>.json and .pdf into DIR. Each --redact KEY=REASON holds "
        "back one line (keys as in the report, e.g. access:1234) and needs a reason. The "
        "report and its redactions are recorded and audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("--person", type=int, required=True, help="The person's id.")
        parser.add_argument(
            "--actor", required=True, help="Username of a coordinator of the person's case."
        )
        parser.add_argument("--out", required=True, help="Directory to write the files into.")
        parser.add_argument(
            "--redact",
            action="append",
            default=[],
            metavar="KEY=REASON",
            help="Hold back one line of the report, with the reason (repeatable).",
        )

    def handle(self, *args, **options):
        redactions = [_redaction(text) for text in options["redact"]]
        person = Person.objects.filter(pk=options["person"]).first()
        if person is None:
            raise CommandError(f"No person with id {options['person']}.")
        actor = get_user_model().objects.filter(username=options["actor"], is_active=True).first()
        if actor is None:
            raise CommandError(f"No active user {options['actor']!r}.")
        out = Path(options["out"])
        out.mkdir(parents=True, exist_ok=True)
        with translation.override(settings.LANGUAGE_CODE):
            try:
                report = make_report(actor, person, redactions=redactions)
            except PermissionDenied:
                raise CommandError(
                    f"{actor.username} does not coordinate a case about person {person.pk}."
                ) from None
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            stem = f"innsyn-{report_reference(report)}"
            paths = [out / f"{stem}.json", out / f"{stem}.pdf"]
            _write(paths[0], report_json(report))
            _write(paths[1], report_pdf(report))
        for path in paths:
            self.stdout.write(str(path))
