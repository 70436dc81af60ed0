"""Access is decided for the agency the user acts for (issue 16, item 3), a refused page
leaves no read entry (item 10), a team agency changes only its own work (item 5), and
break-glass is offered only where it could be needed and says nothing about missing
cases (items 5 and 10).

Four actors: the owner (the coordinator's agency, Drammen kommune – SLT), the partner
(Nav Drammen, on the team), the outsider (Nav Oslo, on no team) and `two_hats`: a user
of Nav Drammen who also works for Nav Bergen, an agency with no relation to the case,
and who acts for Nav Bergen until they switch.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.access.urlwalk import routes
from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services
from tverrnett.cases.deadlines import refresh_next_deadline
from tverrnett.cases.models import BreakGlassAccess, Task, TaskStatus
from tverrnett.cases.tests import test_views
from tverrnett.cases.tests.conftest import signed_in

pytestmark = pytest.mark.django_db

# The case with the partner on the team and one of everything a case URL points at.
team_case = test_views.team_case
_case_urls = test_views._case_urls

REASON = "Personen er i akutt fare, vi må se teamet nå."
MISSING = 999999


@pytest.fixture
def unrelated_agency(make_agency):
    return make_agency(
        "Nav Bergen", AgencyType.NAV, municipality=("4601", "Bergen"), police_district="vest"
    )


@pytest.fixture
def two_hats(make_user, unrelated_agency, partner_agency):
    """A case worker in Nav Bergen (no relation to the case) and in Nav Drammen (on its
    team)."""
    user = make_user("tohatter", unrelated_agency, MembershipRole.CASE_WORKER, first_name="To")
    Membership.objects.create(user=user, agency=partner_agency, role=MembershipRole.CASE_WORKER)
    return signed_in(user)


def act_for(client, login_as, user, agency):
    """Log in and act for `agency` (the session's membership, as the middleware reads it)."""
    login_as(client, user)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = user.memberships.get(agency=agency).pk
    session.save()
    return client


def _reads(case):
    return AuditEntry.objects.filter(
        action="case.viewed", target_type="cases.concerncase", target_id=str(case.pk)
    )


def _state(case):
    """Everything a write on a case URL could change, to prove nothing did."""
    case.refresh_from_db()
    return (
        case.version,
        case.state,
        case.summary,
        case.coordinator_role_id,
        sorted(case.team.values_list("agency_id", "has_lead")),
        sorted(case.tasks.values_list("pk", "status", "version")),
        case.journal.count(),
        case.resources.count(),
        case.responsibilities.count(),
        sorted(case.checklist.values_list("pk", "status")),
        case.break_glass.count(),
    )


def _every_case_url(case):
    """Every URL under the case in the whole URLconf (cases, measures, exit work, plans,
    consent, conversations, assessments), with real ids where the cases app has them and
    the walk's sample ids elsewhere."""
    urls = dict(_case_urls(case))
    prefix = "/saker/1/"
    for route in routes():
        if route.path.startswith(prefix) and route.name not in urls:
            urls[route.name] = route.path.replace(prefix, f"/saker/{case.pk}/", 1)
    return sorted(urls.items())


# Item 3: the acting membership -------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_user_acting_for_an_unrelated_agency_gets_what_a_missing_case_gets(
    client, login_as, two_hats, unrelated_agency, team_case, method
):
    act_for(client, login_as, two_hats, unrelated_agency)
    before, reads_before = _state(team_case), _reads(team_case).count()
    urls = _every_case_url(team_case)
    assert len(urls) >= 80

    for name, url in urls:
        response = getattr(client, method)(url)
        missing = getattr(client, method)(url.replace(f"/{team_case.pk}/", f"/{MISSING}/", 1))
        assert response.status_code == missing.status_code, (name, response.status_code)
        assert response.status_code in (404, 405), (name, response.status_code)

    assert _state(team_case) == before
    assert _reads(team_case).count() == reads_before
    listing = client.get(reverse("cases:list") + "?q=Ola").content.decode()
    assert team_case.reference not in listing


