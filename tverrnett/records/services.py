"""The records lifecycle's rules (tverrnett/records/models.py explains the whole).

Each function that changes something checks permission through
`tverrnett.access.policy`, changes data and writes the audit entry in one transaction.
"""

import datetime
import json
import os
import secrets
import shutil
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record, record_read
from tverrnett.core.versions import claim
from tverrnett.records import deletion
from tverrnett.records.models import (
    ArchivePackage,
    CaseRetention,
    LegalHold,
    RecordKind,
    RetentionAction,
    RetentionRule,
    StartsFrom,
    Tombstone,
)

for _name, _description in [
    ("records.schedule_loaded", gettext_noop("Loaded the retention schedules")),
    ("records.schedule_confirmed", gettext_noop("Confirmed a retention schedule")),
    ("records.previewed", gettext_noop("A case came on the list of cases due for deletion")),
    ("records.legal_hold_placed", gettext_noop("Placed a legal hold on a case")),
    ("records.legal_hold_lifted", gettext_noop("Lifted a legal hold on a case")),
    ("records.archived", gettext_noop("Exported cases as an archival package")),
    ("records.receipt_recorded", gettext_noop("Recorded the archive's receipt for a package")),
    ("records.package_read", gettext_noop("Downloaded an archival package")),
    ("records.deleted", gettext_noop("Deleted a case under its retention schedule")),
    ("records.tombstone_reapplied", gettext_noop("Deleted a restored case again")),
]:
    actions.register(_name, _description)


# The schedule ----------------------------------------------------------------------------

SCHEDULE_PATH = Path(__file__).resolve().parent / "data" / "retention_schedules.json"
# The kinds of case the lifecycle deletes; the other rules follow their case or are kept.
CASE_KINDS = (
    RecordKind.CONCERN_CLOSED_WITHOUT_MEASURES,
    RecordKind.CASE_CLOSED_AFTER_FOLLOW_UP,
    RecordKind.EXIT_CASE,
)
_RULE_VALUES = ("period_days", "starts_from", "action", "archive_first", "authority")


