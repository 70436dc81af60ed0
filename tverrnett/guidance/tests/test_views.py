"""Guidance pages, tried by the sender's agency (`owner`), the receiving agency
(`rvts_user`, RVTS Sør) and agencies outside the request (`partner`, `outsider`)."""

import pytest
from django.urls import reverse

from tverrnett.audit.models import AuditEntry
from tverrnett.geography.services import rvts_region_for
from tverrnett.guidance.forms import GuidanceRequestForm
from tverrnett.guidance.models import GuidanceRequest, Recipient, Status, Topic
from tverrnett.guidance.services import answer_guidance_request
from tverrnett.guidance.tests.test_services import FNR

RESOURCES = reverse("guidance:resources")
NEW = reverse("guidance:new")
MINE = reverse("guidance:mine")
INBOX = reverse("guidance:inbox")


def detail_url(guidance):
    return reverse("guidance:detail", args=[guidance.pk])


# The resource page ------------------------------------------------------------


@pytest.mark.parametrize("url", [RESOURCES, NEW, MINE, INBOX, "/veiledning/1/"])
def test_it_sends_anonymous_users_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.usefixtures("reference_data", "nav_grunerlokka")
def test_it_shows_the_national_guidance_function_and_every_region(
    client, login_as, owner, django_assert_max_num_queries
):
    login_as(client, owner)
    with django_assert_max_num_queries(7):
        response = client.get(RESOURCES)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="tel:+4722586000"' in html
    assert 'href="mailto:post@rvtsost.no"' in html
    for name in ("RVTS Øst", "RVTS Sør", "RVTS Vest", "RVTS Midt", "RVTS Nord"):
        assert name in html
    assert "Nav Grünerløkka" in html
    assert 'href="tel:+4755553333"' in html


@pytest.mark.usefixtures("reference_data")
def test_it_marks_the_region_of_the_users_municipality(client, login_as, owner):
    login_as(client, owner)
    response = client.get(RESOURCES)
    own = [region for region in response.context["regions"] if region.is_own]
    assert [region.pk for region in own] == [rvts_region_for("3301").pk]
    assert response.context["regions"][0].is_own  # listed first


def test_it_marks_the_region_an_rvts_centre_serves(client, login_as, rvts_user):
    login_as(client, rvts_user)
    response = client.get(RESOURCES)
    assert response.context["own_region"].code == "sor"
    assert response.context["receives_requests"]


def test_it_marks_no_region_for_an_agency_without_municipality(
    client, login_as, make_agency, make_user, reference_data
):
    pst = make_agency("PST", "pst", municipality=None, police_district=None)
    login_as(client, make_user("pia", pst))
    response = client.get(RESOURCES)
    assert response.status_code == 200
    assert response.context["own_region"] is None
    assert not any(region.is_own for region in response.context["regions"])


def test_it_links_to_guidance_from_every_page(client, login_as, owner):
    login_as(client, owner)
    response = client.get(reverse("core:home"))
    assert f'href="{RESOURCES}"' in response.content.decode()


# Sending ------------------------------------------------------------------------


def test_the_form_asks_nothing_about_the_person():
    assert set(GuidanceRequestForm.base_fields) == {
        "municipality",
        "recipient",
        "topic",
        "question",
    }


@pytest.mark.usefixtures("rvts_sor")
def test_it_suggests_the_agency_municipality(client, login_as, owner):
    login_as(client, owner)
    response = client.get(NEW)
    assert response.status_code == 200
    assert response.context["form"].initial["municipality"] == "3301"


def _post_new(client, **overrides):
    data = {
        "municipality": "Færder",
        "recipient": Recipient.RVTS,
        "topic": Topic.EXIT_WORK,
        "question": "Hvordan følger vi opp en ung voksen som vil ut av et miljø?",
        **overrides,
    }
    return client.post(NEW, data)


def test_it_sends_a_request_to_the_rvts_of_the_municipality(client, login_as, owner, rvts_sor):
    login_as(client, owner)
    response = _post_new(client, municipality="Fearder")  # a typo is forgiven
    guidance = GuidanceRequest.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(guidance)
    assert guidance.recipient_agency == rvts_sor
    assert guidance.municipality.number == "3911"
    assert guidance.sender == owner
    assert guidance.sender_agency == owner.active_memberships().first().agency
    assert AuditEntry.objects.filter(action="guidance.requested").count() == 1


def test_it_refuses_a_region_nobody_answers_and_says_whom_to_call(
    client, login_as, owner, reference_data
):
    login_as(client, owner)
    response = _post_new(client, municipality="Bergen")
    assert response.status_code == 200
    page = response.content.decode()
    # RVTS Vest has no agency with users in Tverrnett: the request is not filed,
    # and the page names RVTS Øst's national guidance function instead.
    assert "RVTS Vest" in page and "22 58 60 00" in page
    assert not GuidanceRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="guidance.requested").exists()


@pytest.mark.usefixtures("rvts_sor")
def test_it_refuses_an_identity_number_in_the_question(client, login_as, owner):
    login_as(client, owner)
    response = _post_new(client, question=f"Gjelder {FNR[:6]} {FNR[6:]}, 15 år.")
    assert response.status_code == 200
    assert "fødselsnummer eller D-nummer" in response.content.decode()
    assert not GuidanceRequest.objects.exists()
    assert not AuditEntry.objects.filter(action="guidance.requested").exists()


