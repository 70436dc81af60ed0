"""Duplicates without leaks (issue 16, item 6).

Each function takes the acting user first, checks permission, changes data and writes
the audit entry in one transaction. The registering user learns nothing of a match in
a case they cannot see: the intake goes on exactly as without one, and no e-mail leaves
while their request runs. The matched case's coordinator role is told, and is shown
only the registering agency and the new case's reference: no person data it does not
already have.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.no import fodselsnummer

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.cases.deadlines import refresh_next_deadline
from tverrnett.cases.models import CaseState, ConcernCase, TimelineEvent
from tverrnett.cases.services import same_person
from tverrnett.duplicates.models import CaseMerge, DuplicateNotice, MatchedOn, NoticeStatus
from tverrnett.notices import emails
from tverrnett.notices.models import Delivery

for _name, _description in [
    (
        "duplicate.noticed",
        gettext_noop("Told a coordinator that a new concern may be about the same person"),
    ),
    ("duplicate.dismissed", gettext_noop("Dismissed a possible duplicate")),
    ("duplicate.merge_proposed", gettext_noop("Proposed merging two cases")),
    ("duplicate.merge_declined", gettext_noop("Declined merging two cases")),
    ("case.merged", gettext_noop("Merged two concern cases")),
]:
    actions.register(_name, _description)


def _require(allowed):
    if not allowed:
        raise PermissionDenied


# Intake ----------------------------------------------------------------------------


def notify_hidden_duplicates(actor, agency, case, *, request=None):
    """Tell the coordinator role of every open case about the same person as `case`
    that `actor` cannot see. Called inside the intake's transaction; returns nothing,
    so the intake cannot tell the user anything either.

    The query runs for every identified intake, match or not. The e-mail is not sent
    while the user's request runs (an SMTP round trip would make a matching intake
    slower): it is recorded unsent, and the worker's `retry_unsent` sends it.
    """
    person = case.subject
    matches = same_person(
        name=person.name,
        birth_date=person.birth_date,
        birth_year=person.birth_year,
        identity_number=person.identity_number,
    )
    if matches is None:
        return
    hidden = (
        ConcernCase.objects.filter(matches, is_anonymous=False, merged_into__isnull=True)
        .exclude(state=CaseState.CLOSED)
        .exclude(pk=case.pk)
        .exclude(pk__in=policy.visible_cases(actor).values("pk"))
        .select_related("subject", "coordinator_role")
    )
    number = fodselsnummer.compact(person.identity_number or "")
    for existing in hidden:
        matched_on = (
            MatchedOn.IDENTITY_NUMBER
            if number and existing.subject.identity_number == number
            else MatchedOn.NAME_AND_BIRTH
        )
        notice = DuplicateNotice.objects.create(
            existing_case=existing,
            new_case=case,
            registering_agency=agency,
            matched_on=matched_on,
        )
        record(
            "duplicate.noticed",
            actor=actor,
            agency=agency,
            target=existing,
            detail={"notice": notice.pk, "new_case": case.pk, "matched_on": matched_on},
            request=request,
        )
        _tell_later(notice, existing.coordinator_role, "new")


def _tell_later(notice, role, reason):
    """Record the e-mail to the role's holder and deputy unsent: the worker sends it
    (emails.retry_unsent) at its next round. It says only that a notice waits, and
    links to the start page."""
    # "duplicate": not a notice along a chain, so the link is the start page, where
    # possible duplicates wait (emails.link_for).
    path = emails.link_for("duplicate")
    for user in {role.holder, role.deputy} - {None}:
        Delivery.objects.get_or_create(
            key=f"duplicate:{notice.pk}:{reason}:{user.pk}",
            defaults={"user": user, "kind": "duplicate", "url": path},
        )


def _tell_now(notice, role, reason):
    for user in {role.holder, role.deputy} - {None}:
        emails.deliver(user, key=f"duplicate:{notice.pk}:{reason}:{user.pk}", kind="duplicate")


# The coordinators' answers -----------------------------------------------------------


def _lock(actor, notice, side):
    """The notice, locked and read again, if `actor` answers it for `side` and it is
    still open: two coordinators answering at once decide once."""
    notice = DuplicateNotice.objects.select_for_update().get(pk=notice.pk)
    _require(policy.duplicate_notice_side(actor, notice) == side)
    if not notice.is_open:
        raise ValidationError(_("This notice has already been dealt with."))
    return notice


@transaction.atomic
def dismiss(actor, notice, *, request=None):
    """The matched case's coordinator says it is not the same person (or not now)."""
    notice = _lock(actor, notice, "existing")
    notice.status = NoticeStatus.DISMISSED
    notice.decided_by, notice.decided_at = actor, timezone.now()
    notice.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        "duplicate.dismissed",
        actor=actor,
        target=notice.existing_case,
        detail={"notice": notice.pk, "new_case": notice.new_case_id},
        request=request,
    )
    return notice


