"""Managers keep their agency's directory entry and its people up to date.

A manager is a line manager or agency administrator of the agency. Everyone
else is refused: 403 on an active agency (the directory is open, so the
refusal reveals nothing), 404 on an inactive one.
"""

import pytest
from django.urls import reverse

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.accounts.services import EndReason, end_membership
from tverrnett.audit.models import AuditEntry
from tverrnett.networks.models import Role, RoleHandover, RoleKind
from tverrnett.networks.services import hand_over_role

pytestmark = pytest.mark.django_db

ACTORS = ["owner", "partner", "outsider"]
BEFORE_THE_VIEW = 7  # see test_views.py

VALID = {
    "mandate": "Samordner forebygging av kriminalitet.",
    "working_methods": "Vi møtes hver måned.",
    "phone": "32 04 00 00",
    "email": "slt@drammen.example",
    "website": "https://www.drammen.kommune.no",
}
# What the form posts: the fields and the version the user read (C5).
POST = {**VALID, "version": 1}


@pytest.fixture
def manager(make_user, owner_agency):
    return make_user("leder", owner_agency, MembershipRole.LINE_MANAGER, first_name="Lene")


@pytest.fixture
def actor(request, owner, partner, outsider):
    return {"owner": owner, "partner": partner, "outsider": outsider}[request.param]


def _urls(agency, membership):
    return [
        reverse("agencies:edit", args=[agency.pk]),
        reverse("agencies:people", args=[agency.pk]),
        reverse("agencies:end_membership", args=[agency.pk, membership.pk]),
    ]


# Who may


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_it_refuses_everyone_but_the_managers(client, login_as, actor, owner_agency, owner):
    """The owner (an SLT coordinator, not a manager), the partner and the outsider are refused."""
    target = owner.memberships.get()
    login_as(client, actor)

    for url in _urls(owner_agency, target):
        assert client.get(url).status_code == 403, url
    for url in _urls(owner_agency, target)[::2]:  # the two that accept POST
        assert client.post(url, {**POST, "reason": EndReason.LEFT}).status_code == 403, url

    owner_agency.refresh_from_db()
    target.refresh_from_db()
    assert owner_agency.mandate == ""
    assert target.is_active
    assert not AuditEntry.objects.filter(
        action__in=["agencies.directory_updated", "accounts.membership_ended"]
    ).exists()


def test_it_answers_404_for_an_inactive_agency(
    client, login_as, manager, owner, owner_agency, partner_agency
):
    """Even for someone who was its manager (and now acts for another agency)."""
    target = owner.memberships.get()
    Membership.objects.create(user=manager, agency=partner_agency, role=MembershipRole.ADVISOR)
    owner_agency.is_active = False
    owner_agency.save()
    login_as(client, manager)

    for url in _urls(owner_agency, target):
        assert client.get(url).status_code == 404, url


def test_a_manager_of_another_agency_is_refused(
    client, login_as, make_user, partner_agency, owner_agency, owner
):
    other_manager = make_user("annen", partner_agency, MembershipRole.AGENCY_ADMIN)
    login_as(client, other_manager)

    for url in _urls(owner_agency, owner.memberships.get()):
        assert client.get(url).status_code == 403, url


def test_a_membership_of_another_agency_is_a_404(client, login_as, manager, owner_agency, partner):
    login_as(client, manager)
    url = reverse("agencies:end_membership", args=[owner_agency.pk, partner.memberships.get().pk])

    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": EndReason.LEFT}).status_code == 404
    assert partner.memberships.get().is_active


def test_only_managers_see_the_change_link(client, login_as, manager, owner, owner_agency):
    edit_url = reverse("agencies:edit", args=[owner_agency.pk])
    detail_url = reverse("agencies:detail", args=[owner_agency.pk])

    login_as(client, owner)
    assert edit_url not in client.get(detail_url).content.decode()
    login_as(client, manager)
    page = client.get(detail_url).content.decode()
    assert edit_url in page
    assert reverse("agencies:people", args=[owner_agency.pk]) in page


# The directory entry