@pytest.mark.usefixtures("rvts_sor")
def test_it_explains_an_unknown_municipality_in_norwegian(client, login_as, owner):
    login_as(client, owner)
    response = _post_new(client, municipality="Atlantis")
    assert response.status_code == 200
    assert "Ingen kommune" in response.content.decode()
    assert not GuidanceRequest.objects.exists()


@pytest.mark.usefixtures("rvts_sor")
def test_it_explains_a_region_not_in_tverrnett(client, login_as, owner):
    login_as(client, owner)
    response = _post_new(client, municipality="Bergen")
    assert response.status_code == 200
    assert "RVTS Vest" in response.content.decode()
    assert not GuidanceRequest.objects.exists()


# Reading and answering -------------------------------------------------------------


@pytest.fixture
def guidance(send, rvts_user):
    return send(municipality="3911")


def test_the_sender_agency_and_the_receiving_agency_see_the_request(
    client, login_as, guidance, owner, rvts_user, make_user
):
    colleague = make_user("kollega", guidance.sender_agency)
    for user in (owner, colleague, rvts_user):
        login_as(client, user)
        response = client.get(detail_url(guidance))
        assert response.status_code == 200, user
        assert guidance.question in response.content.decode()
    assert response.context["form"] is not None  # the receiving agency gets the answer form


@pytest.mark.parametrize("actor", ["partner", "outsider"])
def test_other_agencies_get_404(client, login_as, guidance, actor, request):
    login_as(client, request.getfixturevalue(actor))
    assert client.get(detail_url(guidance)).status_code == 404
    assert client.post(detail_url(guidance), {"answer": "Svar"}).status_code == 404
    guidance.refresh_from_db()
    assert guidance.status == Status.OPEN


def test_a_missing_request_is_the_same_404(client, login_as, owner):
    login_as(client, owner)
    assert client.get("/veiledning/999999/").status_code == 404


def test_the_sender_agency_may_not_answer(client, login_as, guidance, owner):
    login_as(client, owner)
    response = client.get(detail_url(guidance))
    assert response.context["form"] is None
    assert client.post(detail_url(guidance), {"answer": "Svar"}).status_code == 403
    guidance.refresh_from_db()
    assert guidance.status == Status.OPEN


def test_the_receiving_agency_answers_and_the_sender_sees_it(
    client, login_as, guidance, owner, rvts_user
):
    login_as(client, rvts_user)
    response = client.post(detail_url(guidance), {"answer": "Ta kontakt med oss på telefon."})
    assert response.status_code == 302
    guidance.refresh_from_db()
    assert guidance.status == Status.ANSWERED
    assert guidance.answered_by == rvts_user
    assert AuditEntry.objects.filter(action="guidance.answered").count() == 1

    login_as(client, owner)
    response = client.get(detail_url(guidance))
    assert "Ta kontakt med oss på telefon." in response.content.decode()


def test_it_refuses_an_identity_number_in_the_answer(client, login_as, guidance, rvts_user):
    login_as(client, rvts_user)
    response = client.post(detail_url(guidance), {"answer": f"Er dette {FNR}?"})
    assert response.status_code == 200
    assert "fødselsnummer eller D-nummer" in response.content.decode()
    guidance.refresh_from_db()
    assert guidance.status == Status.OPEN


# Lists ---------------------------------------------------------------------------


def test_the_sender_lists_their_requests(
    client, login_as, send, owner, rvts_user, outsider, django_assert_max_num_queries
):
    for number in range(25):
        send(question=f"Spørsmål nummer {number}")
    login_as(client, owner)
    with django_assert_max_num_queries(5):
        response = client.get(MINE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 20
    assert response.context["page"].paginator.count == 25
    assert client.get(MINE, {"side": 2}).context["page"].object_list.__len__() == 5
    assert client.get(MINE, {"q": "nummer 7"}).context["page"].paginator.count == 1

    login_as(client, outsider)
    assert client.get(MINE).context["page"].paginator.count == 0


def test_the_inbox_shows_open_requests_first(
    client, login_as, send, owner, rvts_user, django_assert_max_num_queries
):
    first = send(question="Det første spørsmålet")
    answer_guidance_request(rvts_user, first, answer="Svar")
    for number in range(24):
        send(question=f"Spørsmål nummer {number}")
    login_as(client, rvts_user)
    with django_assert_max_num_queries(5):
        response = client.get(INBOX)
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count == 25
    assert all(item.status == Status.OPEN for item in page.object_list)
    last_page = client.get(INBOX, {"side": 2}).context["page"]
    assert list(last_page.object_list)[-1] == first
    newest = client.get(INBOX, {"sort": "newest"}).context["page"]
    assert newest.object_list[0].question == "Spørsmål nummer 23"


def test_the_inbox_of_another_agency_is_empty(client, login_as, guidance, owner, outsider):
    for user in (owner, outsider):
        login_as(client, user)
        assert client.get(INBOX).context["page"].paginator.count == 0
