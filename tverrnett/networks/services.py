"""What users do with networks and roles. Each function takes the acting user first,
checks permission, changes data and writes the audit entry in one transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.networks.models import Role, RoleHandover

actions.register("networks.role_handed_over", "Handed a role over to a new holder or deputy")

# Passed as new_deputy to leave the deputy as it is.
KEEP = object()


class StaleRole(ValidationError):
    """The role changed since the user loaded it; their handover would overwrite that."""


def hand_over_role(
    actor, role, *, new_holder, reason, expected_version, new_deputy=KEEP, request=None
):
    """Move `role` to `new_holder` (and optionally a new deputy) in one step.

    Everything assigned to the role stays with the role. The previous holder's
    account can be deactivated afterwards without losing anything.
    """
    if not policy.can_hand_over_role(actor, role):
        raise PermissionDenied(_("Only the holder, the deputy or a manager can hand over a role."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the role is handed over.")})

    with transaction.atomic():
        locked = Role.objects.select_for_update().get(pk=role.pk)
        if locked.version != expected_version:
            raise StaleRole(
                _(
                    "Someone changed this role while you were working. "
                    "Reload the page to see the change, then try again."
                )
            )
        deputy = locked.deputy if new_deputy is KEEP else new_deputy
        _check_people(locked, new_holder, deputy)

        handover = RoleHandover.objects.create(
            role=locked,
            previous_holder=locked.holder,
            new_holder=new_holder,
            previous_deputy=locked.deputy,
            new_deputy=deputy,
            handed_over_by=actor,
            handed_over_at=timezone.now(),
            reason=reason,
        )
        locked.holder = new_holder
        locked.deputy = deputy
        locked.holder_since = handover.handed_over_at
        locked.version += 1
        locked.save(update_fields=["holder", "deputy", "holder_since", "version"])
        record(
            "networks.role_handed_over",
            actor=actor,
            target=locked,
            request=request,
            detail={
                "previous_holder": handover.previous_holder_id,
                "new_holder": handover.new_holder_id,
                "previous_deputy": handover.previous_deputy_id,
                "new_deputy": handover.new_deputy_id,
                "handover": handover.pk,
            },
        )
    return locked


def _check_people(role, holder, deputy):
    errors = {}
    for field, person in (("new_holder", holder), ("new_deputy", deputy)):
        if person is None:
            continue
        if (
            not person.is_active
            or not person.memberships.filter(agency_id=role.agency_id, is_active=True).exists()
        ):
            errors[field] = _("%(person)s does not work for %(agency)s.") % {
                "person": person.get_full_name() or person.get_username(),
                "agency": role.agency,
            }
    if holder is not None and deputy is not None and holder.pk == deputy.pk:
        errors["new_deputy"] = _("The deputy must be someone other than the holder.")
    if errors:
        raise ValidationError(errors)
