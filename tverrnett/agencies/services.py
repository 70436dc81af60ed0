"""What agency managers do with their agency's directory entry. Acting user first;
permission, change and audit entry in one transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.agencies.models import Agency
from tverrnett.audit import actions
from tverrnett.audit.services import record

actions.register("agencies.directory_updated", gettext_noop("Changed an agency's directory entry"))

DIRECTORY_FIELDS = ("mandate", "working_methods", "phone", "email", "website")


def update_directory_entry(actor, agency, changes, *, request=None):
    """Save the directory fields in `changes` (a dict, e.g. a form's cleaned_data).

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
        for field in changed:
            setattr(locked, field, changes[field])
        if changed:
            locked.save(update_fields=changed)
            record(
                "agencies.directory_updated",
                actor=actor,
                target=locked,
                request=request,
                detail={"fields": changed},
            )
    return locked
