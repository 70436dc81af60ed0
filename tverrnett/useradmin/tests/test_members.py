"""The one member list (/etater/<pk>/brukere/) and the one way to end a membership
(issue 19, item 4): what the agency's administrator sees and does, what everyone else
gets, the old address /etater/<pk>/personer/, and the handover asked for first on every
route."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import SpecialCategoryPermission
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import Role, RoleHandover, RoleKind
from tverrnett.networks.services import hand_over_role
from tverrnett.useradmin import services
from tverrnett.useradmin.services import EndReason, end_membership

pytestmark = pytest.mark.django_db

BEFORE_THE_VIEW = 3  # the session, the user with the acting membership, the device (test_views)
HANDOVER_MESSAGE = "Brukeren har roller for etaten. Overlever dem før du avslutter tilknytningen."


@pytest.fixture
def manager(make_user, owner_agency):
    """A line manager of the owning agency: manages it, but does not administer accounts."""
    return make_user("leder", owner_agency, MembershipRole.LINE_MANAGER, first_name="Lene")


@pytest.fixture
def role(owner, manager, owner_agency):
    return Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, holder=owner, deputy=manager
    )


def _old(agency):
    return f"/etater/{agency.pk}/personer/"


def _old_end(agency, membership):
    return f"/etater/{agency.pk}/personer/{membership.pk}/avslutt/"


def _members(agency):
    return reverse("useradmin:members", args=[agency.pk])


def _end(agency, membership):
    return reverse("useradmin:end_membership", args=[agency.pk, membership.pk])


def _page(response, url):
    """The page without what differs from one request to the next: the CSRF token and
    the address itself (the language form's `next`)."""
    text = response.content.decode().replace(url, "<address>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)


def _unchanged(membership):
    membership.refresh_from_db()
    return (
        membership.is_active
        and not AuditEntry.objects.filter(action="accounts.membership_ended").exists()
    )


# Who may: four actors, the old address and the new -------------------------------------


def test_the_owning_agencys_administrator_gets_the_list_and_is_sent_there_from_the_old_address(
    client, login_actor, owner_agency, owner
):
    login_actor("admin")
    assert client.get(_members(owner_agency)).status_code == 200

    moved = client.get(_old(owner_agency), {"q": "eva", "sort": "-name"})
    assert moved.status_code == 301
    assert moved.url == _members(owner_agency) + "?q=eva&sort=-name"
    assert client.get(_old(owner_agency)).url == _members(owner_agency)
    membership = owner.memberships.get()
    moved = client.get(_old_end(owner_agency, membership))
    assert (moved.status_code, moved.url) == (301, _end(owner_agency, membership))


@pytest.mark.parametrize(
    "who", ["other_admin", "outsider", "elsewhere_admin", "colleague", "manager"]
)
def test_everyone_else_gets_what_a_missing_page_gets_at_both_addresses(
    client, login_as, login_actor, owner_agency, owner, outsider, manager, who
):
    """A team agency's administrator, an outsider, an administrator of the agency acting
    for an unrelated agency, a member who is no administrator, a line manager."""
    if who in ("outsider", "manager"):
        login_as(client, {"outsider": outsider, "manager": manager}[who])
    else:
        login_actor(who)
    membership = owner.memberships.get()

    for url in (
        _old(owner_agency),
        _members(owner_agency),
        _old_end(owner_agency, membership),
        _end(owner_agency, membership),
    ):
        # The same address with an agency that does not exist.
        missing_url = url.replace(f"/etater/{owner_agency.pk}/", "/etater/999999/", 1)
        missing = client.get(missing_url)
        response = client.get(url)
        assert response.status_code == missing.status_code == 404, url
        assert [t.name for t in response.templates] == [t.name for t in missing.templates], url
        assert _page(response, url) == _page(missing, missing_url), url
    for url in (_old_end(owner_agency, membership), _end(owner_agency, membership)):
        assert client.post(url, {"reason": EndReason.LEFT}).status_code == 404, url
    assert _unchanged(membership)


def test_an_inactive_agency_is_a_missing_page_even_for_its_administrator(
    client, login_as, admin, owner_agency, partner_agency
):
    Membership.objects.create(user=admin, agency=partner_agency, role=MembershipRole.ADVISOR)
    owner_agency.is_active = False
    owner_agency.save()
    login_as(client, admin)
    assert client.get(_old(owner_agency)).status_code == 404


# The list ---------------------------------------------------------------------------------


def test_the_administrator_sees_the_people_their_roles_and_since_when(
    client, login_as, admin, colleague, owner, manager, role, owner_agency, partner
):
    login_as(client, admin)

    response = client.get(_members(owner_agency))

    assert response.status_code == 200
    rows = {m.user.username: m for m in response.context["page"].object_list}
    assert set(rows) == {"admin", "eier", "kollega", "leder"}  # the partner works elsewhere
    assert rows["eier"].roles_held == [(role, "holder")]
    assert rows["leder"].roles_held == [(role, "deputy")]
    assert rows["kollega"].roles_held == []
    page = response.content.decode()
    assert "SLT-koordinator" in page
    assert "Nærmeste leder" in page
    assert reverse("networks:role", args=[role.pk]) in page
    assert "Aktiv siden" in page and "Siste innlogging" in page
    for membership in rows.values():
        assert _end(owner_agency, membership) in page
        assert reverse("useradmin:member", args=[owner_agency.pk, membership.pk]) in page


def test_the_list_shows_who_may_read_special_categories_until_when(
    client, login_as, admin, colleague, owner_agency
):
    ends = timezone.localdate() + datetime.timedelta(days=30)
    SpecialCategoryPermission.objects.create(
        agency=owner_agency, user=colleague, granted_by=admin, ends_on=ends, reason="Saker"
    )
    SpecialCategoryPermission.objects.create(
        agency=owner_agency,
        user=admin,
        granted_by=admin,
        ends_on=timezone.localdate() - datetime.timedelta(days=1),
        reason="Utløpt",
    )
    login_as(client, admin)

    response = client.get(_members(owner_agency))

    rows = {m.user.username: m for m in response.context["page"].object_list}
    assert rows["kollega"].special_categories_until == ends
    assert rows["admin"].special_categories_until is None
    assert reverse("agencies:special_categories", args=[owner_agency.pk]) in (
        response.content.decode()
    )


def test_the_list_searches_and_sorts(
    client, login_as, admin, colleague, owner, manager, owner_agency
):
    login_as(client, admin)
    url = _members(owner_agency)

    def names(**params):
        return [m.user.username for m in client.get(url, params).context["page"].object_list]

    everyone = ["admin", "eier", "kollega", "leder"]  # Ada, Eva, Kari, Lene
    assert names(q="eva") == ["eier"]
    assert names(q="kollega") == ["kollega"]
    owner.email = "eva@drammen.example"
    owner.save()
    assert names(q="eva@drammen") == ["eier"]
    assert names(sort="name") == everyone
    assert names(sort="-name") == everyone[::-1]
    assert names(sort="nonsense") == everyone
    assert names(sort="role")[0] == "admin"  # agency_admin sorts first

    # Active since, and last login (never logged in: last when newest first).
    now = timezone.now()
    for offset, username in enumerate(everyone):
        Membership.objects.filter(user__username=username).update(
            created_at=now - datetime.timedelta(days=10 - offset)
        )
    assert names(sort="since") == everyone
    assert names(sort="-since") == everyone[::-1]
    type(owner).objects.filter(username="eier").update(last_login=now)
    type(owner).objects.filter(username="leder").update(last_login=now - datetime.timedelta(1))
    type(owner).objects.filter(username__in=["admin", "kollega"]).update(last_login=None)
    assert names(sort="login")[:2] == ["eier", "leder"]
    assert names(sort="-login")[2:] == ["leder", "eier"]


def test_the_list_has_pages(client, login_as, admin, make_user, owner_agency, settings):
    for number in range(30):
        make_user(f"ansatt{number:02}", owner_agency, first_name=f"Ansatt {number:02}")
    login_as(client, admin)

    first = client.get(_members(owner_agency)).context["page"]
    second = client.get(_members(owner_agency), {"side": 2}).context["page"]

    assert first.paginator.count == 31  # and the administrator
    assert len(first.object_list) == 25 and len(second.object_list) == 6
    assert first.has_next() and not second.has_next()


def test_the_list_costs_the_same_whatever_its_length(
    client, login_as, admin, make_user, owner_agency, role, django_assert_max_num_queries
):
    for number in range(5):
        user = make_user(f"ansatt{number}", owner_agency, first_name=f"Ansatt {number}")
        Role.objects.create(kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, deputy=user)
    login_as(client, admin)

    # administers_accounts_of, the agency, the count, the page, the roles, the lockouts,
    # the invitations, can_grant_special_categories.
    with django_assert_max_num_queries(BEFORE_THE_VIEW + 8):
        response = client.get(_members(owner_agency))

    assert len(response.context["page"].object_list) == 8  # and the owner, leader, admin


# Ending a membership: the one rule ----------------------------------------------------


def test_ending_the_last_membership_deactivates_the_user_after_the_handover(
    client, login_as, admin, manager, owner, owner_agency, role, make_user
):
    successor = make_user("etterfolger", owner_agency)
    membership = owner.memberships.get()
    login_as(client, admin)

    refused = client.post(_end(owner_agency, membership), {"reason": EndReason.LEFT})
    assert refused.status_code == 200
    assert HANDOVER_MESSAGE in refused.content.decode()
    assert _unchanged(membership)

    hand_over_role(
        owner, role, new_holder=successor, new_deputy=manager, reason="Ny", expected_version=1
    )
    response = client.post(_end(owner_agency, membership), {"reason": EndReason.LEFT})

    assert response.status_code == 302
    assert response.url == _members(owner_agency)
    membership.refresh_from_db()
    owner.refresh_from_db()
    role.refresh_from_db()
    assert not membership.is_active
    assert not owner.is_active
    assert role.holder_id == successor.pk
    assert RoleHandover.objects.filter(role=role).count() == 1
    entry = AuditEntry.objects.get(action="accounts.membership_ended")
    assert entry.actor_id == admin.pk
    assert entry.agency_id == owner_agency.pk
    assert entry.target_id == str(membership.pk)
    assert entry.detail == {
        "user": owner.pk,
        "agency": owner_agency.pk,
        "role": MembershipRole.SLT_COORDINATOR,
        "reason": EndReason.LEFT,
        "user_deactivated": True,
        "tasks_unassigned": 0,
    }


def test_after_ending_the_user_cannot_log_in(client, admin, owner):
    end_membership(admin, owner.memberships.get(), EndReason.LEFT)

    response = client.post(reverse("accounts:login"), {"username": "eier", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "mfa_pending_user_id" not in client.session


def test_a_user_with_another_membership_stays_active(admin, owner, partner_agency):
    Membership.objects.create(user=owner, agency=partner_agency, role=MembershipRole.ADVISOR)

    end_membership(admin, owner.memberships.get(agency__name="Drammen kommune – SLT"), "left")

    owner.refresh_from_db()
    assert owner.is_active
    assert (
        AuditEntry.objects.get(action="accounts.membership_ended").detail["user_deactivated"]
        is False
    )


@pytest.mark.parametrize("holds", ["holder", "deputy"])
def test_a_role_holder_or_deputy_is_refused_on_every_route_and_nothing_changes(
    client, login_as, admin, colleague, owner_agency, holds
):
    """The service, the member list's end page, and the old address (which only sends
    the browser to the end page, as a GET)."""
    role = Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, **{holds: colleague}
    )
    membership = colleague.memberships.get()

    with pytest.raises(services.HandoverNeeded) as refused:
        end_membership(admin, membership, EndReason.LEFT)
    assert refused.value.roles == [role]
    assert _unchanged(membership)

    login_as(client, admin)
    page = client.post(_end(owner_agency, membership), {"reason": EndReason.LEFT})
    assert page.status_code == 200
    assert HANDOVER_MESSAGE in page.content.decode()
    assert reverse("networks:role", args=[role.pk]) in page.content.decode()
    assert _unchanged(membership)

    old = client.post(_old_end(owner_agency, membership), {"reason": EndReason.LEFT})
    assert (old.status_code, old.url) == (301, _end(owner_agency, membership))
    assert _unchanged(membership)
    colleague.refresh_from_db()
    assert colleague.is_active


def test_a_role_of_another_agency_does_not_hold_up_the_end(
    admin, colleague, owner_agency, partner_agency
):
    Role.objects.create(kind=RoleKind.NAV_CONTACT, agency=partner_agency, holder=colleague)

    end_membership(admin, colleague.memberships.get(), EndReason.LEFT)

    assert not colleague.memberships.get().is_active


def test_the_last_administrator_cannot_be_ended(client, login_as, admin, owner_agency):
    login_as(client, admin)
    membership = admin.memberships.get()

    response = client.post(_end(owner_agency, membership), {"reason": EndReason.LEFT})

    assert response.status_code == 200
    assert "Etaten må ha minst én administrator" in response.content.decode()
    assert _unchanged(membership)


def test_an_administrator_cannot_end_their_own_last_manager_membership(
    client, login_as, admin, make_user, owner_agency
):
    make_user("admin2", owner_agency, MembershipRole.AGENCY_ADMIN)
    login_as(client, admin)
    membership = admin.memberships.get()

    response = client.post(_end(owner_agency, membership), {"reason": EndReason.LEFT})

    assert response.status_code == 200
    assert "Du kan ikke avslutte din egen siste lederrolle" in response.content.decode()
    assert _unchanged(membership)
    admin.refresh_from_db()
    assert admin.is_active


def test_ending_needs_a_reason(client, login_as, admin, owner, owner_agency):
    login_as(client, admin)
    membership = owner.memberships.get()

    response = client.post(_end(owner_agency, membership), {"reason": "because"})

    assert response.status_code == 200
    assert "Velg hvorfor" in response.content.decode()
    assert _unchanged(membership)
    with pytest.raises(ValidationError):
        end_membership(admin_of(owner_agency), membership, "because")
    assert _unchanged(membership)


def admin_of(agency):
    return Membership.objects.get(agency=agency, role=MembershipRole.AGENCY_ADMIN).user


def test_a_membership_of_another_agency_is_a_404(client, login_as, admin, owner_agency, partner):
    login_as(client, admin)
    membership = partner.memberships.get()

    assert client.get(_end(owner_agency, membership)).status_code == 404
    assert client.post(_end(owner_agency, membership), {"reason": "left"}).status_code == 404
    assert _unchanged(membership)


@pytest.mark.parametrize("who", ["partner", "manager", "other_admin", "elsewhere_admin"])
def test_the_service_refuses_everyone_but_the_agencys_administrator(
    owner, owner_agency, outsider_agency, partner, manager, other_admin, elsewhere_admin, who
):
    """A line manager too: ending a membership is account administration."""
    actor = {
        "partner": partner,
        "manager": manager,
        "other_admin": other_admin,
        "elsewhere_admin": elsewhere_admin,
    }[who]
    if who == "elsewhere_admin":
        actor.acting_membership = actor.memberships.get(agency=outsider_agency)
    membership = owner.memberships.get()

    with pytest.raises(PermissionDenied):
        end_membership(actor, membership, EndReason.LEFT)
    assert _unchanged(membership)
