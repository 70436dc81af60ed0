"""A manager grants and revokes the permission to read special categories (L34).

Only a manager of the agency, acting for it, may: everyone else (a member who is
not a manager, a manager of another agency, the agency's own manager acting for
another agency) gets the same 404 as a page that does not exist, and nothing
changes.
"""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies import services
from tverrnett.agencies.models import SpecialCategoryPermission
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

ACTIONS = ["agencies.special_categories_granted", "agencies.special_categories_revoked"]


def _in(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


@pytest.fixture
def manager(make_user, owner_agency):
    return make_user("leder", owner_agency, MembershipRole.LINE_MANAGER, first_name="Lene")


@pytest.fixture
def other_manager(make_user, partner_agency):
    return make_user("navleder", partner_agency, MembershipRole.LINE_MANAGER, first_name="Nils")


@pytest.fixture
def target(owner):
    """The owner's membership in Drammen kommune – SLT: the one to be granted."""
    return owner.memberships.get()


@pytest.fixture
def permission(owner, owner_agency, manager):
    return SpecialCategoryPermission.objects.create(
        user=owner,
        agency=owner_agency,
        granted_by=manager,
        ends_on=timezone.localdate() + datetime.timedelta(days=30),
        reason="Arbeider med helsesaker.",
    )


def act_for(client, membership):
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = membership.pk
    session.save()


def _urls(agency, target, permission):
    return {
        "list": reverse("agencies:special_categories", args=[agency.pk]),
        "grant": reverse("agencies:grant_special_categories", args=[agency.pk, target.pk]),
        "revoke": reverse("agencies:revoke_special_categories", args=[agency.pk, permission.pk]),
    }


# Who may


@pytest.fixture
def attacker(request, owner, other_manager, manager, partner_agency, make_user, owner_agency):
    """Returns (user, membership to act for or None)."""
    if request.param == "member":  # works for the agency, is not a manager
        return make_user("kollega", owner_agency, MembershipRole.CASE_WORKER), None
    if request.param == "other_manager":
        return other_manager, None
    if request.param == "manager_acting_elsewhere":
        elsewhere = Membership.objects.create(
            user=manager, agency=partner_agency, role=MembershipRole.ADVISOR
        )
        return manager, elsewhere
    if request.param == "the_user_themselves":
        return owner, None
    raise AssertionError(request.param)


@pytest.mark.parametrize(
    "attacker",
    ["member", "other_manager", "manager_acting_elsewhere", "the_user_themselves"],
    indirect=True,
)
def test_it_answers_404_to_everyone_but_the_agencys_managers_and_changes_nothing(
    client, login_as, attacker, owner_agency, target, permission
):
    user, acting = attacker
    login_as(client, user)
    if acting is not None:
        act_for(client, acting)
    urls = _urls(owner_agency, target, permission)
    missing = client.get(reverse("agencies:special_categories", args=[999999]))
    assert missing.status_code == 404

    for url in urls.values():
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Tilgang til særlige kategorier" not in response.content.decode()
    refused = client.post(urls["grant"], {"ends_on": _in(10), "reason": "Trenger det"})
    assert refused.status_code == 404
    assert client.post(urls["revoke"]).status_code == 404

    assert SpecialCategoryPermission.objects.get() == permission
    permission.refresh_from_db()
    assert permission.revoked_at is None
    assert not AuditEntry.objects.filter(action__in=ACTIONS).exists()


def test_a_manager_cannot_grant_to_someone_outside_the_agency(
    client, login_as, manager, owner_agency, partner
):
    login_as(client, manager)
    url = reverse(
        "agencies:grant_special_categories", args=[owner_agency.pk, partner.memberships.get().pk]
    )

    assert client.get(url).status_code == 404
    assert client.post(url, {"ends_on": _in(10), "reason": "Trenger det"}).status_code == 404
    assert not SpecialCategoryPermission.objects.exists()


def test_a_manager_cannot_revoke_another_agencys_permission(
    client, login_as, manager, other_manager, owner_agency, partner, partner_agency
):
    theirs = SpecialCategoryPermission.objects.create(
        user=partner,
        agency=partner_agency,
        granted_by=other_manager,
        ends_on=timezone.localdate(),
        reason="Helse.",
    )
    login_as(client, manager)
    url = reverse("agencies:revoke_special_categories", args=[owner_agency.pk, theirs.pk])

    assert client.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_service_refuses_a_manager_acting_for_another_agency(
    manager, owner, owner_agency, partner_agency, rf
):
    from django.core.exceptions import PermissionDenied

    request = rf.post("/")
    request.agency = partner_agency
    with pytest.raises(PermissionDenied):
        services.grant_special_categories(
            manager,
            owner_agency,
            owner,
            ends_on=timezone.localdate(),
            reason="Trenger det",
            request=request,
        )
    assert not SpecialCategoryPermission.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(login_as, manager, owner_agency, target):
    client = Client(enforce_csrf_checks=True)
    login_as(client, manager)
    url = reverse("agencies:grant_special_categories", args=[owner_agency.pk, target.pk])

    assert client.post(url, {"ends_on": _in(10), "reason": "Trenger det"}).status_code == 403
    assert not SpecialCategoryPermission.objects.exists()


# What the manager does


def test_the_manager_grants_and_it_is_audited(
    client, login_as, manager, owner, owner_agency, target
):
    login_as(client, manager)
    url = reverse("agencies:grant_special_categories", args=[owner_agency.pk, target.pk])
    assert client.get(url).status_code == 200

    response = client.post(url, {"ends_on": _in(90), "reason": "Arbeider med helsesaker."})

    assert response.status_code == 302
    permission = SpecialCategoryPermission.objects.get()
    assert (permission.user, permission.agency, permission.granted_by) == (
        owner,
        owner_agency,
        manager,
    )
    assert permission.ends_on.isoformat() == _in(90)
    audit = AuditEntry.objects.get(action="agencies.special_categories_granted")
    assert audit.actor_id == manager.pk
    assert audit.agency_id == owner_agency.pk
    assert audit.detail == {
        "user": owner.pk,
        "agency": owner_agency.pk,
        "ends_on": _in(90),
        "replaced": [],
    }
    assert "helsesaker" not in str(audit.detail)  # free text stays on the permission

    html = client.get(reverse("agencies:special_categories", args=[owner_agency.pk])).content
    assert "Arbeider med helsesaker." in html.decode()


def test_granting_again_replaces_the_current_permission(
    client, login_as, manager, owner_agency, target, permission
):
    login_as(client, manager)
    url = reverse("agencies:grant_special_categories", args=[owner_agency.pk, target.pk])

    client.post(url, {"ends_on": _in(200), "reason": "Forlenget."})

    permission.refresh_from_db()
    assert permission.revoked_at is not None
    current = SpecialCategoryPermission.objects.get(revoked_at__isnull=True)
    assert current.ends_on.isoformat() == _in(200)
    audit = AuditEntry.objects.get(action="agencies.special_categories_granted")
    assert audit.detail["replaced"] == [permission.pk]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"ends_on": "", "reason": "Trenger det"}, "ends_on", "Oppgi siste dag"),
        ({"ends_on": "i morgen", "reason": "Trenger det"}, "ends_on", "gyldig dato"),
        ({"ends_on": _in(-1), "reason": "Trenger det"}, "ends_on", "har passert"),
        (
            {"ends_on": _in(settings.SPECIAL_CATEGORY_PERMISSION_MAX_DAYS + 1), "reason": "Ja"},
            "ends_on",
            "høyst",
        ),
        ({"ends_on": _in(10), "reason": "  "}, "reason", "Si hvorfor"),
        ({"ends_on": _in(10), "reason": "x" * 301}, "reason", "under 300 tegn"),
    ],
)
def test_it_explains_in_norwegian_what_to_fix(
    client, login_as, manager, owner_agency, target, data, field, message
):
    login_as(client, manager)
    url = reverse("agencies:grant_special_categories", args=[owner_agency.pk, target.pk])

    response = client.post(url, data)

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert not SpecialCategoryPermission.objects.exists()
    assert not AuditEntry.objects.filter(action__in=ACTIONS).exists()


