"""Announcement pages: the list, one announcement (the reader marks it read with a
POST; opening it changes nothing), the form, and the read receipts.

What a user may see comes from `services.announcements_for`; an announcement
outside it answers 404, exactly like one that does not exist.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.accounts.models import Membership
from tverrnett.announcements.forms import AnnouncementForm, AnnouncementSearchForm
from tverrnett.announcements.models import ReadReceipt
from tverrnett.announcements.services import (
    announcements_for,
    publish_announcement,
    read_announcement,
    recipients_of,
)
from tverrnett.networks.models import Network

PER_PAGE = 20
RECEIPTS_PER_PAGE = 50


@member
@require_GET
def announcement_list(request):
    form = AnnouncementSearchForm(request.GET)
    query, show = "", AnnouncementSearchForm.SHOW_ALL
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        show = form.cleaned_data["vis"] or AnnouncementSearchForm.SHOW_ALL
    announcements = announcements_for(request.user)
    if query:
        announcements = announcements.filter(title__icontains=query)
    if show == AnnouncementSearchForm.SHOW_UNREAD:
        announcements = announcements.filter(is_read=False)
    page = Paginator(announcements, PER_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "announcements/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "show": show,
            "may_post": bool(policy.announcement_posting_agencies(request.user)),
        },
    )


@member
@require_GET
def announcement_detail(request, pk):
    announcement = get_object_or_404(announcements_for(request.user), pk=pk)
    receipt = ReadReceipt.objects.filter(announcement=announcement, user=request.user).first()
    return render(
        request,
        "announcements/detail.html",
        {
            "announcement": announcement,
            "receipt": receipt,
            "may_see_receipts": policy.can_see_read_receipts(request.user, announcement),
        },
    )


@member
@require_POST
def announcement_mark_read(request, pk):
    """The reader's "Mark as read". Marking again changes nothing."""
    announcement = get_object_or_404(announcements_for(request.user), pk=pk)
    if not announcement.is_read:
        read_announcement(request.user, announcement, request=request)
        messages.success(request, _("Marked as read."))
    return redirect("announcements:detail", pk=announcement.pk)


@member
@require_http_methods(["GET", "POST"])
def announcement_create(request):
    posting = policy.announcement_posting_agencies(request.user)
    if not posting:
        raise PermissionDenied(_("You may not post announcements in any network."))
    postable = Network.objects.filter(pk__in=posting).order_by("name")
    form = AnnouncementForm(request.POST or None, postable_networks=postable)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            announcement = publish_announcement(
                request.user,
                data["network"],
                kind=data["kind"],
                title=data["title"],
                body=data["body"],
                agency=request.agency,
                request=request,
            )
        except ValidationError as error:
            for field, field_errors in error.message_dict.items():
                for message in field_errors:
                    form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("The announcement is published."))
            return redirect("announcements:detail", pk=announcement.pk)
    return render(request, "announcements/form.html", {"form": form})


@member
@require_GET
def announcement_receipts(request, pk):
    announcement = get_object_or_404(announcements_for(request.user), pk=pk)
    if not policy.can_see_read_receipts(request.user, announcement):
        raise Http404
    show_unread = request.GET.get("vis") == "ulest"
    agencies = Prefetch(
        "memberships",
        queryset=Membership.objects.filter(is_active=True, agency__is_active=True)
        .select_related("agency")
        .order_by("agency__name"),
        to_attr="active_agency_memberships",
    )
    recipients = recipients_of(announcement)
    # The author read it as they wrote it; the receipts are about everyone else.
    readers = ReadReceipt.objects.filter(announcement=announcement).exclude(
        user_id=announcement.author_id
    )
    read_count = readers.count()
    unread = recipients.exclude(
        Exists(ReadReceipt.objects.filter(announcement=announcement, user_id=OuterRef("pk")))
    ).order_by("last_name", "first_name", "username")
    unread_count = unread.count()
    if show_unread:
        rows = unread.prefetch_related(agencies)
    else:
        rows = readers.select_related("user").prefetch_related(
            Prefetch(
                "user__memberships",
                queryset=agencies.queryset,
                to_attr="active_agency_memberships",
            )
        )
    page = Paginator(rows, RECEIPTS_PER_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "announcements/receipts.html",
        {
            "announcement": announcement,
            "show_unread": show_unread,
            "page": page,
            "read_count": read_count,
            "unread_count": unread_count,
        },
    )