def test_after_switching_to_the_related_agency_the_case_opens_and_the_read_names_it(
    client, login_as, two_hats, unrelated_agency, partner_agency, team_case, open_to
):
    open_to(team_case, partner_agency)  # a team agency the case is opened to
    act_for(client, login_as, two_hats, unrelated_agency)
    detail = reverse("cases:detail", args=[team_case.pk])
    assert client.get(detail).status_code == 404
    related = two_hats.memberships.get(agency=partner_agency)
    unrelated = two_hats.memberships.get(agency=unrelated_agency)

    client.post(reverse("accounts:switch_agency"), {"membership": related.pk})

    switched = AuditEntry.objects.get(action="auth.agency_switched")
    assert switched.detail["from_membership"] == unrelated.pk
    assert switched.detail["from_agency"] == unrelated_agency.pk
    assert switched.detail["membership"] == related.pk
    assert switched.agency_name == "Nav Drammen"
    assert client.get(detail).status_code == 200
    read = _reads(team_case).latest("id")
    assert read.actor_username == "tohatter"
    assert read.agency_name == "Nav Drammen"
    assert read.detail["membership"] == related.pk
    assert read.detail["role"] == MembershipRole.CASE_WORKER
    assert read.detail["path"] == "team"
    # The same URLs as the partner, now: read, work, no managing, no other agency's entry.
    for name, url in _case_urls(team_case):
        status = client.get(url).status_code
        if name in {"cases:correct_journal", "cases:journal_history"}:
            assert status == 404, name
        else:
            assert status in (200, 403, 405), (name, status)


def test_the_coordinator_acting_for_another_agency_is_not_the_coordinator(
    client, login_as, owner, unrelated_agency, owner_agency, team_case
):
    """The coordinator path counts only when the role's agency is the acting agency."""
    Membership.objects.create(user=owner, agency=unrelated_agency, role=MembershipRole.CASE_WORKER)
    act_for(client, login_as, owner, unrelated_agency)
    before = _state(team_case)

    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 404
    response = client.post(
        reverse("cases:summary", args=[team_case.pk]),
        {"summary": "Fra feil etat.", "version": team_case.version},
    )
    assert response.status_code == 404
    assert _state(team_case) == before

    act_for(client, login_as, owner, owner_agency)
    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 200


def test_break_glass_counts_only_for_the_agency_it_was_granted_for(
    client, login_as, responder, responder_agency, unrelated_agency, team_case
):
    Membership.objects.create(
        user=responder, agency=unrelated_agency, role=MembershipRole.CASE_WORKER
    )
    services.break_glass(responder, responder_agency, team_case, reason=REASON)
    detail = reverse("cases:detail", args=[team_case.pk])

    act_for(client, login_as, responder, unrelated_agency)
    assert client.get(detail).status_code == 404
    act_for(client, login_as, responder, responder_agency)
    assert client.get(detail).status_code == 200
    assert _reads(team_case).latest("id").detail["path"] == "break_glass"


def test_the_policy_narrows_to_the_acting_membership_and_counts_all_outside_a_request(
    two_hats, unrelated_agency, partner_agency, team_case
):
    assert list(policy.visible_cases(two_hats)) == [team_case]  # no request: all count
    two_hats.acting_membership = two_hats.memberships.get(agency=unrelated_agency)
    assert not policy.visible_cases(two_hats).exists()
    assert policy.case_access_path(two_hats, team_case) is None
    assert policy.case_agency_ids(two_hats) == {unrelated_agency.pk}
    two_hats.acting_membership = two_hats.memberships.get(agency=partner_agency)
    assert list(policy.visible_cases(two_hats)) == [team_case]
    assert policy.case_access_path(two_hats, team_case) == "team"
    two_hats.acting_membership = None  # a request whose session names no membership
    assert not policy.visible_cases(two_hats).exists()


# Item 10: a refused page writes no read entry ------------------------------------------


def test_a_refused_or_missing_page_writes_no_read_entry(client, login_as, partner, team_case):
    login_as(client, partner)
    before = _reads(team_case).count()
    owners_entry = team_case.journal.get()

    refused = client.get(reverse("cases:change_state", args=[team_case.pk]))
    not_found = client.get(reverse("cases:journal_history", args=[team_case.pk, owners_entry.pk]))

    assert (refused.status_code, not_found.status_code) == (403, 404)
    assert _reads(team_case).count() == before
    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 200
    assert _reads(team_case).count() == before + 1


