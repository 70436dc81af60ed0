"""A case that changes coordinator (L21, issue 16 item 7): the holder and deputy of the old
role and of the new role are told, in the inbox and by one e-mail each that names nothing,
and audited. Replayed as the owner (the old role's holder), the new role (the police
district), a team agency without a role (Nav Drammen), an agency outside the case (Nav
Oslo), a user with memberships in the police district and Nav Oslo, and an old role's
deputy who takes no part in the case."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.notices import emails, jobs
from tverrnett.notices.models import CoordinatorChange, Delivery
from tverrnett.notices.tests.conftest import assert_emails_say_nothing

pytestmark = pytest.mark.django_db

MISSING = 999999
INBOX = reverse("notices:inbox")


@pytest.fixture
def slt_deputy(make_user, owner_agency, slt_role):
    deputy = signed_in(make_user("sltvara", owner_agency, MembershipRole.CASE_WORKER))
    slt_role.deputy = deputy
    slt_role.save(update_fields=["deputy"])
    return deputy


@pytest.fixture
def two_hats(make_user, police_agency, outsider_agency):
    user = make_user("tohatter", police_agency, MembershipRole.CASE_WORKER)
    Membership.objects.create(user=user, agency=outsider_agency, role=MembershipRole.CASE_WORKER)
    return signed_in(user)


@pytest.fixture
def emailed(owner, slt_deputy, police_contact, police_deputy, partner, outsider, two_hats):
    for user in (owner, slt_deputy, police_contact, police_deputy, partner, outsider, two_hats):
        user.email = f"{user.username}@test.example"
        user.save(update_fields=["email"])


@pytest.fixture
def team_case(case, owner, partner_agency, request):
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    # Where a role in another agency may coordinate only once every part of the case is
    # opened to it (lawful team joins, issue 16 item 1), the cases fixture that does so.
    try:
        request.getfixturevalue("police_sees_the_case")
    except pytest.FixtureLookupError:
        pass
    return case


def change(owner, case, role, capture):
    case.refresh_from_db()
    with capture(execute=True):
        return case_services.change_coordinator(
            owner, case, version=case.version, role=role, reason="Politiet tar over."
        )


def page_of(response, pk):
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return page.replace(f"/koordinator/{pk}/", "/koordinator/ID/")


def test_both_roles_are_told_once_by_an_email_that_names_nothing(
    team_case,
    owner,
    slt_role,
    slt_deputy,
    police_role,
    police_contact,
    police_deputy,
    emailed,
    django_capture_on_commit_callbacks,
):
    change(owner, team_case, police_role, django_capture_on_commit_callbacks)
    told = {"eier", "sltvara", "politi", "politi2"}
    assert sorted(message.to[0].split("@")[0] for message in mail.outbox) == sorted(told)
    assert_emails_say_nothing()
    for message in mail.outbox:
        assert emails.absolute(INBOX) in message.body
        for secret in (team_case.reference, "Ola Nordmann", "Drammen", "Politiet tar over"):
            assert secret not in message.subject + message.body
    # Once: the worker, and its retries, send nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        jobs.run_due()
        emails.retry_unsent()
    assert len(mail.outbox) == 4
    assert Delivery.objects.filter(kind="notice:coordinator").count() == 4

    rows = CoordinatorChange.objects.order_by("pk")
    assert [row.role for row in rows] == [slt_role, police_role]
    entry = AuditEntry.objects.get(action="notice.coordinator_change_told")
    assert entry.actor_id == owner.pk
    assert entry.target_id == str(team_case.pk)
    assert entry.detail["from_role"] == slt_role.pk
    assert entry.detail["to_role"] == police_role.pk
    assert sorted(entry.detail["told"]) == sorted(
        user.pk for user in (owner, slt_deputy, police_contact, police_deputy)
    )


def test_a_change_that_fails_tells_nobody(
    team_case, owner, police_role, emailed, django_capture_on_commit_callbacks
):
    from tverrnett.cases.services import StaleEdit

    with pytest.raises(StaleEdit), django_capture_on_commit_callbacks(execute=True):
        case_services.change_coordinator(
            owner, team_case, version=team_case.version - 1, role=police_role, reason="Feil."
        )
    assert not CoordinatorChange.objects.exists()
    assert mail.outbox == []


def test_the_roles_see_it_in_the_inbox_with_the_case_only_if_they_may_see_it(
    client,
    login_as,
    team_case,
    owner,
    slt_role,
    police_role,
    police_contact,
    owner_agency,
    make_user,
    django_capture_on_commit_callbacks,
):
    # The SLT's agency administrator deputises the old role, and does no case work: the
    # role is told, the case stays out of sight.
    outsider = make_user("sltadmin", owner_agency, MembershipRole.AGENCY_ADMIN)
    slt_role.deputy = outsider
    slt_role.save(update_fields=["deputy"])
    change(owner, team_case, police_role, django_capture_on_commit_callbacks)
    case_url = reverse("cases:detail", args=[team_case.pk])
    for user in (owner, police_contact):
        login_as(client, user)
        page = client.get(INBOX).content.decode()
        assert 'id="coordinator-changes"' in page
        assert team_case.reference in page and case_url in page, user.username
    login_as(client, outsider)
    page = client.get(INBOX).content.decode()
    assert 'id="coordinator-changes"' in page
    for secret in (team_case.reference, case_url, f"/saker/{team_case.pk}/", "Ola Nordmann"):
        assert secret not in page, secret
    # And it may mark it as read, for its role.
    mine = CoordinatorChange.objects.get(role=slt_role)
    assert client.post(reverse("notices:coordinator_change_read", args=[mine.pk])).status_code == (
        302
    )
    mine.refresh_from_db()
    assert mine.read_by_id == outsider.pk
    assert 'id="coordinator-changes"' not in client.get(INBOX).content.decode()
    assert AuditEntry.objects.filter(
        action="notice.coordinator_change_read", actor_id=outsider.pk
    ).exists()


@pytest.mark.parametrize("who", ["partner", "outsider", "two_hats_police", "two_hats_nav_oslo"])
def test_nobody_without_the_role_sees_or_marks_it(
    client,
    login_as,
    team_case,
    owner,
    police_role,
    partner,
    outsider,
    two_hats,
    police_agency,
    outsider_agency,
    django_capture_on_commit_callbacks,
    who,
):
    change(owner, team_case, police_role, django_capture_on_commit_callbacks)
    user = {"partner": partner, "outsider": outsider}.get(who, two_hats)
    login_as(client, user)
    if who.startswith("two_hats"):
        session = client.session
        agency = police_agency if who == "two_hats_police" else outsider_agency
        session[SESSION_MEMBERSHIP_KEY] = Membership.objects.get(user=user, agency=agency).pk
        session.save()
    inbox = client.get(INBOX).content.decode()
    assert 'id="coordinator-changes"' not in inbox
    assert team_case.reference not in inbox
    before = sorted(CoordinatorChange.objects.values_list("pk", "read_at", "read_by"))
    entries = AuditEntry.objects.filter(action="notice.coordinator_change_read").count()
    for row in CoordinatorChange.objects.all():
        response = client.post(reverse("notices:coordinator_change_read", args=[row.pk]))
        missing = client.post(reverse("notices:coordinator_change_read", args=[MISSING]))
        assert response.status_code == missing.status_code == 404
        assert page_of(response, row.pk) == page_of(missing, MISSING)
        assert client.get(
            reverse("notices:coordinator_change_read", args=[row.pk])
        ).status_code == (405)
    assert sorted(CoordinatorChange.objects.values_list("pk", "read_at", "read_by")) == before
    assert AuditEntry.objects.filter(action="notice.coordinator_change_read").count() == entries
