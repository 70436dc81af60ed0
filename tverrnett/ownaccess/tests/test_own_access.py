"""The person's own access to their individual plan (L33), from the person's side and
from an attacker's: another person, a person whose plan may not be shown, an employee."""

import datetime

import pytest
from django.test import Client

from tverrnett.audit.models import AuditEntry
from tverrnett.cases.deadlines import drifted
from tverrnett.cases.models import ProtectedAddress, Task
from tverrnett.consent import access_report
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import WithdrawalRequest
from tverrnett.ownaccess.tests.conftest import OTHER_PID
from tverrnett.plans import services as plan_services
from tverrnett.plans.models import PlanComment, PlanGoal, PlanStatus

PAGE = "/min-plan/"
NOTHING = b'id="own-nothing"'


@pytest.fixture(autouse=True)
def citizen_login_offered(settings):
    settings.OIDC_CLIENTS = {
        **settings.OIDC_CLIENTS,
        "citizen": {
            "discovery_url": "http://127.0.0.1:9/none",
            "client_id": "x",
            "client_secret": "y",
            "scope": "openid",
            "acr_values": ["idporten-loa-high"],
        },
    }


def own_entries(action):
    return AuditEntry.objects.filter(action=action)


def test_the_person_sees_their_plan_team_coordinator_and_consents(client, as_person, active_plan):
    response = as_person(client).get(PAGE)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kari trenger arbeid og et sted å bo." in page
    assert "Jeg vil ha en jobb." in page  # the goal in her own words
    assert "Arbeidstrening" in page  # the measure
    assert "Paul Partner" in page  # Nav Drammen's contact on the team
    assert active_plan.coordinator_role.agency.name in page
    assert f"/min-plan/{active_plan.pk}/samtykke/{active_plan.consent_id}/trekk-tilbake/" in page
    assert active_plan.internal_note == "" or active_plan.internal_note not in page
    assert "_auth_user_id" not in client.session  # no user is logged in
    read = own_entries("own_access.plan_viewed").get()
    assert read.actor_id is None
    assert read.target_id == str(active_plan.case_id)
    assert read.detail["by_person"] == active_plan.person_id


def test_the_internal_note_and_other_cases_are_never_shown(
    client, as_person, active_plan, owner, second_case_of
):
    plan_services.change_plan(
        owner, active_plan, version=active_plan.version, internal_note="Intern: ikke for Kari."
    )
    other = second_case_of(active_plan.case)
    page = as_person(client).get(PAGE).content.decode()
    assert "Intern: ikke for Kari." not in page
    assert other.reference not in page


def _nothing_is_shown(client):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert NOTHING in response.content
    assert b"Kari trenger arbeid" not in response.content
    assert not own_entries("own_access.plan_viewed").exists()
    return response


def test_another_person_sees_nothing(client, as_person, active_plan):
    _nothing_is_shown(as_person(client, OTHER_PID))


@pytest.mark.parametrize(
    "change",
    ["protected_address", "under_16", "age_unknown", "draft", "ended", "consent_withdrawn"],
)
def test_nothing_is_shown_and_the_page_says_the_same_whatever_the_reason(
    client, as_person, active_plan, owner, change
):
    person = active_plan.person
    if change == "protected_address":
        person.protected_address = ProtectedAddress.choices[1][0]
        person.save()
    elif change == "under_16":
        person.birth_date = datetime.date.today() - datetime.timedelta(days=15 * 365)
        person.save()
    elif change == "age_unknown":
        person.birth_date = None
        person.birth_year = None
        person.save()
    elif change == "draft":
        type(active_plan).objects.filter(pk=active_plan.pk).update(status=PlanStatus.DRAFT)
    elif change == "ended":
        type(active_plan).objects.filter(pk=active_plan.pk).update(status=PlanStatus.ENDED)
    elif change == "consent_withdrawn":
        consent_services.withdraw_consent(
            owner, active_plan.consent, withdrawn_on=datetime.date.today(), note="Muntlig."
        )
    nothing = _nothing_is_shown(as_person(client)).content

    stranger = as_person(Client(), OTHER_PID)
    assert _strip_tokens(stranger.get(PAGE).content) == _strip_tokens(nothing)