@transaction.atomic
def merge_or_propose(actor, notice, *, request=None):
    """The matched case's coordinator wants the two cases merged, the new case into
    theirs. Someone who manages both cases merges at once; otherwise the merge is
    proposed to the new case's coordinator role, who agrees or declines. Returns the
    CaseMerge, or None when it was proposed."""
    notice = _lock(actor, notice, "existing")
    if notice.status == NoticeStatus.PROPOSED:
        raise ValidationError(_("The merge is already waiting for the other coordinator."))
    if policy.can_merge_cases(actor, notice.existing_case, notice.new_case):
        return _merge(actor, notice, proposed_by=None, request=request)
    notice.status = NoticeStatus.PROPOSED
    notice.proposed_by, notice.proposed_at = actor, timezone.now()
    notice.save(update_fields=["status", "proposed_by", "proposed_at"])
    record(
        "duplicate.merge_proposed",
        actor=actor,
        target=notice.existing_case,
        detail={"notice": notice.pk, "new_case": notice.new_case_id},
        request=request,
    )
    _tell_now(notice, notice.new_case.coordinator_role, "proposed")
    return None


@transaction.atomic
def agree(actor, notice, *, request=None):
    """The new case's coordinator agrees to the proposed merge: it happens now."""
    notice = _lock(actor, notice, "new")
    return _merge(actor, notice, proposed_by=notice.proposed_by, request=request)


@transaction.atomic
def decline(actor, notice, *, request=None):
    notice = _lock(actor, notice, "new")
    notice.status = NoticeStatus.DECLINED
    notice.decided_by, notice.decided_at = actor, timezone.now()
    notice.save(update_fields=["status", "decided_by", "decided_at"])
    record(
        "duplicate.merge_declined",
        actor=actor,
        target=notice.new_case,
        detail={"notice": notice.pk, "existing_case": notice.existing_case_id},
        request=request,
    )
    _tell_now(notice, notice.existing_case.coordinator_role, "declined")
    return notice


# The merge -------------------------------------------------------------------------

MOVE = "move"
# Unique per case: a row moves only when the survivor has none with the same key (the
# fields named); otherwise it stays with the merged case.
MOVE_IF_FREE = "move_if_free"
KEEP = "keep"

