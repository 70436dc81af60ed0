"""What agency managers do with their agency's directory entry. Acting user first;
permission, change and audit entry in one transaction."""

import datetime

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.accounts.models import Membership
from tverrnett.agencies.models import Agency, SpecialCategoryPermission
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.core import dates
from tverrnett.core.versions import changed_message, claim

actions.register("agencies.directory_updated", gettext_noop("Changed an agency's directory entry"))
actions.register(
    "agencies.special_categories_granted",
    gettext_noop("Granted a user access to special-category information (GDPR Art. 9/10)"),
)
actions.register(
    "agencies.special_categories_revoked",
    gettext_noop("Revoked a user's access to special-category information (GDPR Art. 9/10)"),
)

DIRECTORY_FIELDS = ("mandate", "working_methods", "phone", "email", "website")


def update_directory_entry(actor, agency, changes, *, version, request=None):
    """Save the directory fields in `changes` (a dict, e.g. a form's cleaned_data), if
    the entry is still at the `version` the user read (C5).

    The audit entry names the fields that changed, not their text.
    """
    if not policy.manages_agency(actor, agency.pk):
        raise PermissionDenied(_("Only a manager of the agency can change its directory entry."))
    with transaction.atomic():
        locked = Agency.objects.select_for_update().get(pk=agency.pk)
        changed = [
            field
            for field in DIRECTORY_FIELDS
            if field in changes and getattr(locked, field) != changes[field]
        ]
        # Saved even when nothing changed: the version moves on with every save (C5).
        claim(locked, version, message=changed_message(), **{f: changes[f] for f in changed})
        if changed:
            record(
                "agencies.directory_updated",
                actor=actor,
                target=locked,
                request=request,
                detail={"fields": changed},
            )
    return locked


# Special categories (L34) ---------------------------------------------------------------


def current_permissions(agency, day=None):
    """The agency's special-category permissions that count on `day` (today)."""
    return SpecialCategoryPermission.objects.filter(
        agency=agency, revoked_at__isnull=True, ends_on__gte=day or timezone.localdate()
    )


def latest_end_date(today=None):
    """The last day a permission granted today may run to."""
    today = today or timezone.localdate()
    return today + datetime.timedelta(days=settings.SPECIAL_CATEGORY_PERMISSION_MAX_DAYS)


def grant_special_categories(actor, agency, user, *, ends_on, reason, request=None):
    """Let `user`, a member of `agency`, read items tagged GDPR Art. 9 or 10 while acting
    for `agency`, until `ends_on`. Only a manager of the agency acting for it may grant.
    A permission the user already holds for the agency is replaced (revoked, then the
    new one granted), so there is one that counts at a time. The audit entry names
    the user and the end date; the reason stays on the permission."""
    if not policy.can_grant_special_categories(actor, agency, getattr(request, "agency", None)):
        raise PermissionDenied(_("Only a manager of the agency can grant this permission."))
    if not Membership.objects.filter(
        user=user, agency=agency, is_active=True, user__is_active=True
    ).exists():
        raise PermissionDenied(_("Only a member of the agency can be granted this permission."))
    today = timezone.localdate()
    errors = {}
    if user.pk == actor.pk:
        # Four eyes: a manager who needs it asks another manager.
        errors[NON_FIELD_ERRORS] = _(
            "You cannot grant this permission to yourself. Ask another manager of the agency."
        )
    if ends_on is None:
        errors["ends_on"] = _("Give the last day the permission lasts.")
    elif ends_on < today:
        errors["ends_on"] = _("The end date has passed. Choose today or a later day.")
    elif ends_on > latest_end_date(today):
        errors["ends_on"] = _(
            "The permission can last at most %(days)s days. Choose %(day)s or earlier, "
            "and grant it again when it runs out if it is still needed."
        ) % {
            "days": settings.SPECIAL_CATEGORY_PERMISSION_MAX_DAYS,
            "day": dates.day(latest_end_date(today)),
        }
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the user needs to read such information.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        replaced = list(
            SpecialCategoryPermission.objects.select_for_update()
            .filter(user=user, agency=agency, revoked_at__isnull=True)
            .values_list("pk", flat=True)
        )
        SpecialCategoryPermission.objects.filter(pk__in=replaced).update(
            revoked_at=now, revoked_by=actor
        )
        permission = SpecialCategoryPermission.objects.create(
            user=user,
            agency=agency,
            granted_by=actor,
            granted_at=now,
            ends_on=ends_on,
            reason=reason,
        )
        record(
            "agencies.special_categories_granted",
            actor=actor,
            agency=agency,
            target=permission,
            request=request,
            detail={
                "user": user.pk,
                "agency": agency.pk,
                "ends_on": ends_on.isoformat(),
                "replaced": replaced,
            },
        )
    return permission


def revoke_special_categories(actor, permission, *, request=None):
    """End a permission now. Only a manager of its agency acting for it may revoke."""
    agency = permission.agency
    if not policy.can_grant_special_categories(actor, agency, getattr(request, "agency", None)):
        raise PermissionDenied(_("Only a manager of the agency can revoke this permission."))
    with transaction.atomic():
        locked = SpecialCategoryPermission.objects.select_for_update().get(pk=permission.pk)
        if locked.revoked_at is not None:
            raise ValidationError(_("The permission has already been revoked."))
        locked.revoked_at = timezone.now()
        locked.revoked_by = actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record(
            "agencies.special_categories_revoked",
            actor=actor,
            agency=agency,
            target=locked,
            request=request,
            detail={"user": locked.user_id, "agency": agency.pk},
        )
    return locked
