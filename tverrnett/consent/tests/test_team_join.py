"""Joining the follow-up team is a disclosure (issue 16, C1, L01, L04, L05).

An agency put on the team without a consent or a legal basis has the reduced view: the
case's reference, coordinator, team and its own tasks, nothing about the person. With a
consent that names it, or a statutory basis the sender may use, exactly the parts named
open to it, and an immutable disclosure records them.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import BreakGlassAccess, CasePart, InformationCategory, TeamMember
from tverrnett.consent import services
from tverrnett.consent.models import DisclosedPart, Disclosure, ImmutableRecord
from tverrnett.consent.tests.conftest import signed_in

NAME = "Kari Nordmann"
OBSERVATION = "Har delt ekstremt innhold med medelever."
SUMMARY = "Felles oppsummering om Kari."

GATED_PAGES = {
    "cases:person": "identity",
    "cases:summary": "summary",
    "cases:add_resource": "own_network",
    "consent:overview": "identity",
    "measures:list": "measures",
    "conversations:list": "conversations",
}


@pytest.fixture
def case_with_summary(team_case, owner):
    case_services.change_summary(owner, team_case, version=team_case.version, summary=SUMMARY)
    team_case.refresh_from_db()
    return team_case


def _page(client, case):
    return client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def _opened(case, agency):
    return set(
        DisclosedPart.objects.filter(
            disclosure__case=case, disclosure__recipient_agency=agency
        ).values_list("part", flat=True)
    )


# The reduced view ---------------------------------------------------------------------


def test_a_team_agency_without_a_basis_sees_nothing_about_the_person(
    client, login_as, partner, case_with_summary
):
    case = case_with_summary
    login_as(client, partner)

    page = _page(client, case)

    assert case.reference in page
    # Nor the forum, which says whether the person is young or an adult.
    for secret in (NAME, OBSERVATION, SUMMARY, case.forum.name):
        assert secret not in page
    assert "Not opened to your agency" in page or "Ikke åpnet for din etat" in page
    for name, _part in GATED_PAGES.items():
        assert client.get(reverse(name, args=[case.pk])).status_code == 404, name
    # The same as for a case that does not exist; nothing written for the refused pages.
    missing = client.get(reverse("cases:person", args=[999_999])).status_code
    assert missing == 404


def test_the_reduced_view_search_does_not_find_the_person_by_name(
    client, login_as, partner, case_with_summary
):
    login_as(client, partner)

    def found(q):
        page = client.get(client.post(reverse("cases:list"), {"q": q}).url)
        return [case.pk for case in page.context["page"].object_list]

    listing = client.get(reverse("cases:list")).content.decode()

    assert found("Kari") == found("oppsummering") == []
    assert found(case_with_summary.reference) == [case_with_summary.pk]
    assert case_with_summary.reference in listing
    assert NAME not in listing


def test_the_reduced_view_shows_only_the_agencys_own_tasks(
    client, login_as, owner, owner_agency, partner, partner_agency, team_case
):
    today = timezone.localdate()
    for title, agency in (
        ("Koordinatorens oppgave", owner_agency),
        ("Navs oppgave", partner_agency),
    ):
        case_services.add_task(
            owner, team_case, title=title, owner_agency=agency, owner_name="X", deadline=today
        )
    login_as(client, partner)

    page = _page(client, team_case)

    assert "Navs oppgave" in page
    assert "Koordinatorens oppgave" not in page


def test_the_read_entry_names_only_the_parts_shown(client, login_as, partner, team_case):
    login_as(client, partner)
    _page(client, team_case)

    entry = AuditEntry.objects.filter(action="case.viewed").latest("id")
    assert "person" not in entry.detail["parts"]
    assert "summary" not in entry.detail["parts"]
    assert "team" in entry.detail["parts"]


# Opening the case under a basis or a consent ----------------------------------------------


def test_a_basis_opens_exactly_the_parts_named_and_the_record_names_them(
    client, login_as, owner, partner, partner_agency, case_with_summary, catalogue
):
    case = case_with_summary
    disclosure = services.open_case_to(
        owner,
        case,
        recipient=partner_agency,
        parts=[CasePart.IDENTITY, CasePart.INTAKE],
        purpose="Nav skal vurdere bolig.",
        legal_basis=catalogue["statutory-open"],
        necessity_note="Nav trenger å vite hvem det gjelder.",
    )
    login_as(client, partner)
    page = _page(client, case)

    assert _opened(case, partner_agency) == {"identity", "intake"}
    assert NAME in page and OBSERVATION in page
    assert SUMMARY not in page
    assert client.get(reverse("cases:summary", args=[case.pk])).status_code == 404
    entry = AuditEntry.objects.filter(action="consent.case_opened").get()
    assert entry.detail["parts"] == ["identity", "intake"]
    assert entry.detail["disclosure"] == disclosure.pk


def test_a_consent_opens_only_what_its_categories_cover(
    client, login_as, owner, partner, partner_agency, case_with_summary, catalogue, give_consent
):
    case = case_with_summary
    consent = give_consent(
        case,
        recipients=[partner_agency],
        categories=[InformationCategory.PERSONAL_DETAILS, InformationCategory.CONCERN],
    )
    with pytest.raises(ValidationError) as refused:
        services.open_case_to(
            owner,
            case,
            recipient=partner_agency,
            parts=[CasePart.IDENTITY, CasePart.OWN_NETWORK],
            purpose="Oppfølging.",
            consent=consent,
        )
    assert "parts" in refused.value.message_dict
    assert not Disclosure.objects.filter(case=case).exists()

    services.open_case_to(
        owner,
        case,
        recipient=partner_agency,
        parts=[CasePart.IDENTITY, CasePart.SUMMARY],
        purpose="Oppfølging.",
        consent=consent,
    )
    login_as(client, partner)
    page = _page(client, case)
    assert NAME in page and SUMMARY in page
    assert OBSERVATION not in page


def test_withdrawing_the_consent_closes_the_parts_it_opened(
    client, login_as, owner, partner, partner_agency, team_case, catalogue, give_consent
):
    consent = give_consent(
        team_case, recipients=[partner_agency], categories=[InformationCategory.PERSONAL_DETAILS]
    )
    services.open_case_to(
        owner,
        team_case,
        recipient=partner_agency,
        parts=[CasePart.IDENTITY],
        purpose="Oppfølging.",
        consent=consent,
    )
    login_as(client, partner)
    assert NAME in _page(client, team_case)

    services.withdraw_consent(
        owner, consent, withdrawn_on=timezone.localdate(), note="Kari trakk samtykket muntlig."
    )

    assert NAME not in _page(client, team_case)
    assert client.get(reverse("cases:person", args=[team_case.pk])).status_code == 404


def test_a_basis_the_sender_may_not_use_or_no_necessity_note_opens_nothing(
    owner, partner_agency, team_case, catalogue
):
    for basis, note in ((catalogue["statutory-open"], ""), (catalogue["statutory-nr7"], "Fordi.")):
        with pytest.raises(ValidationError) as refused:
            services.open_case_to(
                owner,
                team_case,
                recipient=partner_agency,
                parts=[CasePart.IDENTITY],
                purpose="Oppfølging.",
                legal_basis=basis,
                necessity_note=note,
            )
        assert set(refused.value.message_dict) & {"necessity_note", "confirmations"}
    assert not Disclosure.objects.filter(case=team_case).exists()
    assert not AuditEntry.objects.filter(action="consent.case_opened").exists()


def test_only_the_coordinators_side_opens_the_case(
    partner, partner_agency, outsider, owner_agency, team_case, catalogue
):
    for actor in (partner, outsider):
        with pytest.raises(PermissionDenied):
            services.open_case_to(
                actor,
                team_case,
                recipient=owner_agency if actor == partner else partner_agency,
                parts=[CasePart.IDENTITY],
                purpose="Oppfølging.",
                legal_basis=catalogue["statutory-open"],
                necessity_note="Nødvendig.",
            )
    assert not Disclosure.objects.filter(case=team_case).exists()


def test_the_team_join_record_cannot_be_changed_or_deleted(
    owner, partner_agency, team_case, catalogue
):
    disclosure = services.open_case_to(
        owner,
        team_case,
        recipient=partner_agency,
        parts=[CasePart.IDENTITY],
        purpose="Oppfølging.",
        legal_basis=catalogue["statutory-open"],
        necessity_note="Nødvendig.",
    )
    part = DisclosedPart.objects.get(disclosure=disclosure)
    with pytest.raises(ImmutableRecord):
        part.delete()
    with pytest.raises(ImmutableRecord):
        DisclosedPart.objects.filter(pk=part.pk).update(part=CasePart.SUMMARY)
    with pytest.raises(ImmutableRecord):
        DisclosedPart.objects.create(disclosure=disclosure, part=CasePart.SUMMARY)
    # Past the ORM, the database refuses too (both databases' triggers).
    from django.db import connection

    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE consent_disclosedpart SET part = 'summary' WHERE id = %s", [part.pk]
            )
    assert _opened(team_case, partner_agency) == {"identity"}


# Through the pages -------------------------------------------------------------------------


def test_the_team_form_adds_with_the_reduced_view_by_default(
    client, login_as, owner, team_case, school_agency, catalogue
):
    login_as(client, owner)
    response = client.post(
        reverse("cases:add_team_member", args=[team_case.pk]),
        {
            "agency": school_agency.pk,
            "contact_name": "Rektor",
            "asked_for": "Råd om oppfølging i klassen.",
            "opening-ground": "none",
        },
    )
    assert response.status_code == 302
    member = TeamMember.objects.get(case=team_case, agency=school_agency)
    assert member.asked_for == "Råd om oppfølging i klassen."
    assert not Disclosure.objects.filter(case=team_case, recipient_agency=school_agency).exists()


def test_the_team_form_with_a_basis_records_the_disclosure_in_the_same_step(
    client, login_as, owner, team_case, school_agency, catalogue
):
    login_as(client, owner)
    url = reverse("cases:add_team_member", args=[team_case.pk])
    data = {
        "agency": school_agency.pk,
        "contact_name": "Rektor",
        "opening-ground": f"basis-{catalogue['statutory-open'].pk}",
        "opening-parts": ["identity", "intake"],
        "opening-purpose": "Skolen følger opp.",
    }

    refused = client.post(url, data)  # no necessity note
    assert refused.status_code == 200
    assert "nødvendig" in refused.content.decode().lower()
    assert not TeamMember.objects.filter(case=team_case, agency=school_agency).exists()

    data["opening-necessity_note"] = "Skolen må vite hvem det gjelder."
    assert client.post(url, data).status_code == 302
    assert TeamMember.objects.filter(case=team_case, agency=school_agency).exists()
    assert _opened(team_case, school_agency) == {"identity", "intake"}


def test_opening_to_a_team_agency_is_the_coordinators_and_404_for_others(
    client, login_as, owner, partner, outsider, team_case, catalogue
):
    member = TeamMember.objects.get(case=team_case, agency__name="Nav Drammen")
    url = reverse("cases:open_to_agency", args=[team_case.pk, member.pk])
    data = {
        "opening-ground": f"basis-{catalogue['statutory-open'].pk}",
        "opening-parts": ["identity"],
        "opening-purpose": "Oppfølging.",
        "opening-necessity_note": "Nødvendig for oppfølgingen.",
    }
    login_as(client, outsider)
    assert client.post(url, data).status_code == 404
    login_as(client, partner)
    assert client.post(url, data).status_code in (403, 404)
    assert not Disclosure.objects.filter(case=team_case).exists()

    login_as(client, owner)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 302
    assert _opened(team_case, member.agency) == {"identity"}


# L04: the sector's confidential fields ------------------------------------------------------


def test_child_welfare_without_a_basis_sees_none_of_its_sectors_confidential_fields(
    client, login_as, owner, child_welfare_user, child_welfare_agency, team_case, catalogue
):
    case_services.add_team_member(
        owner, team_case, agency=child_welfare_agency, contact_name="Berit"
    )
    login_as(client, child_welfare_user)
    assert NAME not in _page(client, team_case)  # on the team without a basis

    # Emergency access has no recorded basis either: the sector's fields stay hidden.
    TeamMember.objects.filter(case=team_case, agency=child_welfare_agency).delete()
    BreakGlassAccess.objects.create(
        case=team_case,
        user=child_welfare_user,
        agency=child_welfare_agency,
        reason="Akutt fare for barnet, må se saken nå.",
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    page = _page(client, team_case)
    assert "Kari" not in page
    assert "1990" not in page


def test_with_a_basis_child_welfare_sees_the_identity(
    client, login_as, owner, child_welfare_user, child_welfare_agency, team_case, catalogue
):
    case_services.add_team_member(
        owner, team_case, agency=child_welfare_agency, contact_name="Berit"
    )
    services.open_case_to(
        owner,
        team_case,
        recipient=child_welfare_agency,
        parts=[CasePart.IDENTITY],
        purpose="Barnevernet vurderer undersøkelse.",
        legal_basis=catalogue["statutory-open"],
        necessity_note="Nødvendig for barnevernets vurdering.",
    )
    login_as(client, signed_in(child_welfare_user))
    assert NAME in _page(client, team_case)