# Every relation to ConcernCase, and what a merge does with it. A test walks
# ConcernCase's reverse relations (hidden ones too) and fails on any missing here.
RELATIONS = {
    "guidance.GuidanceRequest.case": (MOVE,),
    # Who was told of a coordinator change (L21): the merged case's history moves with it.
    "notices.CoordinatorChange.case": (MOVE,),
    # The anonymous discussion a case came from stays that case's history.
    "cases.ConcernCase.converted_from": (KEEP,),
    "cases.SecurityClarification.case": (MOVE_IF_FREE, ()),
    "cases.ChecklistItem.case": (MOVE_IF_FREE, ("code",)),
    # The lead stays with the survivor's agency (see _move_team).
    "cases.TeamMember.case": (MOVE_IF_FREE, ("agency",)),
    "cases.Resource.case": (MOVE,),
    "cases.Responsibility.case": (MOVE,),
    "cases.Task.case": (MOVE,),
    "cases.JournalEntry.case": (MOVE,),
    "cases.TimelineEvent.case": (MOVE,),
    # Break-glass opened the merged case only; it must not open the survivor.
    "cases.BreakGlassAccess.case": (KEEP,),
    "consent.Consent.case": (MOVE,),
    # Disclosure records never change (ORM and triggers); the items they name moved,
    # and the recipients go on reading them (policy._disclosed_to matches the item).
    "consent.Disclosure.case": (KEEP,),
    "consent.DisclosureFollowUp.case": (MOVE,),
    "consent.DisclosureNotice.case": (MOVE,),
    # A request for information is work on the case: it follows the survivor (its
    # answer, a disclosure, is made on the case it is then on).
    "consent.InformationRequest.case": (MOVE,),
    "measures.Measure.case": (MOVE,),
    "conversations.ContactAgreement.case": (MOVE,),
    "conversations.Conversation.case": (MOVE_IF_FREE, ("is_first",)),
    "exitwork.ExitWork.case": (MOVE_IF_FREE, ()),
    "exitwork.ChildCaseLink.parent_case": (MOVE,),
    "exitwork.ChildCaseLink.child_case": (MOVE_IF_FREE, ()),
    "exitwork.FollowUpReview.case": (MOVE_IF_FREE, ("months_after",)),
    "plans.IndividualPlan.case": (MOVE,),
    # A signed assessment never changes (database triggers): assessments stay with the
    # merged case; their signed items (journal entries) move with the journal.
    "assessments.Assessment.case": (KEEP,),
    # A document moves with its versions' items (journal entries move too).
    "documents.CaseDocument.case": (MOVE,),
    "notices.NoticeChain.case": (MOVE,),
    # The merged case's place on the retention list stays with it; a legal hold follows
    # the data to the survivor, unless the survivor has one of its own.
    # What can still be undone on the merged case stays with it (gone within minutes).
    "cases.Removal.case": (KEEP,),
    "records.CaseRetention.case": (KEEP,),
    "records.LegalHold.case": (MOVE_IF_FREE, ()),
    "duplicates.DuplicateNotice.existing_case": (KEEP,),
    "duplicates.DuplicateNotice.new_case": (KEEP,),
    "duplicates.CaseMerge.merged_case": (KEEP,),
    "duplicates.CaseMerge.survivor": (KEEP,),
    # A forum meeting's agenda names the case that lives on: the survivor (once).
    "meetings.AgendaItem.case": (MOVE_IF_FREE, ("meeting",)),
}


def case_relations():
    """Every reverse relation to ConcernCase, hidden ones (related_name="+") included."""
    return [
        field
        for field in ConcernCase._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete
    ]


def relation_name(relation):
    return f"{relation.related_model._meta.label}.{relation.field.name}"


def _move_rows(relation, survivor, merged, how):
    model, field = relation.related_model, relation.field.name
    rows = model._base_manager.filter(**{field: merged})
    if how[0] == MOVE:
        return rows.update(**{field: survivor}), 0
    if how[0] == KEEP:
        return 0, rows.count()
    key = how[1]
    # A first conversation is unique per case; later ones are not.
    unique = (lambda value: value == (True,)) if key == ("is_first",) else (lambda value: True)
    taken = {
        value
        for value in model._base_manager.filter(**{field: survivor}).values_list(*key)
        if unique(value)
    }
    moved = kept = 0
    for pk, *values in list(rows.values_list("pk", *key)):
        row_key = tuple(values)
        if key:
            free = not unique(row_key) or row_key not in taken
        else:  # one per case (a one-to-one)
            free = not model._base_manager.filter(**{field: survivor}).exists()
        if not free:
            kept += 1
            continue
        changes = {field: survivor}
        if model._meta.label == "cases.TeamMember":
            changes["has_lead"] = False  # the survivor's lead stays
        model._base_manager.filter(pk=pk).update(**changes)
        if key and unique(row_key):
            taken.add(row_key)
        moved += 1
    return moved, kept