# Item 5: a team agency changes only its own work -----------------------------------------


@pytest.fixture
def school_agency(make_agency):
    return make_agency("Drammen videregående skole", AgencyType.SCHOOL)


@pytest.fixture
def teacher(make_user, school_agency):
    return signed_in(make_user("laerer", school_agency, MembershipRole.CASE_WORKER))


@pytest.fixture
def school_case(team_case, owner, school_agency):
    services.add_team_member(owner, team_case, agency=school_agency, contact_name="Siri")
    team_case.refresh_from_db()
    return team_case


def test_a_teacher_cannot_change_the_coordinators_task(client, login_as, teacher, school_case):
    coordinators_task = school_case.tasks.get()
    assert coordinators_task.owner_agency_id == school_case.coordinator_role.agency_id
    login_as(client, teacher)
    url = reverse("cases:task_status", args=[school_case.pk, coordinators_task.pk])

    response = client.post(url, {"status": TaskStatus.DONE, "version": coordinators_task.version})

    assert response.status_code == 403
    coordinators_task.refresh_from_db()
    assert (coordinators_task.status, coordinators_task.version) == (TaskStatus.OPEN, 1)
    page = client.get(reverse("cases:detail", args=[school_case.pk])).content.decode()
    assert url not in page  # no status form for a task that is not the school's
    with pytest.raises(PermissionDenied):
        services.change_task_status(teacher, coordinators_task, status=TaskStatus.DONE, version=1)


def test_a_teacher_changes_the_schools_own_task_and_gives_tasks_only_to_the_school(
    client, login_as, owner, teacher, school_agency, owner_agency, school_case
):
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    schools = services.add_task(
        owner, school_case, title="Samtale", owner_agency=school_agency, deadline=deadline
    )
    login_as(client, teacher)

    response = client.post(
        reverse("cases:task_status", args=[school_case.pk, schools.pk]),
        {"status": TaskStatus.DONE, "version": schools.version},
    )
    assert response.status_code == 302
    assert Task.objects.get(pk=schools.pk).status == TaskStatus.DONE

    added = client.post(
        reverse("cases:add_task", args=[school_case.pk]),
        {"title": "Til koordinatoren", "owner_agency": owner_agency.pk, "deadline": deadline},
    )
    assert added.status_code == 200 and "owner_agency" in added.context["form"].errors
    assert not Task.objects.filter(title="Til koordinatoren").exists()
    with pytest.raises(PermissionDenied):
        services.add_task(
            teacher, school_case, title="x", owner_agency=owner_agency, deadline=deadline
        )


def test_a_team_agency_cannot_change_or_evaluate_the_coordinators_measure(
    owner, partner, team_case
):
    from tverrnett.measures import services as measure_services
    from tverrnett.measures.catalogue import load_measure_types
    from tverrnett.measures.models import MeasureType

    load_measure_types()
    today = timezone.localdate()
    measure = measure_services.add_measure(
        owner,
        team_case,
        measure_type=MeasureType.objects.filter(is_active=True).first(),
        goal="Fast samtalepartner.",
        responsible_agency=team_case.coordinator_role.agency,
        start_on=today,
        evaluation_on=today + datetime.timedelta(days=30),
    )
    with pytest.raises(PermissionDenied):
        measure_services.change_measure(partner, measure, version=1, goal="Endret av Nav.")
    with pytest.raises(PermissionDenied):
        measure_services.evaluate_measure(
            partner, measure, version=1, outcome="x", status="stopped"
        )
    measure.refresh_from_db()
    assert (measure.goal, measure.version) == ("Fast samtalepartner.", 1)


# Items 5 and 10: break-glass ---------------------------------------------------------------


def _attempts():
    return AuditEntry.objects.filter(action="case.break_glass_attempted").order_by("id")


