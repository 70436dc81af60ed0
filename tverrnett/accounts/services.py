"""What agency managers do with people's memberships. Acting user first; permission,
change and audit entry in one transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from tverrnett.access import policy
from tverrnett.accounts.models import Membership
from tverrnett.audit import actions
from tverrnett.audit.services import record

actions.register(
    "accounts.membership_ended", gettext_noop("Ended a user's membership in an agency")
)

_MANAGER_ROLES = ("line_manager", "agency_admin")


class EndReason(models.TextChoices):
    """Why a membership ends. A code, not free text: it goes into the audit log."""

    LEFT = "left", gettext_lazy("Has left the agency")
    NEW_POSITION = "new_position", gettext_lazy("Has a new position")
    LEAVE = "leave", gettext_lazy("Long leave")
    REGISTERED_IN_ERROR = "error", gettext_lazy("Registered by mistake")


def end_membership(actor, membership, reason, *, request=None):
    """End `membership`: the person no longer works for the agency in that role.

    When it was their last active membership the user account is deactivated
    too, so they can no longer log in. Nothing they held is moved or removed:
    roles keep pointing at them, and the network health page shows each such
    role as having no holder until someone hands it over.
    """
    if not policy.manages_agency(actor, membership.agency_id):
        raise PermissionDenied(_("Only a manager of the agency can end a membership."))
    if reason not in EndReason.values:
        raise ValidationError({"reason": _("Choose why the membership is ended.")})

    with transaction.atomic():
        locked = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if not locked.is_active:
            raise ValidationError(_("The membership has already been ended."))
        if locked.user_id == actor.pk and locked.role in _MANAGER_ROLES:
            other_manager = Membership.objects.filter(
                user=actor,
                agency_id=locked.agency_id,
                role__in=_MANAGER_ROLES,
                is_active=True,
            ).exclude(pk=locked.pk)
            if not other_manager.exists():
                raise ValidationError(
                    _(
                        "You cannot end your own last manager membership. "
                        "Ask another manager of the agency to do it."
                    )
                )
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        user = locked.user
        deactivated = False
        if not user.memberships.filter(is_active=True, agency__is_active=True).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
            deactivated = True
        record(
            "accounts.membership_ended",
            actor=actor,
            agency=getattr(request, "agency", None) or locked.agency,
            target=locked,
            request=request,
            detail={
                "user": user.pk,
                "agency": locked.agency_id,
                "role": locked.role,
                "reason": reason,
                "user_deactivated": deactivated,
            },
        )
    membership.is_active = False
    return locked
