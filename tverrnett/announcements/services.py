"""What users do with announcements, and who receives them.

Who receives an announcement and who sees it are two views of one rule: a
user sees the announcements of the networks `policy.visible_network_ids`
gives them (their own networks and those above), so an announcement reaches
every user whose active agency is a member of its network or of any network
below it. The tests check that both sides agree.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.announcements.models import Announcement, ReadReceipt
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.networks.models import Network

actions.register(
    "announcements.published", gettext_noop("Published an announcement or decision in a network")
)
actions.register("announcements.read", gettext_noop("Marked an announcement as read"))


def announcements_for(user):
    """The announcements `user` receives, newest first, each with `is_read` annotated."""
    network_ids = policy.visible_network_ids(user)
    return (
        Announcement.objects.filter(network_id__in=network_ids)
        .select_related("network", "author", "author_agency")
        .annotate(
            is_read=Exists(ReadReceipt.objects.filter(announcement=OuterRef("pk"), user_id=user.pk))
        )
    )


def unread_announcements_for(user):
    return announcements_for(user).filter(is_read=False)


def network_and_below_ids(network_id):
    """The network and every active network below it (children, grandchildren ...). One query."""
    children = {}
    for child_id, parent_id in Network.objects.filter(is_active=True).values_list(
        "id", "parent_id"
    ):
        children.setdefault(parent_id, []).append(child_id)
    found = {network_id}
    stack = [network_id]
    while stack:
        for child_id in children.get(stack.pop(), []):
            if child_id not in found:
                found.add(child_id)
                stack.append(child_id)
    return found


def recipients_of(announcement):
    """Active users with an active agency that is a member of the network or one below it."""
    network_ids = network_and_below_ids(announcement.network_id)
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__is_active=True,
            memberships__agency__is_active=True,
            memberships__agency__network_members__network_id__in=network_ids,
            memberships__agency__network_members__network__is_active=True,
        )
        .distinct()
    )


def publish_announcement(actor, network, *, kind, title, body, agency=None, request=None):
    """Post an announcement or decision in `network` on behalf of one of the actor's agencies.

    `agency` is the agency the actor acts for; when it is not what gives them
    the right to post here, the agency that does is named as the author's.
    """
    posting = policy.announcement_posting_agencies(actor).get(network.pk)
    if not posting:
        raise PermissionDenied(_("You may not post announcements in this network."))
    title = (title or "").strip()
    body = (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Write a title.")
    if not body:
        errors["body"] = _("Write the text of the announcement.")
    if errors:
        raise ValidationError(errors)
    author_agency_id = agency.pk if agency is not None and agency.pk in posting else min(posting)

    with transaction.atomic():
        announcement = Announcement.objects.create(
            network=network,
            kind=kind,
            title=title,
            body=body,
            author=actor,
            author_agency_id=author_agency_id,
            published_at=timezone.now(),
        )
        # The author has read what they wrote: it is never unread for them.
        ReadReceipt.objects.create(
            announcement=announcement, user=actor, read_at=announcement.published_at
        )
        record(
            "announcements.published",
            actor=actor,
            target=announcement,
            request=request,
            detail={"network": network.pk, "kind": kind},
        )
    return announcement


def read_announcement(user, announcement, *, request=None):
    """Record that `user` has read `announcement`: an explicit POST, never the GET that
    shows it. Idempotent: the first read time is kept, and only that first time is
    audited."""
    receipt = ReadReceipt.objects.filter(announcement=announcement, user=user).first()
    if receipt is not None:
        return receipt
    try:
        with transaction.atomic():
            receipt = ReadReceipt.objects.create(announcement=announcement, user=user)
            record("announcements.read", actor=user, target=announcement, request=request)
            return receipt
    except IntegrityError:
        # Marked twice at the same moment (two tabs): the other request got there first.
        return ReadReceipt.objects.get(announcement=announcement, user=user)
