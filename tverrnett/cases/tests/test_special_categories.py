"""Special categories (L34): an item tagged GDPR Art. 9 or 10 is read only with a
permission granted by a manager of the agency the reader acts for.

Without it the item is listed as withheld on every page that shows an item's text:
no text, no tags but "special category", and the names of the managers to ask. The
owner (SLT coordinator of Drammen kommune – SLT) writes the items; Lene Leder is the
agency's line manager.
"""

# The fixtures of the consent and assessment tests are imported by name below.
# ruff: noqa: F811

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.assessments.tests.conftest import assess, instrument  # noqa: F401
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent.access_report import build_report
from tverrnett.consent.tests.conftest import (  # noqa: F401  (the consent fixtures used here)
    adult_case,
    catalogue,
    team_case,
    write,
)
from tverrnett.exitwork import services as exit_services

pytestmark = pytest.mark.django_db

SECRET = "Går til behandling hos psykolog hver uke."
ORDINARY = "Møtte opp på skolen i dag."


@pytest.fixture
def manager(make_user, owner_agency):
    return signed_in(
        make_user(
            "leder", owner_agency, MembershipRole.LINE_MANAGER, first_name="Lene", last_name="Leder"
        )
    )


@pytest.fixture
def items(team_case, write, manager):
    """An ordinary item and one tagged Art. 9 (health), both by the owner."""
    return {
        "ordinary": write(team_case, ORDINARY),
        "health": write(team_case, SECRET, health_data=True),
    }


def _reads(user, case):
    return AuditEntry.objects.filter(
        action="case.viewed", actor_id=user.pk, target_id=str(case.pk)
    ).order_by("-id")


def _assert_withheld(html):
    assert SECRET not in html
    assert "tn-withheld" in html
    assert "Lene Leder" in html  # whom to ask


def _assert_shown(html):
    assert SECRET in html
    assert "tn-withheld" not in html


# The rule


def test_it_needs_a_permission_that_counts_today_for_the_agency_acted_for(
    owner, owner_agency, partner_agency, manager, grant_special_categories
):
    today = timezone.localdate()
    assert not policy.may_read_special_categories(owner, owner_agency, today)

    permission = grant_special_categories(owner, owner_agency, ends_on=today, granted_by=manager)
    assert policy.may_read_special_categories(owner, owner_agency, today)
    assert policy.may_read_special_categories(owner, None, today)  # any of the user's agencies
    assert not policy.may_read_special_categories(
        owner, owner_agency, today + datetime.timedelta(days=1)
    )
    # Not for another agency the user also works for.
    Membership.objects.create(user=owner, agency=partner_agency, role=MembershipRole.ADVISOR)
    assert not policy.may_read_special_categories(owner, partner_agency, today)

    permission.revoked_at = timezone.now()
    permission.save()
    assert not policy.may_read_special_categories(owner, owner_agency, today)


def test_without_an_agency_given_it_follows_the_acting_membership(
    owner, owner_agency, partner_agency, grant_special_categories
):
    elsewhere = Membership.objects.create(
        user=owner, agency=partner_agency, role=MembershipRole.ADVISOR
    )
    grant_special_categories(owner, partner_agency)
    assert policy.may_read_special_categories(owner)  # outside a request: any agency

    owner.acting_membership = owner.memberships.get(agency=owner_agency)
    assert not policy.may_read_special_categories(owner)
    owner.acting_membership = elsewhere
    assert policy.may_read_special_categories(owner)


def test_it_does_not_count_after_the_membership_ended(
    owner, owner_agency, manager, grant_special_categories
):
    grant_special_categories(owner, owner_agency, granted_by=manager)
    owner.memberships.update(is_active=False)

    assert not policy.may_read_special_categories(owner, owner_agency)
    assert not policy.may_read_special_categories(owner)


def test_it_blanks_a_withheld_item_in_memory(owner, owner_agency, items):
    health, ordinary = policy.withhold_special_categories(
        owner, [items["health"], items["ordinary"]], owner_agency
    )

    assert health.withheld and not ordinary.withheld
    assert health.text == "" and health.special_categories == []
    assert health.ask_managers == ["Lene Leder"]
    assert ordinary.text == ORDINARY


# The pages


@pytest.mark.parametrize("page", ["cases:detail", "cases:journal"])
def test_the_case_page_and_journal_withhold_the_item(client, login_as, owner, items, page):
    login_as(client, owner)

    html = client.get(reverse(page, args=[items["health"].case_id])).content.decode()

    _assert_withheld(html)
    assert ORDINARY in html  # the rest is read as before
    assert "Helse" not in html.split("tn-withheld")[0].rsplit("<article", 1)[-1]


@pytest.mark.parametrize("page", ["cases:detail", "cases:journal"])
def test_the_case_page_and_journal_show_it_with_the_permission(
    client, login_as, owner, items, page, grant_special_categories
):
    grant_special_categories(owner)
    login_as(client, owner)

    html = client.get(reverse(page, args=[items["health"].case_id])).content.decode()

    _assert_shown(html)


@pytest.mark.parametrize("how", ["ended", "revoked"])
def test_it_is_withheld_again_after_the_end_date_or_revocation(
    client, login_as, owner, items, how, grant_special_categories
):
    permission = grant_special_categories(owner)
    login_as(client, owner)
    url = reverse("cases:detail", args=[items["health"].case_id])
    _assert_shown(client.get(url).content.decode())

    if how == "ended":
        permission.ends_on = timezone.localdate() - datetime.timedelta(days=1)
    else:
        permission.revoked_at = timezone.now()
    permission.save()

    _assert_withheld(client.get(url).content.decode())


