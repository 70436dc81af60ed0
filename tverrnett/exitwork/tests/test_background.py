"""Background and motivation (X5-X7) from the three sides: the owner (Drammen kommune –
SLT) writes the entries; the partner (Nav Drammen, on the team) reads only what was
disclosed to it under a consent; the outsider (Nav Oslo) finds no case at all.

Acceptance: background entries are hidden from a team agency that has no consent or
disclosure covering them.
"""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from tverrnett.audit.models import AuditEntry
from tverrnett.cases.models import InformationCategory, JournalEntry
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import DisclosureNotice, NoticeKind
from tverrnett.exitwork import services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

PUSH = "Ble stengt ute av vennegjengen etter flyttingen."
PUSH_CORRECTED = "Ble stengt ute av fotballaget etter flyttingen."
PULL = "Fant et fellesskap i miljøet som tok imot henne."
MOTIVATION = "Vil være der for barna sine."
PURPOSE = "Nav må kjenne bakgrunnen for å tilpasse tiltaket."
CORRECTED_SINCE_SHARED = gettext_lazy("Corrected by the owner since it was shared")


def in_site_language(text):
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def noon(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def write(actor, case, topic, factor, text, **tags):
    return services.write_background(
        actor,
        case,
        topic=topic,
        factor=factor,
        text=text,
        confidentiality="confidential",
        **tags,
    )


def counts(response):
    """{topic code: entries the user may read} as the overview shows them."""
    return {topic.code: count for topic, count in response.context["background"]}


def shown(response):
    """The ids of the entries the background page shows."""
    return [entry.pk for _topic, entries in response.context["sections"] for entry, _f in entries]


@pytest.fixture
def entries(adult_exit_case, owner):
    case = adult_exit_case
    return {
        "push": write(owner, case, "push", "exclusion", PUSH),
        "pull": write(owner, case, "pull", "belonging", PULL),
        "motivation": write(owner, case, "motivation", "family", MOTIVATION),
    }


@pytest.fixture
def consent(adult_exit_case, partner_agency, give_consent):
    """Kari's consent naming Nav Drammen for the categories the background is in."""
    return give_consent(
        adult_exit_case,
        recipients=[partner_agency],
        categories=[InformationCategory.CONCERN, InformationCategory.MEASURES],
    )


def disclose(owner, case, entry, partner_agency, consent):
    return consent_services.disclose(
        owner, case, items=[entry], recipient=partner_agency, purpose=PURPOSE, consent=consent
    )


# Who sees what -------------------------------------------------------------------------


def test_the_owner_reads_every_entry_of_its_agency(
    client, login_as, owner, adult_exit_case, entries
):
    login_as(client, owner)

    page = client.get(reverse("exitwork:background", args=[adult_exit_case.pk]))
    overview = client.get(reverse("exitwork:overview", args=[adult_exit_case.pk]))

    html = page.content.decode()
    for text in (PUSH, PULL, MOTIVATION):
        assert escape(text) in html
    assert sorted(shown(page)) == sorted(entry.pk for entry in entries.values())
    assert {code: n for code, n in counts(overview).items() if n} == {
        "push": 1,
        "pull": 1,
        "motivation": 1,
    }


def test_a_team_agency_without_consent_or_disclosure_sees_no_background(
    client, login_as, partner, adult_exit_case, entries, consent
):
    # A valid consent naming Nav Drammen is not enough: nothing was disclosed under it.
    login_as(client, partner)

    page = client.get(reverse("exitwork:background", args=[adult_exit_case.pk]))
    overview = client.get(reverse("exitwork:overview", args=[adult_exit_case.pk]))

    assert page.status_code == overview.status_code == 200
    assert shown(page) == []
    for response in (page, overview):
        html = response.content.decode()
        for text in (PUSH, PULL, MOTIVATION):
            assert escape(text) not in html
    assert set(counts(overview).values()) == {0}


def test_the_outsider_finds_no_background(client, login_as, outsider, adult_exit_case, entries):
    case = adult_exit_case
    login_as(client, outsider)
    before = AuditEntry.objects.count()

    for url in (
        reverse("exitwork:background", args=[case.pk]),
        reverse("exitwork:overview", args=[case.pk]),
        reverse("exitwork:compare_background", args=[case.pk])
        + "?day_from=2026-01-01&day_to=2026-12-31",
        reverse("exitwork:add_background", args=[case.pk, "push"]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert client.get(url.replace(f"/{case.pk}/", "/999999/", 1)).status_code == 404
    response = client.post(
        reverse("exitwork:add_background", args=[case.pk, "push"]),
        {
            "factor": "exclusion",
            "text": "x",
            "confidentiality": "confidential",
            "category": "concern",
        },
    )
    assert response.status_code == 404

    assert AuditEntry.objects.count() == before
    assert JournalEntry.objects.filter(case=case).count() == 3


def test_the_partner_sees_exactly_the_disclosed_entry_and_keeps_its_version(
    client, login_as, owner, partner, partner_agency, adult_exit_case, entries, consent
):
    case = adult_exit_case
    background = reverse("exitwork:background", args=[case.pk])
    overview = reverse("exitwork:overview", args=[case.pk])
    disclose(owner, case, entries["push"], partner_agency, consent)
    login_as(client, partner)

    page = client.get(background)

    assert shown(page) == [entries["push"].pk]
    html = page.content.decode()
    assert escape(PUSH) in html
    assert escape(PULL) not in html
    assert escape(MOTIVATION) not in html
    assert {code: n for code, n in counts(client.get(overview)).items() if n} == {"push": 1}
    marker = escape(in_site_language(CORRECTED_SINCE_SHARED))
    assert marker not in html

    # The owner corrects it: the partner keeps the version it was given, marked.
    correction = consent_services.correct_item(
        owner,
        entries["push"],
        text=PUSH_CORRECTED,
        confidentiality="confidential",
        reason="Det var fotballaget, ikke vennegjengen.",
    )
    assert (correction.topic, correction.factor) == ("push", "exclusion")

    page = client.get(background)
    assert shown(page) == [entries["push"].pk]
    html = page.content.decode()
    assert escape(PUSH) in html
    assert escape(PUSH_CORRECTED) not in html
    assert marker in html
    assert DisclosureNotice.objects.filter(
        recipient_agency=partner_agency, kind=NoticeKind.ITEM_CORRECTED
    ).exists()

    # The owner reads the current version only.
    login_as(client, owner)
    page = client.get(background)
    assert correction.pk in shown(page)
    assert entries["push"].pk not in shown(page)
    html = page.content.decode()
    assert escape(PUSH_CORRECTED) in html
    assert escape(PUSH) not in html


def test_the_read_entry_names_the_special_category_items_shown(
    client,
    login_as,
    owner,
    partner,
    partner_agency,
    adult_exit_case,
    entries,
    consent,
    grant_special_categories,
):
    case = adult_exit_case
    religious = write(
        owner,
        case,
        "pull",
        "ideology",
        "Ble dratt mot en tolkning av troen.",
        religious_beliefs=True,
    )
    grant_special_categories(owner)
    login_as(client, partner)
    client.get(reverse("exitwork:background", args=[case.pk]))
    login_as(client, owner)
    client.get(reverse("exitwork:background", args=[case.pk]))

    reads = AuditEntry.objects.filter(
        action="case.viewed", target_type="cases.concerncase", target_id=str(case.pk)
    ).order_by("id")
    partner_read, owner_read = list(reads)[-2:]
    assert partner_read.actor_id == partner.pk
    assert partner_read.detail["parts"] == ["background"]
    assert "special_items" not in partner_read.detail  # it saw none
    assert owner_read.detail["special_items"] == [religious.pk]


# Comparing two dates ---------------------------------------------------------------------


@pytest.fixture
def history(adult_exit_case, owner, partner_agency, consent):
    """Yesterday: an entry (disclosed to Nav Drammen) and another; today: the first is
    corrected, and a new one is written."""
    case = adult_exit_case
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    changed = write(owner, case, "push", "exclusion", PUSH)
    kept = write(owner, case, "motivation", "family", MOTIVATION)
    JournalEntry.objects.filter(pk__in=[changed.pk, kept.pk]).update(written_at=noon(yesterday))
    changed.refresh_from_db()
    disclose(owner, case, changed, partner_agency, consent)
    correction = consent_services.correct_item(
        owner, changed, text=PUSH_CORRECTED, confidentiality="confidential", reason="Feil lag."
    )
    added = write(owner, case, "pull", "belonging", PULL)
    return {
        "yesterday": yesterday,
        "today": timezone.localdate(),
        "changed": changed,
        "correction": correction,
        "kept": kept,
        "added": added,
    }


def _rows(user, case, day_from, day_to):
    return [
        (topic, factor, before.pk if before else None, after.pk, change)
        for topic, factor, before, after, change in services.background_on(
            user, case, day_from, day_to
        )
    ]


def test_compare_shows_what_changed_and_what_was_added(owner, adult_exit_case, history):
    h = history

    rows = _rows(owner, adult_exit_case, h["yesterday"], h["today"])

    # In the order of the topics: push, pull, motivation.
    assert rows == [
        ("push", "exclusion", h["changed"].pk, h["correction"].pk, "changed"),
        ("pull", "belonging", None, h["added"].pk, "added"),
        ("motivation", "family", h["kept"].pk, h["kept"].pk, "unchanged"),
    ]
    # As it stood yesterday: today's entry did not exist yet.
    assert _rows(owner, adult_exit_case, h["yesterday"], h["yesterday"]) == [
        ("push", "exclusion", h["changed"].pk, h["changed"].pk, "unchanged"),
        ("motivation", "family", h["kept"].pk, h["kept"].pk, "unchanged"),
    ]


def test_compare_shows_the_partner_only_the_disclosed_versions(
    client, login_as, partner, adult_exit_case, history
):
    h = history

    rows = _rows(partner, adult_exit_case, h["yesterday"], h["today"])

    assert rows == [("push", "exclusion", h["changed"].pk, h["changed"].pk, "unchanged")]
    login_as(client, partner)
    response = client.get(
        reverse("exitwork:compare_background", args=[adult_exit_case.pk]),
        {"day_from": h["yesterday"].isoformat(), "day_to": h["today"].isoformat()},
    )
    html = response.content.decode()
    assert escape(PUSH) in html
    for text in (PUSH_CORRECTED, PULL, MOTIVATION):
        assert escape(text) not in html
    read = AuditEntry.objects.filter(action="case.viewed", actor_id=partner.pk).latest("id")
    assert read.detail["parts"] == ["background_history"]


def test_the_compare_page_shows_the_owner_both_versions(
    client, login_as, owner, adult_exit_case, history
):
    h = history
    login_as(client, owner)

    response = client.get(
        reverse("exitwork:compare_background", args=[adult_exit_case.pk]),
        {"day_from": h["yesterday"].isoformat(), "day_to": h["today"].isoformat()},
    )

    changes = [
        (before, after, change) for _t, _f, before, after, change in response.context["rows"]
    ]
    assert changes == [
        (h["changed"], h["correction"], "changed"),
        (None, h["added"], "added"),
        (h["kept"], h["kept"], "unchanged"),
    ]
    html = response.content.decode()
    for text in (PUSH, PUSH_CORRECTED, PULL, MOTIVATION):
        assert escape(text) in html


def test_compare_refuses_dates_in_the_wrong_order(client, login_as, owner, adult_exit_case):
    today = timezone.localdate()
    login_as(client, owner)

    response = client.get(
        reverse("exitwork:compare_background", args=[adult_exit_case.pk]),
        {"day_from": today.isoformat(), "day_to": (today - datetime.timedelta(days=1)).isoformat()},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["day_to"]
    assert response.context["rows"] is None


# Writing -----------------------------------------------------------------------------------


def test_the_factor_must_belong_to_the_topic(owner, adult_exit_case):
    case = adult_exit_case
    refused = [
        ("push", "belonging", "factor"),  # a pull factor
        ("push", "", "factor"),  # the topic has factors: one is needed
        ("expectations", "other", "factor"),  # the topic has no factors
        ("no_such_topic", "", "topic"),
    ]
    for topic, factor, field in refused:
        with pytest.raises(ValidationError) as error:
            write(owner, case, topic, factor, "Tekst.")
        assert list(error.value.error_dict) == [field], (topic, factor)
    assert not JournalEntry.objects.filter(case=case).exists()

    entry = write(owner, case, "pull", "belonging", PULL)
    expectations = write(owner, case, "expectations", "", "Forventer hjelp med bolig.")
    assert (entry.topic, entry.factor, entry.category) == (
        "pull",
        "belonging",
        InformationCategory.CONCERN,
    )
    assert (expectations.topic, expectations.category) == (
        "expectations",
        InformationCategory.MEASURES,
    )


def test_the_page_refuses_another_topics_factor(client, login_as, owner, partner, adult_exit_case):
    url = reverse("exitwork:add_background", args=[adult_exit_case.pk, "push"])
    login_as(client, partner)
    data = {"text": "Opplevde rasisme.", "confidentiality": "confidential", "category": "concern"}

    refused = client.post(url, {**data, "factor": "belonging"})

    assert refused.status_code == 200
    assert list(refused.context["form"].errors) == ["factor"]
    assert not JournalEntry.objects.filter(case=adult_exit_case).exists()

    saved = client.post(url, {**data, "factor": "discrimination"})

    assert saved.url == reverse("exitwork:background", args=[adult_exit_case.pk])
    entry = JournalEntry.objects.get(case=adult_exit_case)
    assert (entry.topic, entry.factor, entry.agency, entry.author) == (
        "push",
        "discrimination",
        partner.memberships.get().agency,
        partner,
    )
    # Nav Drammen's entry is Nav Drammen's: the coordinator does not read it either.
    login_as(client, owner)
    page = client.get(reverse("exitwork:background", args=[adult_exit_case.pk]))
    assert shown(page) == []
    assert escape("Opplevde rasisme.") not in page.content.decode()


def test_an_unknown_topic_has_no_page(client, login_as, owner, adult_exit_case):
    login_as(client, owner)
    url = reverse("exitwork:add_background", args=[adult_exit_case.pk, "no_such_topic"])
    assert client.get(url).status_code == 404
