import pytest

# The cases app's fixtures: a municipal network, its forums and the SLT coordinator role
# `owner` holds, and `register` to open a case through the service.
from tverrnett.cases.tests.conftest import (  # noqa: F401
    adult_forum,
    drammen,
    network,
    register,
    slt_role,
    youth_forum,
)

pytestmark = pytest.mark.django_db


def test_the_start_page_shows_the_user_their_agency_and_the_classification_notice(
    client, login_as, owner
):
    login_as(client, owner)

    page = client.get("/").content.decode()

    assert "Velkommen, Eva" in page
    assert "Drammen kommune – SLT" in page
    assert "Kun ugradert informasjon" in page
    assert "Logg ut" in page
    assert "Dette er din første innlogging." in page


def test_the_login_page_has_a_skip_link_and_the_notice(client):
    page = client.get("/logg-inn/").content.decode()

    assert 'href="#main"' in page
    assert "Kun ugradert informasjon" in page
    assert 'lang="nb"' in page


def test_the_language_switch_changes_to_english_and_back(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/logg-inn/"}, follow=True)

    page = response.content.decode()
    assert 'lang="en"' in page
    assert "Log in to Tverrnett" in page
    assert "Unclassified information only" in page

    response = client.post("/i18n/setlang/", {"language": "nb", "next": "/logg-inn/"}, follow=True)
    assert "Logg inn i Tverrnett" in response.content.decode()


def test_the_accessibility_statement_is_public(client):
    response = client.get("/tilgjengelighet/")

    assert response.status_code == 200
    assert "Tilgjengelighetserklæring" in response.content.decode()


def test_an_unknown_page_gets_a_norwegian_404(client, login_as, owner):
    login_as(client, owner)

    response = client.get("/finnes-ikke/")

    assert response.status_code == 404
    assert "Siden finnes ikke" in response.content.decode()


def test_the_interface_is_norwegian_whatever_the_browser_asks_for(client):
    response = client.get("/logg-inn/", headers={"Accept-Language": "en-US,en;q=0.9"})

    assert "Logg inn i Tverrnett" in response.content.decode()
    assert response["Content-Language"] == "nb"


def test_the_start_page_costs_the_same_few_queries_however_many_agencies(
    client, login_as, owner, make_agency, django_assert_max_num_queries
):
    from tverrnett.accounts.models import Membership, MembershipRole

    for n in range(10):
        Membership.objects.create(
            user=owner, agency=make_agency(f"Etat {n}"), role=MembershipRole.CASE_WORKER
        )
    login_as(client, owner)

    # session, user, OTP device, current agency, previous login, memberships, and the
    # session save (three statements with its savepoint): none of them per row.
    # +2 for the unread announcements: the user's agencies and their networks (this user
    # is in no network, so the network tree and the unread items are never asked for;
    # announcements/tests pins the full block at 4).
    # +1 for the overdue tasks in cases the user coordinates (break-glass reviews are
    # counted only for managers, and this user manages nothing).
    # +4 for consent and sharing: consents ending soon in cases the user coordinates, the
    # user's case-work agencies, and the follow-ups and notices waiting for them.
    # +1 for the measures past their evaluation date in cases the user coordinates (L24).
    # +1 for the follow-up reviews after exit in cases the user coordinates (L29).
    # +1 for the individual plans past their revision date that the user coordinates (L33).
    # +3 for the notices waiting for the user's roles and the agencies' overdue sent ones,
    # and the cases the user coordinates still waiting for a first decision (L27).
    # +2 for the user's assessments due for review (L25), in cases the user still sees
    # (the user's case-work memberships, then the assessments).
    # +1 for the possible duplicates waiting for the user's coordinator roles.
    # +3 for the first action and "My cases" (issue 21 item 11): the acting agency's case
    # work, whether it is in a municipal network to register in, and the open cases the
    # user coordinates.
    # +1 for the requests for information waiting for the acting agency's answer.
    with django_assert_max_num_queries(25):
        response = client.get("/")

    assert response.content.decode().count("Handle for denne etaten") == 10


def test_the_start_page_costs_the_same_for_one_overdue_task_and_many(
    client,
    login_as,
    owner,
    owner_agency,
    register,  # noqa: F811 (the fixture imported above)
):
    """The reminder lists show their first ten and link to the rest: the queries do not
    grow with a coordinator's overdue tasks, and the page does not list them all."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from tverrnett.cases import services
    from tverrnett.cases.tests.conftest import signed_in

    signed_in(owner)  # as the middleware hands it to the services (`register` uses it)

    def overdue_task(case, days):
        services.add_task(
            owner,
            case,
            title=f"Frist for {days} dager siden",
            owner_agency=owner_agency,
            owner_name="Eva",
            deadline=timezone.localdate() - datetime.timedelta(days=days),
        )

    overdue_task(register(), 1)
    login_as(client, owner)

    def start_page():
        client.get("/")  # the same warm session as any later request
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/").content.decode()
        return len(captured.captured_queries), page

    one, page = start_page()
    assert page.count("Frist for ") == 1
    assert "Alle saker med forfalte oppgaver" not in page
    for n in range(4):
        case = register(person={"name": f"Person {n}", "birth_year": 2000 + n})
        for days in range(2, 6):
            overdue_task(case, days + 10 * n)
    many, page = start_page()
    assert many == one
    assert page.count("Frist for ") == 10  # the first ten, the oldest deadline first
    assert "Frist for 35 dager siden" in page
    assert 'href="/saker/?overdue=on"' in page and "Alle saker med forfalte oppgaver" in page
    # The pin for a coordinator with cases (the test above: a user with none).
    assert many <= PINNED_COORDINATOR_START_PAGE


PINNED_COORDINATOR_START_PAGE = 31