def test_a_permission_of_another_agency_does_not_count(
    client, login_as, owner, partner_agency, items, grant_special_categories
):
    """A user with two memberships, acting for the one without the permission."""
    Membership.objects.create(user=owner, agency=partner_agency, role=MembershipRole.ADVISOR)
    grant_special_categories(owner, partner_agency)
    login_as(client, owner)  # acts for the first agency, Drammen kommune – SLT

    html = client.get(reverse("cases:detail", args=[items["health"].case_id])).content.decode()

    _assert_withheld(html)


def test_the_read_entry_records_the_item_as_withheld_not_read(
    client, login_as, owner, items, grant_special_categories
):
    case = items["health"].case
    login_as(client, owner)
    client.get(reverse("cases:journal", args=[case.pk]))
    withheld = _reads(owner, case).first()

    grant_special_categories(owner)
    client.get(reverse("cases:journal", args=[case.pk]))
    read = _reads(owner, case).first()

    assert withheld.detail["withheld_items"] == [items["health"].pk]
    assert "special_items" not in withheld.detail
    assert read.detail["special_items"] == [items["health"].pk]
    assert "withheld_items" not in read.detail


def test_the_history_of_the_item_is_withheld(
    client, login_as, owner, items, grant_special_categories
):
    correction = case_services.correct_journal_entry(
        owner,
        items["health"],
        text=SECRET + " Rettet.",
        confidentiality="confidential",
        reason="Feil dato i teksten.",
        health_data=True,
    )
    url = reverse("cases:journal_history", args=[correction.case_id, correction.pk])
    login_as(client, owner)

    html = client.get(url).content.decode()
    _assert_withheld(html)
    assert "Feil dato" not in html
    assert _reads(owner, correction.case).first().detail["withheld_items"] == sorted(
        [items["health"].pk, correction.pk]
    )

    grant_special_categories(owner)
    _assert_shown(client.get(url).content.decode())


def test_a_withheld_item_cannot_be_opened_for_correction(
    client, login_as, owner, items, grant_special_categories
):
    url = reverse("cases:correct_journal", args=[items["health"].case_id, items["health"].pk])
    login_as(client, owner)

    response = client.get(url)
    assert response.status_code == 403
    assert SECRET not in response.content.decode()
    assert (
        client.post(url, {"text": "Ny tekst", "confidentiality": "confidential", "reason": "Feil"})
    ).status_code == 403
    assert not items["health"].case.journal.filter(text="Ny tekst").exists()

    grant_special_categories(owner)
    assert SECRET in client.get(url).content.decode()


def test_the_conversion_form_withholds_the_item(
    client, login_as, owner, register, grant_special_categories
):
    anonymous = register(anonymous=True, approximate_age=15)
    case_services.write_journal_entry(
        owner, anonymous, text=SECRET, confidentiality="confidential", health_data=True
    )
    url = reverse("cases:convert", args=[anonymous.pk])
    login_as(client, owner)

    assert SECRET[:40] not in client.get(url).content.decode()

    grant_special_categories(owner)
    assert SECRET[:40] in client.get(url).content.decode()


def test_the_exit_work_background_and_its_comparison_withhold_the_item(
    client, login_as, owner, manager, team_case, grant_special_categories
):
    exit_services.start_exit_work(owner, team_case)
    exit_services.write_background(
        owner,
        team_case,
        topic="pull",
        factor="ideology",
        text=SECRET,
        confidentiality="confidential",
        religious_beliefs=True,
    )
    today = timezone.localdate().isoformat()
    urls = [
        reverse("exitwork:background", args=[team_case.pk]),
        reverse("exitwork:compare_background", args=[team_case.pk])
        + f"?day_from={today}&day_to={today}",
    ]
    login_as(client, owner)

    for url in urls:
        _assert_withheld(client.get(url).content.decode())
        assert _reads(owner, team_case).first().detail.get("withheld_items"), url

    grant_special_categories(owner)
    for url in urls:
        _assert_shown(client.get(url).content.decode())


def test_an_assessment_signed_with_a_tag_is_withheld(
    client, login_as, owner, manager, team_case, assess, grant_special_categories
):
    assessment = assess(team_case, health_data=True)
    urls = [
        reverse("assessments:list", args=[team_case.pk]),
        reverse("assessments:detail", args=[team_case.pk, assessment.pk]),
    ]
    summary = "Motivert, men usikker på bolig."  # the fixture's summary judgement
    login_as(client, owner)

    list_html, detail_html = (client.get(url).content.decode() for url in urls)
    assert "tn-withheld" in detail_html and "Lene Leder" in detail_html
    assert summary not in detail_html
    assert "Boligavklaring" not in detail_html
    assert (
        client.get(reverse("assessments:propose_measure", args=[team_case.pk, assessment.pk]))
    ).status_code == 403
    assert str(assessment.assessed_on.day) in list_html  # still listed

    grant_special_categories(owner)
    assert summary in client.get(urls[1]).content.decode()


def test_the_access_report_withholds_the_text_from_its_maker(
    owner, items, grant_special_categories
):
    person = items["health"].case.subject

    def journal(report):
        return {item["id"]: item for item in report["journal"]}

    withheld = journal(build_report(person, reader=owner, redactions=[]))[items["health"].pk]
    assert withheld["text"] is None
    assert withheld["text_withheld"]
    assert withheld["special_categories"] == []

    grant_special_categories(owner)
    shown = journal(build_report(person, reader=owner, redactions=[]))[items["health"].pk]
    assert shown["text"] == SECRET
    assert shown["special_categories"] == ["health_data"]
