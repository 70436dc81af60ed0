import time

from django.core.management.base import BaseCommand, CommandError

from tverrnett.audit.verification import verify_log

SHOWN = 20


class Command(BaseCommand):
    help = (
        "Verify the audit log: every entry's MAC or seal, the chain of seals, and the "
        "anchors in AUDIT_ANCHOR_DIR. Exits non-zero naming the first bad entry."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        report = verify_log()
        seconds = time.perf_counter() - started
        if not report.intact:
            problems = sorted(report.problems)
            for problem in problems[:SHOWN]:
                self.stderr.write(f"  {problem.message}")
            more = len(problems) - 1
            raise CommandError(
                f"BROKEN: {problems[0].message}"
                + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""),
                returncode=1,
            )
        self.stdout.write(
            f"OK: {report.entries} audit entries intact, {report.sealed} in {report.seals} "
            f"seals, {len(report.unsealed)} awaiting their seal; {report.anchors} anchors "
            f"match ({report.entries / max(seconds, 1e-9):.0f} entries/s)"
        )
