"""What users do with events. Each function takes the acting user first, checks
permission, changes data and writes the audit entry in one transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.core.files import check_upload, clean_file_name
from tverrnett.core.versions import changed_message, claim
from tverrnett.events.models import Event, EventMaterial, Registration

actions.register("events.created", gettext_noop("Created an event"))
actions.register("events.updated", gettext_noop("Changed an event"))
actions.register("events.registered", gettext_noop("Registered for an event"))
actions.register(
    "events.registration_cancelled", gettext_noop("Cancelled a registration for an event")
)
actions.register("events.material_uploaded", gettext_noop("Uploaded material to an event"))
actions.register("events.attendance_marked", gettext_noop("Marked attendance at an event"))

EVENT_FIELDS = (
    "network",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
)


def _require_manager(actor, event):
    if not policy.can_manage_event(actor, event):
        raise PermissionDenied(_("Only the organiser can change this event."))


def create_event(actor, organiser, *, request=None, **fields):
    """A new event organised by `organiser` (the actor's current agency)."""
    network = fields["network"]
    if network.pk not in policy.event_network_ids(actor, organiser):
        raise PermissionDenied(_("Your agency is not a member of this network."))
    with transaction.atomic():
        event = Event(organiser=organiser, created_by=actor, **fields)
        event.full_clean()
        event.save()
        record(
            "events.created",
            actor=actor,
            agency=organiser,
            target=event,
            request=request,
            detail={"network": network.pk},
        )
    return event


def update_event(actor, event, *, version, request=None, **fields):
    """Change the event, if it is still at the `version` the user read (C5)."""
    _require_manager(actor, event)
    network = fields.get("network", event.network)
    if network.pk != event.network_id and network.pk not in policy.event_network_ids(
        actor, event.organiser
    ):
        raise PermissionDenied(_("Your agency is not a member of this network."))
    with transaction.atomic():
        changed = sorted(name for name, value in fields.items() if getattr(event, name) != value)
        for name, value in fields.items():
            setattr(event, name, value)
        event.full_clean()
        claim(event, version, message=changed_message(), **fields)
        record(
            "events.updated", actor=actor, target=event, request=request, detail={"fields": changed}
        )
    return event


def register(actor, event, *, request=None):
    """Register `actor` for `event`, if there is room and it has not started."""
    if not Event.objects.visible_to(actor).filter(pk=event.pk).exists():
        raise PermissionDenied(_("You cannot register for this event."))
    with transaction.atomic():
        # The lock makes "is there room?" and the new row one step for concurrent users.
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.starts_at <= timezone.now():
            raise ValidationError(_("The event has started. Registration is closed."))
        existing = Registration.objects.filter(event=locked, user=actor).first()
        if existing is not None:
            return existing
        if locked.capacity is not None and locked.registrations.count() >= locked.capacity:
            raise ValidationError(
                _("The event is full. Contact the organiser if you still want to take part.")
            )
        registration = Registration.objects.create(event=locked, user=actor)
        record("events.registered", actor=actor, target=locked, request=request)
    return registration


def cancel_registration(actor, event, *, request=None):
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        if locked.starts_at <= timezone.now():
            raise ValidationError(_("The event has started. You can no longer cancel."))
        deleted, _rows = Registration.objects.filter(event=locked, user=actor).delete()
        if deleted:
            record("events.registration_cancelled", actor=actor, target=locked, request=request)
    return bool(deleted)


def upload_material(actor, event, uploaded, *, request=None):
    """Check `uploaded` (type, size, classification marking) and store it under a random name."""
    _require_manager(actor, event)
    file_type = check_upload(uploaded)
    with transaction.atomic():
        material = EventMaterial(
            event=event,
            original_name=clean_file_name(uploaded.name),
            content_type=file_type.content_type,
            size=uploaded.size,
            uploaded_by=actor,
        )
        # Saves the file under MEDIA_ROOT with material_path's random name.
        material.file.save("upload", uploaded, save=False)
        try:
            material.save()
            record(
                "events.material_uploaded",
                actor=actor,
                target=material,
                request=request,
                detail={"event": event.pk, "size": material.size, "type": file_type.content_type},
            )
        except Exception:
            material.file.delete(save=False)
            raise
    return material


def mark_attendance(actor, event, attendance, *, request=None):
    """Set attendance for the event's registrations: `attendance` maps registration id to
    True (came), False (did not come) or None (not marked). Returns the number changed."""
    _require_manager(actor, event)
    with transaction.atomic():
        registrations = {
            registration.pk: registration
            for registration in Registration.objects.select_for_update().filter(
                event=event, pk__in=list(attendance)
            )
        }
        changed = {"attended": [], "absent": [], "unmarked": []}
        to_update = []
        for registration_id, value in attendance.items():
            registration = registrations.get(registration_id)
            if registration is None or registration.attended == value:
                continue
            registration.attended = value
            to_update.append(registration)
            key = "unmarked" if value is None else "attended" if value else "absent"
            changed[key].append(registration_id)
        if to_update:
            Registration.objects.bulk_update(to_update, ["attended"])
            record(
                "events.attendance_marked",
                actor=actor,
                target=event,
                request=request,
                detail=changed,
            )
    return len(to_update)