def test_a_manager_changes_the_directory_entry(client, login_as, manager, owner_agency):
    login_as(client, manager)

    response = client.post(reverse("agencies:edit", args=[owner_agency.pk]), POST)

    assert response.status_code == 302
    assert response.url == reverse("agencies:detail", args=[owner_agency.pk])
    owner_agency.refresh_from_db()
    assert {field: getattr(owner_agency, field) for field in VALID} == VALID
    entry = AuditEntry.objects.get(action="agencies.directory_updated")
    assert entry.actor_id == manager.pk
    assert entry.target_id == str(owner_agency.pk)
    assert sorted(entry.detail["fields"]) == sorted(VALID)


def test_an_agency_admin_may_too(client, login_as, make_user, owner_agency):
    admin = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)
    login_as(client, admin)

    response = client.post(reverse("agencies:edit", args=[owner_agency.pk]), POST)

    assert response.status_code == 302


def test_saving_nothing_new_writes_no_audit_entry(client, login_as, manager, owner_agency):
    login_as(client, manager)
    client.post(reverse("agencies:edit", args=[owner_agency.pk]), POST)
    response = client.post(reverse("agencies:edit", args=[owner_agency.pk]), {**POST, "version": 2})

    assert response.status_code == 302

    assert AuditEntry.objects.filter(action="agencies.directory_updated").count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "ikke-en-adresse", "Skriv en gyldig e-postadresse"),
        ("website", "ikke en adresse", "Skriv en gyldig nettadresse"),
        ("website", "http://www.drammen.kommune.no", "https://"),
        ("phone", "ring meg", "Skriv et telefonnummer"),
        ("phone", "12", "Skriv et telefonnummer"),
    ],
)
def test_it_explains_invalid_input_in_norwegian(
    client, login_as, manager, owner_agency, field, value, message
):
    login_as(client, manager)

    response = client.post(reverse("agencies:edit", args=[owner_agency.pk]), {**POST, field: value})

    assert response.status_code == 200
    assert message in response.content.decode()
    owner_agency.refresh_from_db()
    assert owner_agency.mandate == ""


# The people


@pytest.fixture
def staff(make_user, owner_agency, owner, manager, drammen_role_setup):
    for number in range(5):
        user = make_user(f"ansatt{number}", owner_agency, first_name=f"Ansatt {number}")
        Role.objects.create(kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, deputy=user)
    return owner_agency


@pytest.fixture
def drammen_role_setup(owner, manager, owner_agency):
    return Role.objects.create(
        kind=RoleKind.SLT_COORDINATOR, agency=owner_agency, holder=owner, deputy=manager
    )


def test_a_manager_sees_the_people_and_their_roles(
    client, login_as, manager, owner, drammen_role_setup, owner_agency, partner
):
    login_as(client, manager)

    response = client.get(reverse("agencies:people", args=[owner_agency.pk]))

    assert response.status_code == 200
    rows = {m.user.username: m for m in response.context["page"].object_list}
    assert set(rows) == {"eier", "leder"}  # the partner works elsewhere
    assert rows["eier"].roles_held == [(drammen_role_setup, "holder")]
    assert rows["leder"].roles_held == [(drammen_role_setup, "deputy")]
    page = response.content.decode()
    assert "SLT-koordinator" in page
    assert "Nærmeste leder" in page


def test_the_people_list_searches_and_sorts(client, login_as, manager, owner, owner_agency):
    login_as(client, manager)
    url = reverse("agencies:people", args=[owner_agency.pk])

    def names(**params):
        return [m.user.username for m in client.get(url, params).context["page"].object_list]

    assert names(q="eva") == ["eier"]
    assert names(sort="name") == ["eier", "leder"]
    assert names(sort="-name") == ["leder", "eier"]
    assert names(sort="nonsense") == ["eier", "leder"]


def test_the_people_list_costs_the_same_whatever_its_length(
    client, login_as, manager, staff, django_assert_max_num_queries
):
    login_as(client, manager)

    # manages_agency, the agency, the count, the page, the roles.
    with django_assert_max_num_queries(BEFORE_THE_VIEW + 5):
        response = client.get(reverse("agencies:people", args=[staff.pk]))

    assert len(response.context["page"].object_list) == 7