def test_the_manager_revokes_and_it_is_audited(
    client, login_as, manager, owner, owner_agency, permission
):
    login_as(client, manager)
    url = reverse("agencies:revoke_special_categories", args=[owner_agency.pk, permission.pk])
    assert client.get(url).status_code == 200

    assert client.post(url).status_code == 302

    permission.refresh_from_db()
    assert permission.revoked_at is not None
    assert permission.revoked_by == manager
    audit = AuditEntry.objects.get(action="agencies.special_categories_revoked")
    assert audit.detail == {"user": owner.pk, "agency": owner_agency.pk}
    # Revoked once: the page is gone, like any missing page.
    assert client.post(url).status_code == 404
    assert AuditEntry.objects.filter(action="agencies.special_categories_revoked").count() == 1


def test_the_list_searches_sorts_and_pages(
    client, login_as, manager, make_user, owner_agency, permission
):
    for number in range(30):
        make_user(f"ansatt{number:02}", owner_agency, first_name=f"Ansatt {number:02}")
    login_as(client, manager)
    url = reverse("agencies:special_categories", args=[owner_agency.pk])

    first = client.get(url)
    assert first.context["page"].paginator.count == 32  # the owner, the manager, 30 more
    assert len(first.context["page"].object_list) == 25
    assert len(client.get(url, {"side": 2}).context["page"].object_list) == 7

    found = client.get(url, {"q": "eva"}).context["page"].object_list
    assert [m.user.first_name for m in found] == ["Eva"]
    assert found[0].permission == permission

    by_end = client.get(url, {"sort": "ends"}).context["page"].object_list
    assert by_end[0].permission == permission  # those with access first, soonest ending
    assert client.get(url, {"sort": "nonsense"}).status_code == 200


def test_the_agency_page_links_to_it_for_its_managers_only(
    client, login_as, manager, owner, owner_agency
):
    url = reverse("agencies:detail", args=[owner_agency.pk])
    link = reverse("agencies:special_categories", args=[owner_agency.pk])

    login_as(client, manager)
    assert link in client.get(url).content.decode()
    login_as(client, owner)
    assert link not in client.get(url).content.decode()


def test_a_manager_cannot_grant_it_to_themselves(client, login_as, manager, owner_agency):
    login_as(client, manager)
    url = reverse(
        "agencies:grant_special_categories", args=[owner_agency.pk, manager.memberships.get().pk]
    )

    response = client.post(url, {"ends_on": _in(10), "reason": "Trenger det"})

    assert response.status_code == 200
    assert "Be en annen leder" in str(response.context["form"].non_field_errors())
    assert not SpecialCategoryPermission.objects.exists()
