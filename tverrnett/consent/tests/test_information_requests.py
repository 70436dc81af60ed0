"""Requests for information between agencies (issue 21, item 3; exit checklist step 11).

Four actors: the asker (the owner, SLT Drammen, coordinator of Kari's case), the agency
asked (the police district, not on the team), an outsider agency (Nav Oslo), and a user
who is also a member of the police district but acts for Nav Oslo.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import JournalEntry, Task
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import information_requests as requests
from tverrnett.consent.access_report import build_report
from tverrnett.consent.models import (
    DisclosedItem,
    Disclosure,
    InformationRequest,
    InformationRequestStatus,
)
from tverrnett.core.versions import StaleEdit
from tverrnett.notices import jobs
from tverrnett.notices.models import Delivery

pytestmark = pytest.mark.django_db

QUESTION = "Har politiet kjennskap til Kari Nordmanns kontakter i miljøet?"
ANSWER = "Politiet kjenner til to kontakter fra 2024."


def in_days(days):
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def asked(team_case, owner, police_agency, catalogue):
    """The owner asks the police district under a statutory basis."""
    return requests.ask(
        owner,
        team_case,
        recipient=police_agency,
        question=QUESTION,
        deadline=in_days(7),
        legal_basis=catalogue["statutory-open"],
    )


@pytest.fixture
def double_agent(make_user, police_agency, outsider_agency):
    """Also a member of the police district, acting for Nav Oslo."""
    user = make_user("dobbel", outsider_agency, MembershipRole.CASE_WORKER)
    Membership.objects.create(
        user=user, agency=police_agency, role=MembershipRole.POLICE_RADICALISATION_CONTACT
    )
    return user


def act_for(client, user, agency):
    session = client.session
    session[SESSION_MEMBERSHIP_KEY] = user.memberships.get(agency=agency, is_active=True).pk
    session.save()


def _state():
    return {
        "requests": sorted(
            InformationRequest.objects.values_list("pk", "status", "version", "decline_reason")
        ),
        "disclosures": Disclosure.objects.count(),
        "items": DisclosedItem.objects.count(),
        "journal": JournalEntry.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


# Asking --------------------------------------------------------------------------------


def test_asking_records_the_request_and_its_audit_entry(asked, owner, owner_agency):
    assert asked.status == InformationRequestStatus.OPEN
    assert asked.asking_agency == owner_agency and asked.asked_by == owner
    assert asked.legal_basis_citation.startswith(asked.legal_basis.law)
    entry = AuditEntry.objects.get(action="consent.information_requested")
    assert entry.detail["information_request"] == asked.pk
    # Ids and codes only: the question is in the request, not in the log.
    assert "Kari" not in str(entry.detail)


def test_a_deadline_in_the_past_and_an_empty_question_are_refused(
    team_case, owner, police_agency, catalogue
):
    with pytest.raises(ValidationError) as refused:
        requests.ask(
            owner,
            team_case,
            recipient=police_agency,
            question=" ",
            deadline=in_days(-1),
            legal_basis=catalogue["statutory-open"],
        )
    assert set(refused.value.message_dict) == {"question", "deadline"}
    assert not InformationRequest.objects.exists()


def test_a_consent_must_name_both_agencies(
    team_case, owner, police_agency, partner_agency, give_consent
):
    consent = give_consent(team_case, recipients=[partner_agency])
    with pytest.raises(ValidationError):
        requests.ask(
            owner,
            team_case,
            recipient=police_agency,
            question=QUESTION,
            deadline=in_days(3),
            consent=consent,
        )
    assert not InformationRequest.objects.exists()


def test_an_outsider_cannot_ask_on_a_case_it_cannot_see(
    team_case, outsider, police_agency, catalogue
):
    with pytest.raises(PermissionDenied):
        requests.ask(
            signed_in(outsider),
            team_case,
            recipient=police_agency,
            question=QUESTION,
            deadline=in_days(3),
            legal_basis=catalogue["statutory-open"],
        )


def test_the_ask_form_refuses_a_past_deadline_in_norwegian(
    client, login_as, owner, team_case, police_agency, catalogue
):
    login_as(client, owner)
    url = reverse("consent:ask_information", args=[team_case.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "recipient": police_agency.pk,
            "ground": f"basis-{catalogue['statutory-open'].pk}",
            "question": QUESTION,
            "deadline": in_days(-2).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Datoen har passert" in response.content.decode()
    assert not InformationRequest.objects.exists()


# The asked agency ------------------------------------------------------------------------


def test_the_police_see_the_request_but_not_the_case(
    client, login_as, police_contact, asked, team_case
):
    login_as(client, police_contact)
    listing = client.get(reverse("consent:information_requests")).content.decode()
    assert team_case.reference in listing
    before = AuditEntry.objects.filter(action="consent.information_request_viewed").count()
    page = client.get(reverse("consent:information_request", args=[asked.pk])).content.decode()
    assert QUESTION in page and team_case.reference in page
    assert reverse("cases:detail", args=[team_case.pk]) not in page
    assert "Kari" not in page.replace(QUESTION, "")
    assert (
        AuditEntry.objects.filter(action="consent.information_request_viewed").count() == before + 1
    )
    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 404


def test_the_consent_overview_lists_the_requests_of_the_asking_agency(
    client, login_as, owner, partner, asked, team_case
):
    url = reverse("consent:overview", args=[team_case.pk])
    request_url = reverse("consent:information_request", args=[asked.pk])
    login_as(client, owner)
    assert request_url in client.get(url).content.decode()
    # Nav Drammen on the team neither sent nor received it.
    login_as(client, partner)
    assert request_url not in client.get(url).content.decode()


def test_answering_writes_the_item_and_discloses_it_to_the_asker(
    client, login_as, police_contact, police_agency, owner, owner_agency, asked, team_case
):
    login_as(client, police_contact)
    url = reverse("consent:answer_information_request", args=[asked.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "text": ANSWER,
            "category": "offences",
            "police_verification": "verified",
            "necessity_note": "Nødvendig for exitarbeidet.",
            "version": asked.version,
        },
    )
    assert response.status_code == 302, response.content.decode()
    asked.refresh_from_db()
    assert asked.status == InformationRequestStatus.ANSWERED
    disclosure = asked.disclosure
    assert disclosure.sender_agency == police_agency
    assert disclosure.recipient_agency == owner_agency
    [item] = disclosure.items.all()
    assert item.agency == police_agency and item.text == ANSWER
    assert item.police_verification == "verified"
    # The asker reads it through the ordinary rule, and is told by e-mail without details.
    assert item in policy.visible_journal(owner, team_case)
    delivery = Delivery.objects.get(user=owner)
    assert delivery.url == reverse("consent:information_requests")
    # The disclosure is in the person's access report like any other.
    report = build_report(team_case.subject, reader=owner, redactions=[])
    lines = {line["key"]: line for line in report["disclosures"]}
    assert f"disclosure:{disclosure.pk}" in lines
    # The question is a disclosure of the asker's: it is in the report too, before it.
    question = lines[f"information_request:{asked.pk}"]
    assert question["question"] == QUESTION and question["recipient"] == police_agency.name
    assert list(lines).index(f"information_request:{asked.pk}") < list(lines).index(
        f"disclosure:{disclosure.pk}"
    )


def test_the_police_disclose_an_item_they_already_hold(
    police_contact, police_agency, owner, owner_agency, asked, team_case, catalogue
):
    case_services.add_team_member(owner, team_case, agency=police_agency, contact_name="Per")
    held = case_services.write_journal_entry(
        police_contact,
        team_case,
        text="Bekymringsmelding fra 2023.",
        confidentiality="confidential",
        police_verification="unverified",
    )
    requests.answer(
        police_contact,
        asked,
        version=asked.version,
        items=[held],
        necessity_note="Nødvendig.",
    )
    asked.refresh_from_db()
    assert list(asked.disclosure.items.all()) == [held]


def test_an_answer_under_a_consent_checks_the_consent(
    police_contact, owner, owner_agency, police_agency, team_case, give_consent, catalogue
):
    consent = give_consent(team_case, recipients=[owner_agency, police_agency])
    info_request = requests.ask(
        owner,
        team_case,
        recipient=police_agency,
        question=QUESTION,
        deadline=in_days(2),
        consent=consent,
    )
    # The consent covers the concern only: an answer about offences is refused, whole.
    before = _state()
    with pytest.raises(ValidationError):
        requests.answer(
            police_contact,
            info_request,
            version=info_request.version,
            text=ANSWER,
            category="offences",
            police_verification="verified",
        )
    assert _state() == before
    requests.answer(
        police_contact,
        info_request,
        version=info_request.version,
        text=ANSWER,
        police_verification="verified",
    )
    info_request.refresh_from_db()
    assert info_request.disclosure.consent == consent


def test_declining_needs_a_reason_and_tells_the_asker(
    client, login_as, police_contact, owner, asked
):
    login_as(client, police_contact)
    url = reverse("consent:decline_information_request", args=[asked.pk])
    refused = client.post(url, {"reason": "", "version": asked.version})
    assert refused.status_code == 200
    response = client.post(url, {"reason": "Vi har ingenting.", "version": asked.version})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == InformationRequestStatus.DECLINED
    assert Delivery.objects.filter(user=owner).exists()


def test_the_asker_withdraws_and_the_police_can_no_longer_answer(
    client, login_as, owner, police_contact, asked
):
    login_as(client, owner)
    client.post(
        reverse("consent:withdraw_information_request", args=[asked.pk]),
        {"version": asked.version},
    )
    asked.refresh_from_db()
    assert asked.status == InformationRequestStatus.WITHDRAWN
    with pytest.raises(StaleEdit, match="allerede besvart, avslått eller trukket tilbake"):
        requests.answer(police_contact, asked, version=asked.version, text=ANSWER)


# Refusals ---------------------------------------------------------------------------------


def _request_urls(info_request):
    return [
        reverse(name, args=[info_request.pk])
        for name in (
            "consent:information_request",
            "consent:answer_information_request",
            "consent:decline_information_request",
            "consent:withdraw_information_request",
        )
    ]


@pytest.mark.parametrize("who", ["outsider", "double_agent"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_others_get_404_change_nothing_and_read_nothing(
    client, login_as, request, outsider_agency, asked, who, method
):
    user = request.getfixturevalue(who)
    login_as(client, user)
    act_for(client, user, outsider_agency)
    before = _state()
    data = {"reason": "Nei.", "text": ANSWER, "version": asked.version}
    for url in _request_urls(asked):
        response = getattr(client, method)(url, data if method == "post" else None)
        assert response.status_code in (404, 405), (url, response.status_code)
        missing = url.replace(f"/{asked.pk}/", "/999999/")
        assert getattr(client, method)(missing).status_code == response.status_code
    listing = client.get(reverse("consent:information_requests")).content.decode()
    assert "Kari" not in listing and asked.case.reference not in listing
    assert _state() == before


def test_the_asker_cannot_answer_and_the_police_cannot_withdraw(
    client, login_as, owner, police_contact, asked
):
    login_as(client, owner)
    before = _state()
    assert (
        client.get(reverse("consent:answer_information_request", args=[asked.pk])).status_code
        == 404
    )
    with pytest.raises(PermissionDenied):
        requests.answer(owner, asked, version=asked.version, text=ANSWER)
    login_as(client, police_contact)
    assert (
        client.post(
            reverse("consent:withdraw_information_request", args=[asked.pk]),
            {"version": asked.version},
        ).status_code
        == 404
    )
    assert _state() == before


# Reminders and the checklist ---------------------------------------------------------------


def test_the_worker_reminds_the_asked_agency_before_and_on_the_deadline_once(
    asked, police_contact, owner
):
    deadline = asked.deadline
    soon = deadline - datetime.timedelta(days=1)
    assert jobs.information_request_deadlines(soon - datetime.timedelta(days=30)) == 0
    assert jobs.information_request_deadlines(soon) == 1
    assert jobs.information_request_deadlines(soon) == 0
    assert jobs.information_request_deadlines(deadline) == 1
    assert jobs.information_request_deadlines(deadline) == 0
    kinds = sorted(Delivery.objects.filter(user=police_contact).values_list("kind", flat=True))
    assert kinds == ["reminder:rfi-due", "reminder:rfi-soon"]
    assert not Delivery.objects.filter(user=owner).exists()
    assert all(
        url == reverse("consent:information_requests")
        for url in Delivery.objects.values_list("url", flat=True)
    )


def test_an_answered_request_is_not_reminded_of(asked, police_contact):
    requests.decline(police_contact, asked, version=asked.version, reason="Nei.")
    assert jobs.information_request_deadlines(asked.deadline) == 0


def test_step_11_shows_done_once_a_request_was_answered(asked, police_contact):
    from tverrnett.exitwork.services import step_evidence

    assert "exit_earlier_mapping" not in step_evidence(asked.case)
    requests.answer(
        police_contact,
        asked,
        version=asked.version,
        text=ANSWER,
        police_verification="verified",
        necessity_note="Nødvendig.",
    )
    assert "exit_earlier_mapping" in step_evidence(asked.case)


# Ending a membership gives the user's tasks back to the agency ----------------------------


def test_ending_a_membership_clears_the_tasks_given_to_the_user(
    make_user, owner, owner_agency, team_case
):
    from tverrnett.useradmin import services as useradmin
    from tverrnett.useradmin.services import EndReason

    admin = make_user("admin", owner_agency, MembershipRole.AGENCY_ADMIN)
    leaving = make_user("slutter", owner_agency, MembershipRole.CASE_WORKER)
    task = case_services.add_task(
        owner, team_case, title="Ring skolen", owner_agency=owner_agency, deadline=in_days(3)
    )
    Task.objects.filter(pk=task.pk).update(assignee=leaving)
    membership = leaving.memberships.get(agency=owner_agency)

    useradmin.end_membership(admin, membership, EndReason.LEFT)

    task.refresh_from_db()
    assert task.assignee is None and task.version == 2
    entry = AuditEntry.objects.get(action="accounts.membership_ended")
    assert entry.detail["tasks_unassigned"] == 1


# The list and the start page ----------------------------------------------------------------


def test_the_list_costs_the_same_few_queries_however_many_requests(
    client,
    login_as,
    owner,
    police_contact,
    police_agency,
    team_case,
    catalogue,
    django_assert_max_num_queries,
):
    for n in range(12):
        requests.ask(
            owner,
            team_case,
            recipient=police_agency,
            question=f"{QUESTION} ({n})",
            deadline=in_days(n),
            legal_basis=catalogue["statutory-open"],
        )
    login_as(client, police_contact)
    # session, user, device, acting membership, the user's case-work agencies, the page
    # of requests with their agencies and cases, its count, and the session's save.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("consent:information_requests") + "?sorter=-deadline")
    page = response.content.decode()
    assert page.count("/foresporsler/") >= 12
    # The list names no question: the requests' pages are read one by one, audited.
    assert QUESTION not in page


def test_the_start_page_counts_the_requests_waiting_for_the_agency(
    client, login_as, police_contact, owner, asked
):
    login_as(client, police_contact)
    assert "information-requests-heading" in client.get("/").content.decode()
    login_as(client, owner)
    assert "information-requests-heading" not in client.get("/").content.decode()


def test_the_answer_form_withholds_a_special_category_items_text_without_the_permission(
    client, login_as, police_contact, police_agency, asked, team_case
):
    """The asked agency's own items are offered as choices: a special-category item's text
    only to a user who may read special categories (L34), as on the sharing page."""
    # The police's own items on a case it does not otherwise see (an earlier answer's).
    own = {"case": team_case, "agency": police_agency, "author": police_contact}
    JournalEntry.objects.create(
        **own, text="Domfelt for vold i 2019 (test).", confidentiality="ordinary", offences=True
    )
    ordinary = "Kjent fra bekymringssamtale (test)."
    JournalEntry.objects.create(**own, text=ordinary, confidentiality="ordinary")
    assert not policy.may_read_special_categories(
        police_contact, police_contact.memberships.get().agency
    )
    login_as(client, police_contact)

    page = client.get(reverse("consent:answer_information_request", args=[asked.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert ordinary in html
    assert "Domfelt for vold" not in html
    assert "Særlig kategori – holdt tilbake" in html or "Special category – withheld" in html