@transaction.atomic
def load_schedule(path=SCHEDULE_PATH):
    """Bring the rules in step with the file; safe to run again. A rule whose values
    changed loses its confirmation (the records officer confirms the new values)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    version = str(data["version"])
    kinds, changed_any = set(), False
    for item in data["rules"]:
        kind = item["kind"]
        if kind not in RecordKind.values:
            raise ValueError(f"unknown kind of record {kind!r}")
        if item["starts_from"] not in StartsFrom.values:
            raise ValueError(f"{kind}: unknown start {item['starts_from']!r}")
        if item["action"] not in RetentionAction.values:
            raise ValueError(f"{kind}: unknown action {item['action']!r}")
        period = item["period_days"]
        if period is not None and (not isinstance(period, int) or period < 1):
            raise ValueError(f"{kind}: the period must be a whole number of days")
        values = {name: item[name] for name in _RULE_VALUES}
        values["controller_must_decide"] = bool(item["controller_must_decide"])
        rule = RetentionRule.objects.filter(kind=kind).first()
        if rule is None:
            RetentionRule.objects.create(kind=kind, catalogue_version=version, **values)
            changed_any = True
        else:
            changed = any(getattr(rule, name) != value for name, value in values.items())
            if changed or rule.catalogue_version != version:
                for name, value in values.items():
                    setattr(rule, name, value)
                rule.catalogue_version = version
                if changed:
                    rule.confirmed_at, rule.confirmed_by = None, None
                rule.save()
                changed_any = True
        kinds.add(kind)
    missing = set(CASE_KINDS) - kinds
    if missing:
        raise ValueError(f"the schedule has no rule for {sorted(missing)}")
    if changed_any:
        record("records.schedule_loaded", detail={"version": version, "rules": sorted(kinds)})
    return version


def schedule_rules():
    return RetentionRule.objects.select_related("confirmed_by")


def rules_awaiting_confirmation():
    return list(RetentionRule.objects.filter(controller_must_decide=True, confirmed_at=None))


@transaction.atomic
def confirm_rule(actor, rule, *, request=None):
    agency_id = policy.keeps_records_of(actor)
    if agency_id is None:
        raise PermissionDenied
    updated = RetentionRule.objects.filter(pk=rule.pk, confirmed_at=None).update(
        confirmed_at=timezone.now(), confirmed_by=actor
    )
    if updated:
        record(
            "records.schedule_confirmed",
            actor=actor,
            target=rule,
            detail={"kind": rule.kind, "version": rule.catalogue_version},
            request=request,
        )


# Which rule, from when -------------------------------------------------------------------


def _with_lifecycle_facts(cases):
    """`cases` annotated with what picks a closed case's rule and start: whether exit
    work was started, whether it had measures, and its last review after exit. The
    worker reads every candidate this way, in one query."""
    from tverrnett.exitwork.models import ExitWork, FollowUpReview
    from tverrnett.measures.models import Measure

    return cases.annotate(
        has_exit_work=Exists(ExitWork.objects.filter(case=OuterRef("pk"))),
        has_measures=Exists(Measure.objects.filter(case=OuterRef("pk"))),
        last_review_on=Subquery(
            FollowUpReview.objects.filter(case=OuterRef("pk"))
            .order_by("-due_on")
            .values("due_on")[:1]
        ),
    )


def _facts(case):
    """The case with its lifecycle facts: as it is when the worker's query annotated it,
    else read (one query)."""
    if hasattr(case, "has_exit_work"):
        return case
    return _with_lifecycle_facts(type(case).objects.filter(pk=case.pk)).get()


def kind_of(case):
    """The kind of record a closed case is, for its schedule."""
    case = _facts(case)
    if case.has_exit_work:
        return RecordKind.EXIT_CASE
    if case.has_measures:
        return RecordKind.CASE_CLOSED_AFTER_FOLLOW_UP
    return RecordKind.CONCERN_CLOSED_WITHOUT_MEASURES


def _start_date(case, rule):
    closed_on = timezone.localdate(case.closed_at)
    if rule.starts_from == StartsFrom.LAST_REVIEW_AFTER_EXIT:
        last = _facts(case).last_review_on
        return max(closed_on, last) if last else closed_on
    return closed_on


def due_date(case, rule):
    """The day a closed case is due under `rule`: its period from its start (closing, the
    last review after exit), never before the review date set when it was closed (L29).
    None when the rule keeps it."""
    if rule.action == RetentionAction.KEEP or rule.period_days is None:
        return None
    due = _start_date(case, rule) + datetime.timedelta(days=rule.period_days)
    if case.review_on and case.review_on > due:
        due = case.review_on
    return due


def _closed_cases():
    from tverrnett.cases.models import CaseState, ConcernCase

    return ConcernCase.objects.filter(
        state=CaseState.CLOSED, is_anonymous=False, closed_at__isnull=False
    )


def has_open_hold(case):
    """A case fetched through `due_list` carries its open holds (`open_holds`,
    prefetched) and costs no query here."""
    prefetched = getattr(case, "open_holds", None)
    if prefetched is not None:
        return bool(prefetched)
    return LegalHold.objects.filter(case=case, lifted_at=None).exists()


# The worker's jobs ------------------------------------------------------------------------


def preview_due(today=None):
    """Put every closed case that comes within RECORDS_PREVIEW_DAYS of its due date on
    its agency's preview list (once; audited). Returns how many came on."""
    today = today or timezone.localdate()
    rules = {rule.kind: rule for rule in RetentionRule.objects.filter(kind__in=CASE_KINDS)}
    if not rules:
        return 0
    horizon = today + datetime.timedelta(days=settings.RECORDS_PREVIEW_DAYS)
    periods = [rule.period_days for rule in rules.values() if rule.period_days]
    if not periods:
        return 0
    # No case closed after this can be due by the horizon (every start is at or after
    # the closing): the worker's round reads the old closed cases only.
    closed_by = horizon - datetime.timedelta(days=min(periods))
    candidates = _with_lifecycle_facts(
        _closed_cases().filter(retention__isnull=True, closed_at__date__lte=closed_by)
    ).select_related("coordinator_role__agency")
    added = 0
    for case in candidates.order_by("pk").iterator():
        rule = rules.get(kind_of(case))
        due = due_date(case, rule) if rule else None
        if due is None or due > horizon:
            continue
        with transaction.atomic():
            _entry, created = CaseRetention.objects.get_or_create(
                case=case, defaults={"rule": rule, "due_on": due}
            )
            if created:
                record(
                    "records.previewed",
                    target=case,
                    agency=case.coordinator_role.agency,
                    detail={"kind": rule.kind, "due_on": due.isoformat()},
                )
                added += 1
    return added