def _merge(actor, notice, *, proposed_by, request):
    survivor, merged = notice.existing_case, notice.new_case
    # Lock both cases in id order, so two merges touching one case queue up.
    cases = {
        case.pk: case
        for case in ConcernCase.objects.select_for_update()
        .filter(pk__in=[survivor.pk, merged.pk])
        .order_by("pk")
    }
    survivor, merged = cases[survivor.pk], cases[merged.pk]
    if (
        survivor.is_closed
        or merged.is_closed
        or CaseMerge.objects.filter(Q(merged_case__in=[survivor, merged])).exists()
    ):
        raise ValidationError(
            _("One of the cases is closed or already merged. Nothing was changed.")
        )
    moved, kept = {}, {}
    for relation in case_relations():
        name = relation_name(relation)
        how = RELATIONS[name]  # a relation nobody classified stops the merge
        moved_rows, kept_rows = _move_rows(relation, survivor, merged, how)
        if moved_rows:
            moved[name] = moved_rows
        if kept_rows:
            kept[name] = kept_rows
    # The tasks moved: both cases' next open deadline follows them.
    refresh_next_deadline([survivor.pk, merged.pk])
    now = timezone.now()
    merge = CaseMerge.objects.create(
        merged_case=merged,
        survivor=survivor,
        notice=notice,
        merged_by=actor,
        proposed_by=proposed_by,
        merged_at=now,
        moved=moved,
        kept=kept,
    )
    ConcernCase.objects.filter(pk=merged.pk).update(
        state=CaseState.CLOSED, closed_at=now, updated_at=now, version=F("version") + 1
    )
    # Edits of the survivor read before the merge are stale now (C5).
    ConcernCase.objects.filter(pk=survivor.pk).update(updated_at=now, version=F("version") + 1)
    TimelineEvent.objects.create(
        case=merged,
        actor=actor,
        kind="merged_into",
        from_state=merged.state,
        to_state=CaseState.CLOSED,
        note=survivor.reference,
        at=now,
    )
    TimelineEvent.objects.create(
        case=survivor, actor=actor, kind="merged_from", note=merged.reference, at=now
    )
    notice.status = NoticeStatus.MERGED
    notice.decided_by, notice.decided_at = actor, now
    notice.save(update_fields=["status", "decided_by", "decided_at"])
    for target, other in ((survivor, merged), (merged, survivor)):
        record(
            "case.merged",
            actor=actor,
            target=target,
            detail={
                "survivor": survivor.pk,
                "merged_case": merged.pk,
                "other_case": other.pk,
                "notice": notice.pk,
                "merge": merge.pk,
                "proposed_by": proposed_by.pk if proposed_by else None,
                "moved": moved,
                "kept": kept,
            },
            request=request,
        )
    return merge


def survivor_visible_to(user, case_pk):
    """The case `case_pk` was merged into, if the user may see it; else None."""
    merge = CaseMerge.objects.filter(merged_case_id=case_pk).only("survivor_id").first()
    if merge is None:
        return None
    return policy.visible_cases(user).filter(pk=merge.survivor_id).first()


def duplicate_notices_for(user):
    """The open notices the user answers, each with the side they answer for."""
    notices = []
    for notice in policy.duplicate_notices_for(user)[:20]:
        side = policy.duplicate_notice_side(user, notice)
        if side is not None:
            notice.side = side
            notices.append(notice)
    return notices
