"""Event pages. Who may see an event and who may manage it is decided by the
querysets (Event.objects.visible_to / managed_by, built on access.policy); an
event the user may not see, or may not manage on a manager's page, is a 404
like a missing one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.accounts.models import Membership
from tverrnett.core.versions import StaleEdit
from tverrnett.events import services
from tverrnett.events.forms import AttendanceForm, EventForm, MaterialForm
from tverrnett.events.models import Event, EventMaterial, Registration

PAGE_SIZE = 20
SORTS = {"date": ("starts_at", "title"), "title": ("title", "starts_at")}


def _visible_events(request):
    return Event.objects.visible_to(request.user)


def _managed_event(request, event_id):
    return get_object_or_404(
        Event.objects.visible_to(request.user)
        .managed_by(request.user)
        .select_related("network", "organiser"),
        pk=event_id,
    )


@member
@require_GET
def event_list(request):
    query = request.GET.get("q", "").strip()[:100]
    when = request.GET.get("when", "upcoming")
    if when not in ("upcoming", "past"):
        when = "upcoming"
    sort = request.GET.get("sort", "date")
    if sort not in SORTS:
        sort = "date"

    now = timezone.now()
    events = (
        _visible_events(request)
        .select_related("network", "organiser")
        .with_registration_of(request.user)
        .annotate(registered_count=Count("registrations"))
    )
    events = (
        events.filter(ends_at__gte=now) if when == "upcoming" else events.filter(ends_at__lt=now)
    )
    if query:
        events = events.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(place__icontains=query)
            | Q(organiser__name__icontains=query)
            | Q(network__name__icontains=query)
        )
    order = SORTS[sort]
    if when == "past" and sort == "date":
        order = ("-starts_at", "title")
    page = Paginator(events.order_by(*order), PAGE_SIZE).get_page(request.GET.get("side"))
    return render(
        request,
        "events/event_list.html",
        {
            "page": page,
            "query": query,
            "when": when,
            "sort": sort,
            "can_create": bool(policy.event_network_ids(request.user, request.agency)),
        },
    )


@member
@require_GET
def event_detail(request, event_id):
    event = get_object_or_404(
        _visible_events(request)
        .select_related("network", "organiser")
        .with_registration_of(request.user)
        .annotate(registered_count=Count("registrations")),
        pk=event_id,
    )
    full = event.capacity is not None and event.registered_count >= event.capacity
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "materials": event.materials.all(),
            "can_manage": policy.can_manage_event(request.user, event),
            "started": event.starts_at <= timezone.now(),
            "full": full,
            "places_left": None
            if event.capacity is None
            else max(event.capacity - event.registered_count, 0),
        },
    )


@member
@require_POST
def register(request, event_id):
    event = get_object_or_404(_visible_events(request), pk=event_id)
    try:
        services.register(request.user, event, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You are registered for the event."))
    return redirect("events:detail", event_id=event.pk)


@member
@require_http_methods(["GET", "POST"])
def cancel_registration(request, event_id):
    """GET asks to confirm the cancellation (issue 21 item 10); POST cancels."""
    event = get_object_or_404(_visible_events(request), pk=event_id)
    if request.method == "GET":
        if not Registration.objects.filter(event=event, user=request.user).exists():
            return redirect("events:detail", event_id=event.pk)
        return render(
            request,
            "confirm_removal.html",
            {
                "heading": _("Cancel your registration for %(event)s?") % {"event": event.title},
                "text": _(
                    "Your place is given up. If the event fills up, you may not get it back "
                    "when you register again."
                ),
                "button": _("Cancel registration"),
                "action": request.path,
                "back": reverse("events:detail", args=[event.pk]),
            },
        )
    try:
        cancelled = services.cancel_registration(request.user, event, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if cancelled:
            messages.success(request, _("Your registration is cancelled."))
    return redirect("events:detail", event_id=event.pk)


@member
@require_http_methods(["GET", "POST"])
def event_create(request):
    network_ids = policy.event_network_ids(request.user, request.agency)
    if not network_ids:
        raise PermissionDenied
    form = EventForm(request.POST or None, network_ids=network_ids)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(
            request.user, request.agency, request=request, **form.event_fields()
        )
        messages.success(request, _("The event is created."))
        return redirect("events:detail", event_id=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@member
@require_http_methods(["GET", "POST"])
def event_edit(request, event_id):
    event = _managed_event(request, event_id)
    network_ids = policy.event_network_ids(request.user, event.organiser) | {event.network_id}
    form = EventForm(request.POST or None, instance=event, network_ids=network_ids)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(
                request.user,
                event,
                version=form.cleaned_data["version"],
                request=request,
                **form.event_fields(),
            )
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("The event is saved."))
            return redirect("events:detail", event_id=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@member
@require_http_methods(["GET", "POST"])
def material_upload(request, event_id):
    event = _managed_event(request, event_id)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        material = services.upload_material(
            request.user, event, form.cleaned_data["file"], request=request
        )
        messages.success(request, _("%(name)s is uploaded.") % {"name": material.original_name})
        return redirect("events:detail", event_id=event.pk)
    return render(
        request,
        "events/material_form.html",
        {"form": form, "event": event, "materials": event.materials.all()},
    )


@member
@require_http_methods(["GET", "POST"])
def participants(request, event_id):
    event = _managed_event(request, event_id)
    registrations = list(
        event.registrations.select_related("user")
        .prefetch_related(
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.filter(is_active=True).select_related("agency"),
            )
        )
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    for registration in registrations:
        registration.agencies = sorted(
            {membership.agency.name for membership in registration.user.memberships.all()}
        )
    form = AttendanceForm(request.POST or None, registrations=registrations)
    if request.method == "POST" and form.is_valid():
        changed = services.mark_attendance(request.user, event, form.attendance(), request=request)
        if changed:
            messages.success(request, _("Attendance is saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("events:participants", event_id=event.pk)
    counts = {"yes": 0, "no": 0, "unmarked": 0}
    for registration in form.registrations:
        key = (
            "unmarked"
            if registration.attended is None
            else "yes"
            if registration.attended
            else "no"
        )
        counts[key] += 1
    return render(
        request,
        "events/participants.html",
        {"form": form, "event": event, "counts": counts},
    )


@member
@require_GET
def material_download(request, material_id):
    material = get_object_or_404(
        EventMaterial.objects.filter(event__in=_visible_events(request)), pk=material_id
    )
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