def deletion_blocker(entry, today=None):
    """Why a case on the list is not deleted today, as a code, or "" when it is due."""
    today = today or timezone.localdate()
    if entry.due_on > today:
        return "not_due"
    if has_open_hold(entry.case):
        return "legal_hold"
    if entry.rule.archive_first and not (entry.package and entry.package.is_receipted):
        return "awaiting_archive"
    if entry.rule.action != RetentionAction.DELETE:
        return "kept"
    return ""


def delete_due(today=None):
    """Delete every case on the list that is due, not held, and archived (with the
    archive's receipt) where its rule asks for it. Returns how many were deleted."""
    today = today or timezone.localdate()
    deleted = 0
    entries = _with_open_holds(
        CaseRetention.objects.filter(due_on__lte=today).select_related("case", "rule", "package")
    )
    for entry in list(entries):
        if deletion_blocker(entry, today):
            continue
        try:
            delete_case(entry.case, rule=entry.rule, package=entry.package)
        except ObjectDoesNotExist:
            continue  # another worker deleted it meanwhile (delete_case locks the case)
        deleted += 1
    return deleted


def run_lifecycle(now=None):
    """The worker's round: anonymous discussions (L39), the preview list, deletions."""
    from tverrnett.cases.services import purge_anonymous_discussions

    now = now or timezone.now()
    today = timezone.localdate(now)
    return {
        "anonymous_discussions_purged": purge_anonymous_discussions(now),
        "cases_previewed_for_deletion": preview_due(today),
        "cases_deleted": delete_due(today),
    }


# Deleting ----------------------------------------------------------------------------------


def _append_to_ledger(tombstone):
    """One JSON line per deleted case, outside the database (a restore re-applies it)."""
    path = Path(settings.RECORDS_TOMBSTONE_LEDGER)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(
        {
            "case_id": tombstone.case_id,
            "reference": tombstone.reference,
            "kind": tombstone.kind,
            "deleted_at": tombstone.deleted_at.isoformat(),
        },
        sort_keys=True,
    )
    with open(path, "a", encoding="utf-8") as ledger:
        ledger.write(line + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())


def delete_case(case, *, rule, package=None):
    """Delete the case's personal data everywhere (records.deletion) and leave its
    tombstone, here and in the ledger; audited with ids and counts only. Refused while
    the case is under a legal hold."""
    from tverrnett.cases.models import ConcernCase

    with transaction.atomic():
        case = ConcernCase.objects.select_for_update().get(pk=case.pk)
        if has_open_hold(case):
            raise ValidationError(_("The case is under a legal hold."))
        tombstone = _delete(case, rule, package, "records.deleted")
        transaction.on_commit(lambda: _append_to_ledger(tombstone))
        if package is not None and package.is_receipted:
            if not CaseRetention.objects.filter(package=package).exists():
                # The archive has confirmed the package and its last case is deleted:
                # our copy goes too, so nothing of the cases is left on our disks.
                transaction.on_commit(lambda: _remove_package_files(package))
    return tombstone


def _remove_package_files(package):
    path = package_path(package)
    if path is not None:
        shutil.rmtree(path)


