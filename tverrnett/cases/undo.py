"""Undo a removal (angre), for a short while (issue 21 item 10).

A service that removes a team member, a resource, a plan goal or a plan measure keeps
the removed row's values in a `Removal` (`keep`) in its own transaction. The kind's own
undo service (`cases.services.undo_remove_team_member`, `undo_remove_resource`,
`plans.services.undo_remove_goal`, `undo_remove_measure`) takes the removal back
(`take`: the same user acting for the same agency, within `UNDO_MINUTES`, not undone
before), checks its own rule and whether the row can come back as it was, and puts it
back with its old id (`rebuild`). Each kind says itself what it restores and when it
refuses: there is deliberately no general "restore any row" here.
"""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from tverrnett.access import policy
from tverrnett.cases.models import Removal


def _deadline(now=None):
    """Removals made before this moment can no longer be undone."""
    return (now or timezone.now()) - datetime.timedelta(minutes=settings.UNDO_MINUTES)


def _plain(value):
    # Dates and times in full (the JSON encoder would cut times to milliseconds).
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def snapshot(obj):
    """The row's values by column name, its id included."""
    return {
        field.attname: _plain(getattr(obj, field.attname)) for field in obj._meta.concrete_fields
    }


def keep(actor, case, kind, obj, label):
    """Record the removal of `obj` (call it before deleting the row)."""
    return Removal.objects.create(
        case=case,
        kind=kind,
        label=label[:200],
        values=snapshot(obj),
        removed_by=actor,
        agency_id=policy.acting_agency_id(actor),
    )


def offers(user, case, kinds):
    """The removals of these kinds on `case` that `user` may still undo here, newest first.
    A case annotated `has_removals` (`pending`, in the case page's query) without any
    asks nothing."""
    if not getattr(case, "has_removals", True):
        return []
    pending_removals = pending(user, case, kinds).order_by("-removed_at", "-pk")
    offered = [removal for removal in pending_removals if policy.may_undo(user, removal)]
    for removal in offered:
        removal.undo_until = removal.removed_at + datetime.timedelta(minutes=settings.UNDO_MINUTES)
    return offered


def pending(user, case, kinds):
    """The removals of these kinds on `case` (a case, or OuterRef("pk")) that `user` made
    and may still undo in time."""
    return Removal.objects.filter(
        case=case,
        kind__in=kinds,
        removed_by=user,
        undone_at__isnull=True,
        removed_at__gte=_deadline(),
    )


def find(user, case, pk, kinds):
    """The removal `pk` on `case` that `user` may undo, or None: someone else's, one made
    for another agency and a missing one look the same (the view answers 404). Late and
    repeated ones are found, so that `take` can say why they are refused."""
    removal = Removal.objects.filter(pk=pk, case=case, kind__in=kinds).first()
    if removal is None or not policy.may_undo(user, removal):
        return None
    return removal


def take(actor, removal, kind):
    """Lock `removal` and mark it undone, or refuse: someone else's (or one for another
    agency) as if it did not exist, a late or repeated one with a reason. Call inside
    the undo service's transaction, so a refusal further on leaves it untaken."""
    locked = Removal.objects.select_for_update().get(pk=removal.pk)
    if locked.kind != kind or not policy.may_undo(actor, locked):
        raise PermissionDenied
    if locked.undone_at is not None:
        raise ValidationError(_("This removal has already been undone."))
    if locked.removed_at < _deadline():
        raise ValidationError(
            _(
                "It is more than %(minutes)s minutes since this was removed, so it can no "
                "longer be undone. Add it again instead."
            )
            % {"minutes": settings.UNDO_MINUTES}
        )
    locked.undone_at = timezone.now()
    locked.save(update_fields=["undone_at"])
    return locked


def rebuild(model, removal, **changes):
    """The removed row as it was (with `changes`, e.g. a new version), saved under its
    old id."""
    values = {
        field.attname: field.to_python(removal.values[field.attname])
        for field in model._meta.concrete_fields
        if field.attname in removal.values
    }
    values.update(changes)
    row = model(**values)
    row.save(force_insert=True)
    return row


def forget_expired(now=None):
    """The worker's sweep: removals past the time limit, with the values they hold."""
    deleted, _by_model = Removal.objects.filter(removed_at__lt=_deadline(now)).delete()
    return deleted
