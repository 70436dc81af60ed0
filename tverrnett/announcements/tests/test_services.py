import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from tverrnett.access import policy
from tverrnett.accounts.models import MembershipRole
from tverrnett.announcements.models import Announcement, ReadReceipt
from tverrnett.announcements.services import (
    announcements_for,
    publish_announcement,
    read_announcement,
    recipients_of,
    unread_announcements_for,
)
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import NetworkMember

pytestmark = pytest.mark.django_db


def test_it_reaches_every_member_of_the_network_and_the_networks_below(
    tree, national_poster, owner, partner, outsider, post
):
    announcement = post(national_poster, tree["national"])

    assert set(recipients_of(announcement)) == {national_poster, owner, partner, outsider}


def test_it_does_not_reach_a_sibling_network_or_the_networks_above(
    tree, national_poster, owner, partner, outsider, post
):
    announcement = post(owner, tree["municipal"])

    assert set(recipients_of(announcement)) == {owner, partner}
    assert announcement not in announcements_for(outsider)
    assert announcement not in announcements_for(national_poster)


def test_recipients_and_what_users_see_are_the_same_rule(
    tree, national_poster, owner, partner, outsider, make_user, post
):
    make_user("ingen", None)
    announcements = [
        post(national_poster, tree["national"], title="Nasjonalt"),
        post(owner, tree["municipal"], title="Kommunalt"),
    ]
    for announcement in announcements:
        recipients = set(recipients_of(announcement))
        for user in get_user_model().objects.all():
            sees = announcements_for(user).filter(pk=announcement.pk).exists()
            assert sees == (user in recipients), (announcement.title, user.username)


def test_it_leaves_out_ended_memberships_and_inactive_users(
    tree, national_poster, owner, partner, post
):
    partner.memberships.update(is_active=False)
    owner.is_active = False
    owner.save()

    announcement = post(national_poster, tree["national"])

    assert set(recipients_of(announcement)) == {national_poster}


def test_a_role_holder_in_the_network_or_a_manager_of_a_member_agency_may_post(
    tree, national_poster, owner, partner, outsider, make_user
):
    assert policy.can_post_announcement(owner, tree["municipal"])
    assert not policy.can_post_announcement(owner, tree["national"])
    assert policy.can_post_announcement(national_poster, tree["national"])
    assert not policy.can_post_announcement(national_poster, tree["municipal"])
    assert not policy.can_post_announcement(partner, tree["municipal"])
    assert not policy.can_post_announcement(outsider, tree["sibling"])
    manager = make_user("leder", outsider.memberships.get().agency, MembershipRole.AGENCY_ADMIN)
    assert policy.can_post_announcement(manager, tree["sibling"])
    assert not policy.can_post_announcement(manager, tree["municipal"])


def test_a_role_in_the_network_counts_only_while_the_agency_is_a_member(tree, owner):
    NetworkMember.objects.filter(
        network=tree["municipal"], agency__name=owner.memberships.get().agency.name
    ).delete()

    assert not policy.can_post_announcement(owner, tree["municipal"])


def test_publishing_is_refused_to_someone_who_may_not_post(tree, partner):
    with pytest.raises(PermissionDenied):
        publish_announcement(partner, tree["municipal"], kind="decision", title="T", body="B")

    assert not Announcement.objects.exists()


def test_publishing_needs_a_title_and_a_text(tree, owner):
    with pytest.raises(ValidationError) as refused:
        publish_announcement(owner, tree["municipal"], kind="decision", title=" ", body="")

    assert set(refused.value.message_dict) == {"title", "body"}


def test_publishing_is_audited_and_the_author_has_read_it(tree, owner, partner, post):
    announcement = post(owner, tree["municipal"])

    entry = AuditEntry.objects.get(action="announcements.published")
    assert entry.actor_id == owner.pk
    assert entry.target_id == str(announcement.pk)
    assert announcement.author_agency == owner.memberships.get().agency
    assert not unread_announcements_for(owner).exists()
    assert list(unread_announcements_for(partner)) == [announcement]


def test_reading_is_recorded_once_and_the_first_time_is_kept(tree, owner, partner, post):
    announcement = post(owner, tree["municipal"])

    first = read_announcement(partner, announcement)
    again = read_announcement(partner, announcement)

    assert first.pk == again.pk
    assert again.read_at == first.read_at
    assert ReadReceipt.objects.filter(user=partner).count() == 1
    assert not unread_announcements_for(partner).exists()
    assert AuditEntry.objects.filter(action="announcements.read").count() == 1