def _delete(case, rule, package, action):
    collected, nulled = deletion.collect(case)
    tombstone = Tombstone(
        case_id=case.pk,
        reference=case.reference,
        kind=kind_of(case),
        registered_on=timezone.localdate(case.created_at),
        closed_on=timezone.localdate(case.closed_at) if case.closed_at else None,
        rule_kind=rule.kind,
        catalogue_version=rule.catalogue_version,
        archive_receipt=package.receipt_reference if package else "",
    )
    agency = case.coordinator_role.agency
    tombstone.agency_id = agency.pk
    counts = deletion.delete_collected(case.pk, collected, nulled)
    tombstone.save()
    record(
        action,
        target=tombstone,
        agency=agency,
        detail={
            "case": tombstone.case_id,
            "kind": tombstone.kind,
            "rule": rule.kind,
            "package": package.pk if package else None,
            "rows": counts,
        },
    )
    return tombstone


def ledger_entries():
    path = Path(settings.RECORDS_TOMBSTONE_LEDGER)
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


def reapply_tombstones():
    """After a restore: delete again every case the ledger says was deleted and the
    restored database still holds (a backup older than the deletion). Returns how many."""
    from tverrnett.cases.models import ConcernCase

    again = 0
    for item in ledger_entries():
        case = ConcernCase.objects.filter(pk=item["case_id"]).first()
        if case is None or Tombstone.objects.filter(case_id=item["case_id"]).exists():
            continue
        if case.reference != item["reference"]:
            continue  # another case got the id: never delete the wrong one
        rule = RetentionRule.objects.filter(kind=item["kind"]).first() or RetentionRule(
            kind=item["kind"], catalogue_version="ledger"
        )
        # A hold the backup still had was lifted before the deletion the ledger records.
        with transaction.atomic():
            _delete(case, rule, None, "records.tombstone_reapplied")
        again += 1
    return again


# The records officer's work ---------------------------------------------------------------


def _require_records_officer(actor, case=None):
    """The records officer acting for the agency that coordinates the case."""
    agency_id = policy.keeps_records_of(actor)
    if agency_id is None:
        raise PermissionDenied
    if case is not None and case.coordinator_role.agency_id != agency_id:
        raise PermissionDenied
    return agency_id


def cases_kept_by(agency_id):
    """The lifecycle entries of the cases the agency coordinates."""
    return CaseRetention.objects.filter(case__coordinator_role__agency_id=agency_id)


def due_list(agency_id):
    """`cases_kept_by` for the records officer's list: each entry with its case, rule and
    package, and its case's open holds (`case.open_holds`), so `deletion_blocker` and
    the page ask no query per row."""
    return _with_open_holds(
        cases_kept_by(agency_id).select_related("case__coordinator_role", "rule", "package")
    )


def _with_open_holds(entries):
    """Lifecycle entries with their case's open holds (`case.open_holds`), so
    `has_open_hold` and `deletion_blocker` ask no query per entry."""
    return entries.prefetch_related(
        Prefetch(
            "case__legal_holds",
            queryset=LegalHold.objects.filter(lifted_at=None).select_related("placed_by"),
            to_attr="open_holds",
        )
    )


def open_holds_kept_by(agency_id):
    """The holds not yet lifted on the cases the agency coordinates."""
    return LegalHold.objects.filter(
        case__coordinator_role__agency_id=agency_id, lifted_at=None
    ).select_related("case__coordinator_role")


def packages_of(agency_id):
    return ArchivePackage.objects.filter(agency_id=agency_id).select_related(
        "created_by", "receipt_recorded_by"
    )


def tombstones_of(agency_id):
    """The tombstones of the cases the agency coordinated (tombstones written before
    they carried an agency are on no agency's list)."""
    return Tombstone.objects.filter(agency_id=agency_id)


def package_path(package):
    """The package's directory under RECORDS_ARCHIVE_DIR, or None when it is gone."""
    root = Path(settings.RECORDS_ARCHIVE_DIR).resolve()
    path = (root / package.directory).resolve()
    if path.parent != root or not path.is_dir():
        return None
    return path


