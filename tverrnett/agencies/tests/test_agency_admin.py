"""Managers keep their agency's directory entry up to date.

A manager is a line manager or agency administrator of the agency. Everyone
else is refused: 403 on an active agency (the directory is open, so the
refusal reveals nothing), 404 on an inactive one. The agency's people are on the
one member list of the account administration (useradmin/tests/test_members.py).
"""

import pytest
from django.urls import reverse

from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.useradmin.services import EndReason

pytestmark = pytest.mark.django_db

ACTORS = ["owner", "partner", "outsider"]

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
    return [reverse("agencies:edit", args=[agency.pk])]


# Who may


@pytest.mark.parametrize("actor", ACTORS, indirect=True)
def test_it_refuses_everyone_but_the_managers(client, login_as, actor, owner_agency, owner):
    """The owner (an SLT coordinator, not a manager), the partner and the outsider are refused."""
    target = owner.memberships.get()
    login_as(client, actor)

    for url in _urls(owner_agency, target):
        assert client.get(url).status_code == 403, url
    for url in _urls(owner_agency, target):
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


def test_only_managers_see_the_change_link_and_only_administrators_the_member_list(
    client, login_as, make_user, manager, owner, owner_agency
):
    edit_url = reverse("agencies:edit", args=[owner_agency.pk])
    members_url = reverse("useradmin:members", args=[owner_agency.pk])
    old_people_url = f"/etater/{owner_agency.pk}/personer/"
    detail_url = reverse("agencies:detail", args=[owner_agency.pk])

    login_as(client, owner)
    page = client.get(detail_url).content.decode()
    assert edit_url not in page and members_url not in page
    login_as(client, manager)
    page = client.get(detail_url).content.decode()
    assert edit_url in page
    assert members_url not in page  # a line manager does not administer accounts
    login_as(client, make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN))
    page = client.get(detail_url).content.decode()
    assert edit_url in page and members_url in page
    assert old_people_url not in page


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
