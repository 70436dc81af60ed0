"""The review page and marking an entry reviewed, from the officer's side and the
attacker's: only the privacy officer of the agency acted for sees its users' entries;
anyone else gets the 404 of a missing page and leaves no audit entry."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.logreview.models import MonthlySample, Review, ReviewKind
from tverrnett.logreview.tests.conftest import TUESDAY, at

pytestmark = pytest.mark.django_db

URL = reverse("logreview:review")
# The page's default period is the last 30 days: look from a day inside it.
TODAY = at(TUESDAY + datetime.timedelta(days=2), 12)


def mark_url(entry):
    return reverse("logreview:mark", args=[entry.pk])


@pytest.fixture
def late_read(read, colleague, owner_agency, case):
    return read(at(TUESDAY, 22, 30), colleague, owner_agency, case)


@pytest.fixture
def quiet_read(read, colleague, owner_agency, case):
    return read(at(TUESDAY, 10), colleague, owner_agency, case)


@pytest.fixture
def officer_client(client, login_as, officer):
    return login_as(client, officer)


def get(client, url=URL, **params):
    with time_machine.travel(TODAY, tick=False):
        return client.get(url, params)


def post(client, url, data):
    with time_machine.travel(TODAY, tick=False):
        return client.post(url, data)


def reads_of_the_page():
    return AuditEntry.objects.filter(action="logreview.viewed")


def test_the_officer_sees_the_flagged_entry_with_its_rule_and_no_name(
    officer_client, late_read, quiet_read, case
):
    response = get(officer_client)

    assert response.status_code == 200
    items = response.context["page"].object_list
    assert [item.entry.pk for item in items] == [late_read.pk]
    html = response.content.decode()
    assert "Utenfor arbeidstid" in html
    assert case.reference in html
    assert "kollega" in html
    assert "Saksbehandler" in html
    assert "Ola Nordmann" not in html
    assert f'href="{mark_url(late_read)}?back=' in html


def test_reading_the_page_is_audited(officer_client, officer, owner_agency, late_read):
    get(officer_client, rule="outside_hours")

    entry = reads_of_the_page().get()
    assert entry.actor_id == officer.pk
    assert entry.agency_id == owner_agency.pk
    assert entry.detail["rule"] == "outside_hours"
    assert entry.detail["entries"] == [late_read.pk]


def test_the_list_filters_by_rule_and_status(officer_client, late_read, log, colleague, case):
    revealed = log(
        at(TUESDAY, 12),
        "case.identity_number_revealed",
        colleague,
        late_read_agency(late_read),
        case,
    )

    everything = get(officer_client).context["page"].object_list
    by_rule = get(officer_client, rule="identity_number").context["page"].object_list
    oldest_first = get(officer_client, sort="time").context["page"].object_list

    assert [item.entry.pk for item in everything] == [late_read.pk, revealed.pk]
    assert [item.entry.pk for item in by_rule] == [revealed.pk]
    assert [item.entry.pk for item in oldest_first] == [revealed.pk, late_read.pk]


def late_read_agency(entry):
    from tverrnett.agencies.models import Agency

    return Agency.objects.get(pk=entry.agency_id)


def test_a_period_longer_than_allowed_is_refused_with_a_norwegian_message(officer_client):
    response = get(officer_client, start="2026-01-01", end="2026-11-12")

    assert response.status_code == 200
    assert "Velg en periode på høyst 92 dager." in response.content.decode()
    # The page falls back to the default period: never a scan of the whole log.
    assert response.context["first_day"] == datetime.date(2026, 10, 14)


def test_marking_needs_a_note_and_is_audited_and_changes_the_list(
    officer_client, officer, owner_agency, late_read
):
    empty = post(officer_client, mark_url(late_read), {"note": "  "})

    assert empty.status_code == 200
    assert "Skriv hva du fant" in empty.content.decode()
    assert not Review.objects.exists()

    done = post(
        officer_client,
        mark_url(late_read),
        {"note": "Vakt hos barnevernet den kvelden.", "back": URL + "?status=waiting"},
    )

    assert done.status_code == 302
    assert done.url == URL + "?status=waiting"
    review = Review.objects.get()
    assert (review.agency, review.entry_id, review.reviewed_by) == (
        owner_agency,
        late_read.pk,
        officer,
    )
    assert review.kind == ReviewKind.FLAGGED
    assert review.rules == ["outside_hours"]
    audit = AuditEntry.objects.get(action="logreview.reviewed")
    assert audit.detail == {"entry": late_read.pk, "kind": "flagged", "rules": ["outside_hours"]}
    assert audit.target_id == str(review.pk)
    assert "Vakt" not in str(audit.detail)

    assert get(officer_client, status="waiting").context["page"].object_list == []
    reviewed = get(officer_client, status="reviewed")
    assert [item.entry.pk for item in reviewed.context["page"].object_list] == [late_read.pk]
    assert "Vakt hos barnevernet den kvelden." in reviewed.content.decode()


def test_a_second_mark_changes_nothing(officer_client, late_read):
    post(officer_client, mark_url(late_read), {"note": "Sjekket."})
    again = post(officer_client, mark_url(late_read), {"note": "Igjen."})

    assert again.status_code == 200
    assert Review.objects.get().note == "Sjekket."
    assert AuditEntry.objects.filter(action="logreview.reviewed").count() == 1


def test_marking_needs_the_csrf_token(officer, login_as, late_read):
    client = login_as(Client(enforce_csrf_checks=True), officer)

    response = post(client, mark_url(late_read), {"note": "Sjekket."})

    assert response.status_code == 403
    assert not Review.objects.exists()


def test_an_ordinary_read_cannot_be_marked_unless_it_was_sampled(
    officer_client, quiet_read, owner_agency
):
    assert get(officer_client, mark_url(quiet_read)).status_code == 404

    MonthlySample.objects.create(
        agency=owner_agency, month=datetime.date(2026, 11, 1), entry_ids=[quiet_read.pk]
    )
    # A sampled ordinary read may be marked without a note.
    response = post(officer_client, mark_url(quiet_read), {"note": ""})

    assert response.status_code == 302
    assert Review.objects.get().kind == ReviewKind.SAMPLE


def test_the_sample_is_shown_in_its_own_section(officer_client, quiet_read, owner_agency, case):
    MonthlySample.objects.create(
        agency=owner_agency,
        month=datetime.date(2026, 11, 1),
        entry_ids=[quiet_read.pk],
        population=1,
    )

    response = get(officer_client)

    assert [item.entry.pk for item in response.context["sample_items"]] == [quiet_read.pk]
    assert "Stikkprøve av vanlige oppslag, november 2026" in response.content.decode()


# From the attacker's side ------------------------------------------------------------


def test_a_case_worker_of_the_same_agency_gets_404(client, login_as, colleague, late_read):
    login_as(client, colleague)

    assert get(client).status_code == 404
    assert get(client, mark_url(late_read)).status_code == 404
    assert post(client, mark_url(late_read), {"note": "x"}).status_code == 404
    assert not reads_of_the_page().exists()
    assert not Review.objects.exists()


def test_an_officer_of_another_agency_sees_only_their_own_agencys_entries(
    client, login_as, make_user, outsider_agency, late_read
):
    other_officer = make_user("personvern-oslo", outsider_agency, MembershipRole.PRIVACY_OFFICER)
    login_as(client, other_officer)

    assert get(client).context["page"].object_list == []
    before = reads_of_the_page().count()
    assert get(client, mark_url(late_read)).status_code == 404
    assert post(client, mark_url(late_read), {"note": "x"}).status_code == 404
    assert reads_of_the_page().count() == before
    assert not Review.objects.exists()


def test_an_officer_acting_for_another_agency_gets_404(
    client, login_as, officer, outsider_agency, late_read
):
    other = Membership.objects.create(
        user=officer, agency=outsider_agency, role=MembershipRole.CASE_WORKER
    )
    login_as(client, officer)
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = other.pk
    session.save()

    assert get(client).status_code == 404
    assert get(client, mark_url(late_read)).status_code == 404
    assert post(client, mark_url(late_read), {"note": "x"}).status_code == 404
    assert not reads_of_the_page().exists()
    assert not Review.objects.exists()


def test_the_privacy_officer_sees_no_case(officer_client, case):
    with time_machine.travel(TODAY, tick=False):
        assert officer_client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
        assert officer_client.get(reverse("cases:list")).status_code in (200, 404)
        response = officer_client.get(reverse("cases:list"))
    if response.status_code == 200:
        assert case.reference not in response.content.decode()


# Queries -----------------------------------------------------------------------------


def test_the_page_makes_the_same_number_of_queries_for_few_and_many_entries(
    officer_client, read, colleague, owner_agency, case, register, django_assert_num_queries
):
    read(at(TUESDAY, 22), colleague, owner_agency, case)
    get(officer_client)  # warm the session and the translation catalogue
    with django_assert_num_queries(QUERIES):
        assert get(officer_client).status_code == 200

    others = [register(person={"name": f"P {n}", "birth_year": 2000 + n}) for n in range(5)]
    for n, other in enumerate(others * 4):
        read(at(TUESDAY, 20, n), colleague, owner_agency, other)
    with django_assert_num_queries(QUERIES):
        response = get(officer_client)
    assert len(response.context["page"].object_list) == 21


QUERIES = 16