def read_package(actor, package, *, request=None):
    """The package's directory as a zip in a temporary file (for a download), audited as
    a read (`record_read`: a refused or failed request leaves no entry). None when the
    directory is gone."""
    agency_id = _require_records_officer(actor)
    if package.agency_id != agency_id:
        raise PermissionDenied
    path = package_path(package)
    if path is None:
        return None
    archive = tempfile.TemporaryFile()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for item in sorted(path.rglob("*")):
            if item.is_file():
                zipped.write(item, Path(package.directory) / item.relative_to(path))
    archive.seek(0)
    record_read(
        "records.package_read",
        actor=actor,
        target=package,
        detail={"cases": package.case_ids, "checksum": package.checksum},
        request=request,
    )
    return archive


@transaction.atomic
def place_hold(actor, case, *, reason, request=None):
    _require_records_officer(actor, case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the case is held.")})
    if has_open_hold(case):
        raise ValidationError(_("The case is already under a legal hold."))
    hold = LegalHold.objects.create(case=case, reason=reason, placed_by=actor)
    record(
        "records.legal_hold_placed",
        actor=actor,
        target=case,
        detail={"hold": hold.pk},
        request=request,
    )
    return hold


@transaction.atomic
def lift_hold(actor, hold, *, reason, request=None):
    _require_records_officer(actor, hold.case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the hold is lifted.")})
    updated = LegalHold.objects.filter(pk=hold.pk, lifted_at=None).update(
        lifted_at=timezone.now(), lifted_by=actor, lift_reason=reason
    )
    if not updated:
        raise ValidationError(_("The hold has already been lifted."))
    record(
        "records.legal_hold_lifted",
        actor=actor,
        target=hold.case,
        detail={"hold": hold.pk},
        request=request,
    )


def archive_cases(actor, entries, *, request=None):
    """Export the cases of these lifecycle entries as one archival package (Noark 5,
    records.noark) under RECORDS_ARCHIVE_DIR; the entries point at it until its
    receipt is recorded."""
    from tverrnett.records import noark

    agency_id = _require_records_officer(actor)
    entries = list(entries)
    if not entries:
        raise ValidationError(_("Choose at least one case to archive."))
    for entry in entries:
        _require_records_officer(actor, entry.case)
        if entry.package_id is not None:
            raise ValidationError(_("A chosen case is in a package already."))
    created_at = timezone.now()
    directory = f"tverrnett-{agency_id}-{created_at:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    path = Path(settings.RECORDS_ARCHIVE_DIR) / directory
    manifest = noark.write_package(
        [entry.case for entry in entries],
        path,
        created_by=actor,
        agency=entries[0].case.coordinator_role.agency,
    )
    with transaction.atomic():
        package = ArchivePackage.objects.create(
            agency_id=agency_id,
            created_by=actor,
            created_at=created_at,
            directory=directory,
            checksum=manifest.checksum,
            case_ids=[entry.case_id for entry in entries],
        )
        updated = CaseRetention.objects.filter(
            pk__in=[entry.pk for entry in entries], package=None
        ).update(package=package)
        if updated != len(entries):
            raise ValidationError(_("A chosen case is in a package already."))
        record(
            "records.archived",
            actor=actor,
            target=package,
            detail={"cases": package.case_ids, "checksum": package.checksum},
            request=request,
        )
    return package


@transaction.atomic
def record_receipt(actor, package, *, reference, version, request=None):
    """The archive's receipt for the package: after it, the package's cases may be
    deleted on their due dates."""
    agency_id = _require_records_officer(actor)
    if package.agency_id != agency_id:
        raise PermissionDenied
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Write the archive's receipt reference.")})
    # Once only: a package with a receipt is refused as a stale edit.
    claim(
        package,
        version,
        only_if={"receipt_recorded_at": None},
        message=_("The package's receipt has been recorded already."),
        receipt_reference=reference,
        receipt_recorded_by=actor,
        receipt_recorded_at=timezone.now(),
    )
    record(
        "records.receipt_recorded",
        actor=actor,
        target=package,
        detail={"cases": package.case_ids},
        request=request,
    )