def test_a_school_is_not_offered_break_glass_and_a_direct_post_is_refused(
    client, login_as, teacher, team_case
):
    login_as(client, teacher)
    url = reverse("cases:break_glass")

    assert url not in client.get(reverse("cases:list")).content.decode()
    page = client.get(url)
    assert page.status_code == 403
    assert "Skoler og frivillige organisasjoner" in page.content.decode()
    response = client.post(url, {"reference": team_case.reference, "reason": REASON})

    assert response.status_code == 403
    assert not BreakGlassAccess.objects.exists()
    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 404
    [attempt] = _attempts()
    assert attempt.detail["outcome"] == "refused_agency"
    with pytest.raises(PermissionDenied):
        services.break_glass(teacher, teacher.memberships.get().agency, team_case, reason=REASON)


def test_an_eligible_agency_is_offered_break_glass(client, login_as, responder, team_case):
    login_as(client, responder)
    assert reverse("cases:break_glass") in client.get(reverse("cases:list")).content.decode()


@pytest.mark.parametrize("reason", ["Haster", REASON])
def test_break_glass_answers_a_missing_and_a_refused_reference_alike(
    client, login_as, outsider, team_case, reason
):
    """Nav Oslo may not open a Drammen case: whether the reference exists must not show,
    with a short reason (checked first) or a long one."""
    login_as(client, outsider)
    url = reverse("cases:break_glass")
    year = team_case.created_at.year

    existing = client.post(url, {"reference": team_case.reference, "reason": reason})
    missing = client.post(url, {"reference": f"{year}-{MISSING}", "reason": reason})

    assert existing.status_code == missing.status_code == 200
    assert existing.context["form"].errors == missing.context["form"].errors
    assert list(existing.context["form"].errors) == (
        ["reason"] if reason == "Haster" else ["reference"]
    )
    assert not BreakGlassAccess.objects.exists()
    # Both attempts are in the log, alike, naming no case.
    first, second = _attempts()
    assert first.detail["outcome"] == second.detail["outcome"]
    assert first.detail["reference"] != second.detail["reference"]
    for attempt in (first, second):
        assert set(attempt.detail) == {"outcome", "reference"}
        assert attempt.target_id == ""
        assert team_case.reference not in str(attempt.detail)


def test_break_glass_for_an_eligible_agency_opens_the_case_and_is_audited(
    client, login_as, responder, team_case
):
    login_as(client, responder)

    response = client.post(
        reverse("cases:break_glass"), {"reference": team_case.reference, "reason": REASON}
    )

    assert response.url == reverse("cases:detail", args=[team_case.pk])
    assert BreakGlassAccess.objects.get().agency.name == "Drammen legevakt"
    assert AuditEntry.objects.filter(action="case.break_glass").count() == 1
    again = client.post(
        reverse("cases:break_glass"), {"reference": team_case.reference, "reason": REASON}
    )
    assert again.url == reverse("cases:detail", args=[team_case.pk])
    assert BreakGlassAccess.objects.count() == 1
    assert [a.detail["outcome"] for a in _attempts()] == ["already_visible"]


def test_a_role_the_network_names_makes_an_agency_elsewhere_eligible(
    outsider, outsider_agency, team_case
):
    from tverrnett.networks.models import Role, RoleKind

    assert not policy.may_break_glass(outsider, outsider_agency, team_case)
    Role.objects.create(
        kind=RoleKind.NAV_CONTACT, agency=outsider_agency, network=team_case.network
    )
    assert policy.may_break_glass(outsider, outsider_agency, team_case)


def test_the_coordinators_start_page_lists_follow_the_acting_agency(
    owner, owner_agency, unrelated_agency, team_case
):
    """Overdue tasks and first decisions name cases: only while acting for the role's
    agency."""
    Membership.objects.create(user=owner, agency=unrelated_agency, role=MembershipRole.CASE_WORKER)
    Task.objects.filter(case=team_case).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    refresh_next_deadline([team_case.pk])  # the time travel, as a service would keep it
    later = timezone.now() + datetime.timedelta(days=365)
    assert services.overdue_tasks_for_coordinator(owner).exists()
    assert services.overdue_first_decisions_for_coordinator(owner, now=later).exists()

    owner.acting_membership = owner.memberships.get(agency=unrelated_agency)
    assert not services.overdue_tasks_for_coordinator(owner).exists()
    assert not services.overdue_first_decisions_for_coordinator(owner, now=later).exists()

    owner.acting_membership = owner.memberships.get(agency=owner_agency)
    assert services.overdue_tasks_for_coordinator(owner).exists()