# Ending a membership


def test_ending_the_last_membership_deactivates_the_user_and_keeps_their_roles(
    client, login_as, manager, owner, owner_agency, drammen_role_setup, make_user
):
    role = drammen_role_setup
    successor = make_user("etterfolger", owner_agency)
    hand_over_role(
        owner, role, new_holder=owner, new_deputy=successor, reason="Ny", expected_version=1
    )
    membership = owner.memberships.get()
    login_as(client, manager)

    response = client.post(
        reverse("agencies:end_membership", args=[owner_agency.pk, membership.pk]),
        {"reason": EndReason.LEFT},
    )

    assert response.status_code == 302
    membership.refresh_from_db()
    owner.refresh_from_db()
    role.refresh_from_db()
    assert not membership.is_active
    assert not owner.is_active
    assert role.holder_id == owner.pk  # the health page now shows the gap
    assert RoleHandover.objects.filter(role=role).count() == 1
    entry = AuditEntry.objects.get(action="accounts.membership_ended")
    assert entry.actor_id == manager.pk
    assert entry.target_id == str(membership.pk)
    assert entry.detail == {
        "user": owner.pk,
        "agency": owner_agency.pk,
        "role": MembershipRole.SLT_COORDINATOR,
        "reason": EndReason.LEFT,
        "user_deactivated": True,
    }


def test_after_ending_the_user_cannot_log_in(client, manager, owner):
    end_membership(manager, owner.memberships.get(), EndReason.LEFT)
    from conftest import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": "eier", "password": PASSWORD})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "mfa_pending_user_id" not in client.session


def test_a_user_with_another_membership_stays_active(manager, owner, partner_agency):
    Membership.objects.create(user=owner, agency=partner_agency, role=MembershipRole.ADVISOR)

    end_membership(manager, owner.memberships.get(agency__name="Drammen kommune – SLT"), "left")

    owner.refresh_from_db()
    assert owner.is_active


def test_a_manager_cannot_end_their_own_last_manager_membership(
    client, login_as, manager, owner_agency
):
    login_as(client, manager)
    membership = manager.memberships.get()

    response = client.post(
        reverse("agencies:end_membership", args=[owner_agency.pk, membership.pk]),
        {"reason": EndReason.LEFT},
    )

    assert response.status_code == 200
    assert "Du kan ikke avslutte din egen siste lederrolle" in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_active
    manager.refresh_from_db()
    assert manager.is_active


def test_ending_needs_a_reason(client, login_as, manager, owner, owner_agency):
    login_as(client, manager)
    url = reverse("agencies:end_membership", args=[owner_agency.pk, owner.memberships.get().pk])

    response = client.post(url, {"reason": "because"})

    assert response.status_code == 200
    assert "Velg hvorfor" in response.content.decode()
    assert owner.memberships.get().is_active


def test_the_service_refuses_a_non_manager(owner, partner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        end_membership(partner, owner.memberships.get(), EndReason.LEFT)
    assert owner.memberships.get().is_active


def test_a_save_after_someone_elses_is_refused_and_keeps_theirs(
    client, login_as, manager, owner_agency
):
    """Issue 18, item 2: two managers opened the entry; the second save is refused."""
    login_as(client, manager)
    page = client.get(reverse("agencies:edit", args=[owner_agency.pk])).content.decode()
    assert 'type="hidden" name="version" value="1"' in page
    client.post(reverse("agencies:edit", args=[owner_agency.pk]), POST)

    response = client.post(
        reverse("agencies:edit", args=[owner_agency.pk]), {**POST, "mandate": "Min tekst."}
    )

    assert response.status_code == 200
    assert "Noen andre har endret dette i mellomtiden" in response.content.decode()
    owner_agency.refresh_from_db()
    assert (owner_agency.mandate, owner_agency.version) == (VALID["mandate"], 2)