def _strip_tokens(content):
    import re

    return re.sub(rb'value="[A-Za-z0-9]{64}"', b"", content)


def test_a_protected_address_on_a_second_record_of_the_person_hides_everything(
    client, as_person, active_plan, owner_agency
):
    from tverrnett.cases.models import Person

    twin = Person.objects.create(name="Kari Nordmann", birth_year=1990)
    twin.identity_number = active_plan.person.identity_number
    twin.protected_address = ProtectedAddress.choices[1][0]
    twin.save()
    _nothing_is_shown(as_person(client))


def test_the_person_adds_a_goal_that_the_coordinator_sees_as_theirs(
    client, as_person, active_plan, owner, login_as
):
    response = as_person(client).post(
        f"/min-plan/{active_plan.pk}/mal/",
        {f"goal-{active_plan.pk}-text": "Jeg vil fullføre skolen."},
    )
    assert response.status_code == 302
    goal = PlanGoal.objects.get(text="Jeg vil fullføre skolen.")
    assert (goal.by_person, goal.entered_by_person, goal.recorded_by) == (True, True, None)
    entry = own_entries("own_access.goal_added").get()
    assert entry.actor_id is None and entry.detail["by_person"] == active_plan.person_id

    coordinator = login_as(Client(), owner)
    page = coordinator.get(f"/saker/{active_plan.case_id}/plan/{active_plan.pk}/").content.decode()
    assert "Jeg vil fullføre skolen." in page
    assert "Skrevet av personen selv i Tverrnett" in page


def test_the_person_comments_and_the_coordinator_reads_it(
    client, as_person, active_plan, owner, login_as
):
    as_person(client).post(
        f"/min-plan/{active_plan.pk}/kommentar/",
        {f"comment-{active_plan.pk}-text": "Jobben passer meg."},
    )
    assert PlanComment.objects.get(plan=active_plan).text == "Jobben passer meg."
    assert own_entries("own_access.comment_added").count() == 1
    page = login_as(Client(), owner).get(f"/saker/{active_plan.case_id}/plan/{active_plan.pk}/")
    assert "Jobben passer meg." in page.content.decode()


def test_an_empty_goal_or_comment_is_refused_with_a_message(client, as_person, active_plan):
    for path, field in (("mal", "goal"), ("kommentar", "comment")):
        response = as_person(client).post(
            f"/min-plan/{active_plan.pk}/{path}/", {f"{field}-{active_plan.pk}-text": "  "}
        )
        assert response.status_code == 400
        assert "Skriv" in response.content.decode()
    assert not PlanGoal.objects.filter(entered_by_person=True).exists()
    assert not PlanComment.objects.exists()


def test_the_person_asks_to_withdraw_a_consent_and_the_coordinator_gets_a_task(
    client, as_person, active_plan
):
    url = f"/min-plan/{active_plan.pk}/samtykke/{active_plan.consent_id}/trekk-tilbake/"
    assert as_person(client).get(url).status_code == 200
    response = client.post(url, {"message": "Jeg vil ikke at skolen får vite mer."})
    assert response.status_code == 302

    asked = WithdrawalRequest.objects.get(consent=active_plan.consent)
    task = asked.task
    assert task.owner_role == active_plan.coordinator_role
    assert task.case == active_plan.case and task.created_by is None
    assert drifted() == []  # the case's next open deadline counts the new task
    assert own_entries("own_access.withdrawal_requested").count() == 1
    assert not active_plan.consent.is_withdrawn  # the coordinator records it after talking

    again = client.post(url, {"message": ""})
    assert again.status_code == 400
    assert WithdrawalRequest.objects.count() == 1 and Task.objects.filter(pk=task.pk).exists()
    assert "Du har allerede bedt om" in again.content.decode()