def test_a_volunteers_break_glass_post_finds_no_page_and_is_audited(
    client, login_as, make_agency, make_user, team_case
):
    club = make_agency("Drammen idrettslag", AgencyType.VOLUNTARY_ORG)
    volunteer = make_user("frivillig", club, MembershipRole.BRIDGE_BUILDER)
    login_as(client, volunteer)

    response = client.post(
        reverse("cases:break_glass"), {"reference": team_case.reference, "reason": REASON}
    )

    assert response.status_code == 404
    assert not BreakGlassAccess.objects.exists()
    [attempt] = _attempts()
    assert attempt.detail["outcome"] == "refused_agency"
    assert attempt.agency_name == "Drammen idrettslag"


# The case list and search show the person only where the case page does -----------------
#
# Found by the property test of every part (consent/tests/test_property_parts.py):
# policy.part_shown counted the coordinator role and break-glass accesses of every
# membership, and before the team path, so a list or a name search made acting for a team
# agency with the reduced view showed and found the person the case page withholds.

NAME = "Ola Nordmann"


def _listed_and_found(client, case):
    """(the person's name is on the case list, a search for it finds the case)."""
    listing = client.get(reverse("cases:list")).content.decode()
    found = client.post(reverse("cases:list"), {"q": "Nordmann"}, follow=True)
    return NAME in listing, case.pk in [c.pk for c in found.context["page"].object_list]


def test_break_glass_for_another_agency_shows_the_person_in_no_list_or_search(
    client, login_as, responder, responder_agency, partner_agency, team_case
):
    """A legevakt worker who broke the glass, now acting for Nav Drammen (on the team with
    the reduced view), sees the reduced view everywhere."""
    Membership.objects.create(
        user=responder, agency=partner_agency, role=MembershipRole.CASE_WORKER
    )
    services.break_glass(responder, responder_agency, team_case, reason=REASON)

    act_for(client, login_as, responder, responder_agency)
    assert NAME in client.get(reverse("cases:detail", args=[team_case.pk])).content.decode()
    assert _listed_and_found(client, team_case) == (True, True)

    act_for(client, login_as, responder, partner_agency)
    page = client.get(reverse("cases:detail", args=[team_case.pk]))
    assert page.status_code == 200 and NAME not in page.content.decode()
    assert _listed_and_found(client, team_case) == (False, False)


def test_the_coordinator_acting_for_a_reduced_team_agency_sees_the_person_in_no_list(
    client, login_as, owner, owner_agency, unrelated_agency, team_case
):
    """The coordinator role's holder, acting for another agency of theirs that is on the
    team with the reduced view, is not the coordinator there: not on the list either."""
    Membership.objects.create(user=owner, agency=unrelated_agency, role=MembershipRole.CASE_WORKER)
    services.add_team_member(owner, team_case, agency=unrelated_agency, contact_name="To")

    act_for(client, login_as, owner, unrelated_agency)
    page = client.get(reverse("cases:detail", args=[team_case.pk]))
    assert page.status_code == 200 and NAME not in page.content.decode()
    assert _listed_and_found(client, team_case) == (False, False)

    act_for(client, login_as, owner, owner_agency)
    assert _listed_and_found(client, team_case) == (True, True)


@pytest.mark.parametrize("reference", ["2026-²", "²-00001", "0-00001", "99999-00001", "١٢-٣"])
def test_break_glass_answers_a_malformed_reference_like_a_missing_one(
    client, login_as, responder, team_case, reference
):
    """Unicode digits and a year no date holds (issue 18, item 1): the same form error
    as a reference that names no case, never a 500."""
    login_as(client, responder)
    url = reverse("cases:break_glass")
    year = team_case.created_at.year

    malformed = client.post(url, {"reference": reference, "reason": REASON})
    missing = client.post(url, {"reference": f"{year}-{MISSING}", "reason": REASON})

    assert malformed.status_code == missing.status_code == 200
    assert malformed.context["form"].errors == missing.context["form"].errors
    assert not BreakGlassAccess.objects.exists()