def test_nobody_else_reaches_the_plan_and_a_refusal_changes_nothing(
    client, as_person, active_plan, second_case_of, give_consent, partner_agency
):
    other_case = second_case_of(active_plan.case)
    other_consent = give_consent(other_case, recipients=[partner_agency])
    stranger = as_person(Client(), OTHER_PID)
    before = AuditEntry.objects.count()
    pk = active_plan.pk
    urls = [
        (f"/min-plan/{pk}/mal/", {f"goal-{pk}-text": "Inntrenger"}),
        (f"/min-plan/{pk}/kommentar/", {f"comment-{pk}-text": "Inntrenger"}),
        (f"/min-plan/{active_plan.pk}/samtykke/{active_plan.consent_id}/trekk-tilbake/", {}),
        (f"/min-plan/{active_plan.pk + 999}/mal/", {"text": "Inntrenger"}),
        (f"/min-plan/{2**70}/mal/", {"text": "Inntrenger"}),
    ]
    for url, data in urls:
        assert stranger.post(url, data).status_code == 404
    # The person themself cannot reach a consent outside their plan's case.
    own = as_person(client)
    assert (
        own.get(
            f"/min-plan/{active_plan.pk}/samtykke/{other_consent.pk}/trekk-tilbake/"
        ).status_code
        == 404
    )
    assert AuditEntry.objects.count() == before
    assert not PlanComment.objects.exists() and not WithdrawalRequest.objects.exists()
    assert not PlanGoal.objects.filter(text="Inntrenger").exists()


def test_the_persons_reads_are_in_their_access_report(client, as_person, active_plan, owner):
    as_person(client).get(PAGE)
    lines = [
        entry
        for entry in access_report.report_entries(active_plan.person, owner)
        if entry.section == "access_log" and entry.data["action"] == "own_access.plan_viewed"
    ]
    assert len(lines) == 1
    assert "personen selv" in lines[0].label


def test_without_a_person_session_the_pages_lead_to_the_login(client, owner, login_as, active_plan):
    for c in (client, login_as(Client(), owner)):
        response = c.get(PAGE)
        assert response.status_code == 302 and response["Location"] == "/min-plan/logg-inn/"
        assert c.post(f"/min-plan/{active_plan.pk}/mal/", {"text": "x"}).status_code == 302
    assert not PlanGoal.objects.filter(text="x").exists()


def test_a_person_session_reaches_no_member_page(client, as_person, active_plan):
    as_person(client)
    for url in ("/", "/saker/", f"/saker/{active_plan.case_id}/plan/{active_plan.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/logg-inn/")


def test_the_start_page_only_where_id_porten_is_configured(client, settings, db):
    assert client.get("/min-plan/logg-inn/").status_code == 200
    settings.OIDC_CLIENTS = {}
    assert client.get("/min-plan/logg-inn/").status_code == 404


def test_logging_out_ends_the_persons_session(client, as_person, active_plan):
    as_person(client)
    response = client.post("/min-plan/logg-ut/")
    assert response.status_code == 302
    assert own_entries("own_access.logout").count() == 1
    assert client.get(PAGE)["Location"] == "/min-plan/logg-inn/"


def test_the_page_costs_the_same_however_much_the_person_wrote(client, as_person, active_plan):
    """No query per goal, comment, consent or request to withdraw (pinned)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    as_person(client)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        return len(queries)

    before = cost()
    for number in range(3):
        client.post(
            f"/min-plan/{active_plan.pk}/mal/", {f"goal-{active_plan.pk}-text": f"Mål {number}"}
        )
        client.post(
            f"/min-plan/{active_plan.pk}/kommentar/",
            {f"comment-{active_plan.pk}-text": f"Kommentar {number}"},
        )
    client.post(f"/min-plan/{active_plan.pk}/samtykke/{active_plan.consent_id}/trekk-tilbake/")
    assert cost() == before
    # Measured on both databases: 21 (the session, the person's records, the plan and
    # its parts in one query per kind, the team, the consents, the read entry).
    assert before <= 18
