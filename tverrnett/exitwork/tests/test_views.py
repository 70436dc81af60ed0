"""Exit-work pages from every side: the owner (Drammen kommune – SLT, whose user holds
the case's SLT coordinator role), the partner (Nav Drammen, on the team), the outsider
(Nav Oslo), a break-glass user, a voluntary organisation named in a consent, and child
welfare (a returnee's child case, L28).

Expected wording is worked out in the site's language (`settings.LANGUAGE_CODE`) from
the same lazy strings the pages use, so the tests hold whether or not a string has its
Norwegian translation yet.
"""

import datetime

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from tverrnett.access.urlwalk import routes
from tverrnett.accounts.models import MembershipRole
from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    ConcernCase,
    JournalEntry,
    Responsibility,
    Source,
    StepStatus,
    TeamMember,
)
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import Disclosure, LegalBasis
from tverrnett.conversations import services as conversation_services
from tverrnett.conversations.models import ContactChannel
from tverrnett.exitwork import services
from tverrnett.exitwork import urls as exit_urls
from tverrnett.exitwork.models import ChildCaseLink, ExitWork, FollowUpReview
from tverrnett.exitwork.steps import STEPS, STEPS_BY_CODE
from tverrnett.exitwork.views import OVERVIEW_PARTS
from tverrnett.geography.models import Municipality, RvtsRegion
from tverrnett.guidance.models import GuidanceRequest, Topic
from tverrnett.guidance.services import answer_guidance_request
from tverrnett.measures import services as measure_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType
from tverrnett.networks.models import Role, RoleKind

pytestmark = pytest.mark.django_db

QUESTION = "Hvordan bør vi legge opp den første samtalen?"
BREAK_GLASS_REASON = "Personen er i akutt fare, vi må se teamet nå."
# What a browser posts from a form with no field filled in: the CSRF token alone (the
# test client does not check it, but a view that reads `request.POST or None` sees a
# non-empty POST, as it does from a browser).
EMPTY_FORM = {"csrfmiddlewaretoken": "from-the-page"}


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def years_ago(years):
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return datetime.date(today.year - years, 3, 1)


def in_site_language(text):
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def step_line(number):
    """A step as the pages and messages name it: number, full stop, title."""
    return f"{number}. {in_site_language(STEPS[number - 1].title)}"


def settle(actor, case, number, status=StepStatus.DONE, reason=""):
    item = services.step_item(case, number)
    case_services.set_checklist_status(
        actor, item, status=status, version=item.version, reason=reason
    )


def settle_all(actor, case):
    for step in STEPS:
        settle(actor, case, step.number)


def to_mapping(owner, case, answers):
    case_services.change_state(owner, case, CaseState.SECURITY_CLARIFICATION, version=case.version)
    case_services.record_security_clarification(owner, case, version=case.version, answers=answers)
    case_services.change_state(owner, case, CaseState.MAPPING, version=case.version)


def reads_of(case):
    return AuditEntry.objects.filter(
        action="case.viewed", target_type="cases.concerncase", target_id=str(case.pk)
    ).order_by("id")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def close_payload(case):
    return {
        "version": case.version,
        "checklist_evaluation": "Sjekklisten hjalp oss å involvere politiet tidlig.",
        "evaluation": "Personen er ute av miljøet og har jobb.",
        "review_on": days(365).isoformat(),
    }


# Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def child_welfare_role(child_welfare_agency, child_welfare_user, drammen, catalogue):
    """Child welfare's contact role in Drammen (and the test catalogue, whose bases telling
    child welfare about a returnee's child needs)."""
    return Role.objects.create(
        kind=RoleKind.CHILD_WELFARE_CONTACT,
        agency=child_welfare_agency,
        municipality=drammen,
        holder=child_welfare_user,
        phone="32 04 10 00",
        email="barnevern@drammen.example",
    )


@pytest.fixture
def rvts_ost(drammen, make_agency, make_user):
    """Drammen lies in RVTS Øst's region; RVTS Sør is in Tverrnett too, to prove the
    routing picks the region's centre. Each has someone on duty: a request goes only
    where a user can answer it (issue 21 item 7)."""
    ost, _ = RvtsRegion.objects.get_or_create(
        code="ost", defaults={"name": "RVTS Øst", "counties": ["03", "31", "32", "33", "34"]}
    )
    sor, _ = RvtsRegion.objects.get_or_create(
        code="sor", defaults={"name": "RVTS Sør", "counties": ["39", "40", "42"]}
    )
    Municipality.objects.filter(pk=drammen.pk).update(rvts_region=ost)
    sor_agency = make_agency(
        "RVTS Sør", AgencyType.RVTS, municipality=None, police_district=None, rvts_region=sor
    )
    make_user("sor.vakt", sor_agency, MembershipRole.ADVISOR)
    ost_agency = make_agency(
        "RVTS Øst", AgencyType.RVTS, municipality=None, police_district=None, rvts_region=ost
    )
    make_user("ost.vakt", ost_agency, MembershipRole.ADVISOR)
    return ost_agency


@pytest.fixture
def rvts_user(make_user, rvts_ost):
    return signed_in(make_user("rita", rvts_ost, MembershipRole.ADVISOR, first_name="Rita"))


@pytest.fixture
def measure_types(db):
    load_measure_types()
    return MeasureType.objects.in_bulk(field_name="code")


@pytest.fixture
def scene(returnee_case, child_welfare_role, police_role):
    """A returnee's exit case with one of everything an exit URL points at: its steps and
    a follow-up review. The child welfare role and the police contact exist, so every
    action a POST could take would succeed for someone allowed to take it."""
    review = FollowUpReview.objects.create(case=returnee_case, months_after=6, due_on=days(180))
    return {"case": returnee_case, "review": review}


# The walk: every exit-work route ------------------------------------------------------


def _ids(case, review, **overrides):
    ids = {
        "pk": case.pk,
        "item_pk": services.step_item(case, 2).pk,
        "review_pk": review.pk,
        "topic": "push",
    }
    ids.update(overrides)
    return ids


def _exit_urls(case, review, **overrides):
    """Every exit-work route, filled in with real ids of this case's objects."""
    ids = _ids(case, review, **overrides)
    urls = []
    for pattern in exit_urls.urlpatterns:
        names = list(pattern.pattern.converters)
        name = f"exitwork:{pattern.name}"
        urls.append((name, reverse(name, kwargs={key: ids[key] for key in names})))
    return urls


def _child_basis():
    """The form fields that tell child welfare about a child under a statutory basis."""
    return {
        "legal_basis": LegalBasis.objects.filter(code="statutory-open")
        .values_list("pk", flat=True)
        .first(),
        "necessity_note": "Barnevernet må vite om barnet for å vurdere omsorgen.",
    }


def _missing(url, case):
    """The same URL for a case that does not exist."""
    return url.replace(f"/{case.pk}/", "/999999/", 1)


# The views that refuse a method whoever asks (require_POST / require_GET).
NOT_ALLOWED = {
    "get": {"exitwork:police_contact", "exitwork:nav"},
    "post": {
        "exitwork:overview",
        "exitwork:checklist",
        "exitwork:background",
        "exitwork:compare_background",
    },
}


def _payload(name, case, partner_agency):
    """What a user of the case would post to each route: enough to change something."""
    item = services.step_item(case, 2)
    return {
        "exitwork:start": {"is_returnee": "on"},
        "exitwork:step": {"version": item.version, "status": "done", "note": "Gjort."},
        "exitwork:suggestions": {"agency": partner_agency.pk},
        "exitwork:add_background": {
            "factor": "exclusion",
            "text": "Falt utenfor på skolen.",
            "confidentiality": "confidential",
            "category": "concern",
        },
        "exitwork:ask_rvts": {"question": QUESTION, "context": ["age"]},
        "exitwork:child_case": {
            "name": "Lille Nordmann",
            "birth_date": years_ago(5).isoformat(),
            "observation": "Barnet bor hos mor.",
            **_child_basis(),
        },
        "exitwork:close": close_payload(case),
        "exitwork:follow_up_review": {"outcome": "Har jobb og bolig."},
    }.get(name, {})


def _state():
    """Everything an exit-work page could change."""
    return {
        "cases": sorted(ConcernCase.objects.values_list("pk", "state", "version")),
        "steps": sorted(
            ChecklistItem.objects.values_list("pk", "status", "version", "note", "changed_by")
        ),
        "exit_work": sorted(
            ExitWork.objects.values_list("pk", "is_returnee", "checklist_evaluation")
        ),
        "journal": sorted(JournalEntry.objects.values_list("pk", flat=True)),
        "team": sorted(TeamMember.objects.values_list("case_id", "agency_id", "has_lead")),
        "responsibilities": Responsibility.objects.count(),
        "guidance": GuidanceRequest.objects.count(),
        "reviews": sorted(FollowUpReview.objects.values_list("pk", "done_at", "outcome")),
        "child_links": ChildCaseLink.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_the_walk_covers_every_exit_route(scene):
    names = {name for name, _url in _exit_urls(scene["case"], scene["review"])}
    expected = {route.name for route in routes() if route.name.startswith("exitwork:")}
    assert names == expected
    assert len(names) == 14


def test_every_exit_page_lives_under_the_case(scene):
    case = scene["case"]
    outside = [
        url
        for _name, url in _exit_urls(case, scene["review"])
        if not url.startswith(f"/saker/{case.pk}/exit/")
    ]
    assert outside == []


def _assert_refused_everywhere(client, case, review, partner_agency, method):
    for name, url in _exit_urls(case, review):
        data = _payload(name, case, partner_agency) if method == "post" else None
        response = getattr(client, method)(url, data)
        expected = 405 if name in NOT_ALLOWED[method] else 404
        assert response.status_code == expected, (name, response.status_code)
        # The same answer as for a case that does not exist.
        missing = getattr(client, method)(_missing(url, case), data)
        assert missing.status_code == response.status_code, name


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_every_exit_url(
    client, login_as, outsider, partner_agency, scene, method
):
    login_as(client, outsider)
    before = _state()

    _assert_refused_everywhere(client, scene["case"], scene["review"], partner_agency, method)

    assert _state() == before


OWNER_GETS = {
    "exitwork:overview": 200,
    "exitwork:start": 302,  # exit work has started: to the overview
    "exitwork:checklist": 200,
    "exitwork:step": 200,
    "exitwork:police_contact": 405,
    "exitwork:nav": 405,
    "exitwork:suggestions": 200,
    "exitwork:background": 200,
    "exitwork:compare_background": 200,
    "exitwork:add_background": 200,
    "exitwork:ask_rvts": 200,
    "exitwork:child_case": 200,
    "exitwork:close": 200,
    "exitwork:follow_up_review": 200,
}

PARTNER_GETS = {
    **OWNER_GETS,
    # Managing the case is the coordinator's side's (the team works, it does not manage).
    "exitwork:child_case": 403,
    "exitwork:close": 403,
    "exitwork:follow_up_review": 403,
}


@pytest.mark.parametrize(("who", "expected"), [("owner", OWNER_GETS), ("partner", PARTNER_GETS)])
def test_the_team_walks_every_exit_url(client, login_as, request, scene, who, expected):
    login_as(client, request.getfixturevalue(who))
    statuses = {
        name: client.get(url).status_code
        for name, url in _exit_urls(scene["case"], scene["review"])
    }
    assert statuses == expected


def test_the_start_page_redirects_to_the_overview_once_started(client, login_as, owner, scene):
    case = scene["case"]
    login_as(client, owner)
    response = client.get(reverse("exitwork:start", args=[case.pk]))
    assert response.url == reverse("exitwork:overview", args=[case.pk])


def test_the_partner_cannot_take_the_coordinators_actions(
    client, login_as, partner, owner, partner_agency, register, scene, child_welfare_agency
):
    case, review = scene["case"], scene["review"]
    not_exit = register(person={"name": "Per Nordmann", "birth_year": 2008})
    case_services.add_team_member(owner, not_exit, agency=partner_agency, contact_name="Paul")
    login_as(client, partner)
    before = _state()

    posts = {
        "exitwork:start": (reverse("exitwork:start", args=[not_exit.pk]), {}),
        "exitwork:police_contact": (reverse("exitwork:police_contact", args=[case.pk]), {}),
        "exitwork:nav": (reverse("exitwork:nav", args=[case.pk]), {}),
        "exitwork:suggestions": (
            reverse("exitwork:suggestions", args=[case.pk]),
            {"agency": child_welfare_agency.pk},
        ),
        "exitwork:close": (reverse("exitwork:close", args=[case.pk]), close_payload(case)),
        "exitwork:child_case": (
            reverse("exitwork:child_case", args=[case.pk]),
            _payload("exitwork:child_case", case, partner_agency),
        ),
        "exitwork:follow_up_review": (
            reverse("exitwork:follow_up_review", args=[case.pk, review.pk]),
            {"outcome": "Har jobb."},
        ),
    }
    statuses = {name: client.post(url, data).status_code for name, (url, data) in posts.items()}

    assert statuses == dict.fromkeys(posts, 403)
    assert _state() == before
    assert not ExitWork.objects.filter(case=not_exit).exists()


def test_the_partner_updates_a_step(client, login_as, partner, exit_case):
    item = services.step_item(exit_case, 2)
    login_as(client, partner)

    response = client.post(
        reverse("exitwork:step", args=[exit_case.pk, item.pk]),
        {"version": item.version, "status": "in_progress", "note": "Nav har sett på planen."},
    )

    assert response.status_code == 302
    assert response.url == reverse("exitwork:checklist", args=[exit_case.pk])
    item.refresh_from_db()
    assert (item.status, item.note, item.changed_by) == (
        StepStatus.IN_PROGRESS,
        "Nav har sett på planen.",
        partner,
    )


def test_a_step_of_another_case_is_not_found(client, login_as, owner, exit_case, register):
    other = register(person={"name": "Per Nordmann", "birth_year": 2008})
    services.start_exit_work(owner, other)
    foreign = services.step_item(other, 2)
    login_as(client, owner)

    url = reverse("exitwork:step", args=[exit_case.pk, foreign.pk])

    assert client.get(url).status_code == 404
    response = client.post(url, {"version": foreign.version, "status": "done"})
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == StepStatus.NOT_STARTED


def test_a_case_without_exit_work_has_no_exit_pages(client, login_as, owner, case):
    login_as(client, owner)
    for name in ("exitwork:overview", "exitwork:checklist", "exitwork:background"):
        assert client.get(reverse(name, args=[case.pk])).status_code == 404, name


# A closed case, break-glass, a voluntary organisation -------------------------------------


def test_a_closed_exit_case_shows_but_refuses_the_teams_writes(
    client, login_as, owner, partner, partner_agency, exit_case, police_role, settings
):
    settings.EXIT_FOLLOW_UP_MONTHS = (6, 12)
    settle_all(owner, exit_case)
    services.close_exit_case(
        owner,
        exit_case,
        version=exit_case.version,
        checklist_evaluation="Gikk bra.",
        evaluation="Personen er ute av miljøet.",
        review_on=days(365),
    )
    exit_case.refresh_from_db()
    assert exit_case.is_closed
    item = services.step_item(exit_case, 2)
    review = FollowUpReview.objects.get(case=exit_case, months_after=6)
    before = _state()

    writes = {
        "exitwork:step": (
            reverse("exitwork:step", args=[exit_case.pk, item.pk]),
            {"version": item.version, "status": "in_progress"},
        ),
        "exitwork:add_background": (
            reverse("exitwork:add_background", args=[exit_case.pk, "push"]),
            _payload("exitwork:add_background", exit_case, partner_agency),
        ),
        "exitwork:ask_rvts": (
            reverse("exitwork:ask_rvts", args=[exit_case.pk]),
            {"question": QUESTION},
        ),
    }
    manage = {
        "exitwork:police_contact": (reverse("exitwork:police_contact", args=[exit_case.pk]), {}),
        "exitwork:nav": (reverse("exitwork:nav", args=[exit_case.pk]), {}),
        "exitwork:close": (
            reverse("exitwork:close", args=[exit_case.pk]),
            close_payload(exit_case),
        ),
    }
    for user, posts in ((partner, writes), (owner, {**writes, **manage})):
        login_as(client, user)
        statuses = {name: client.post(url, data).status_code for name, (url, data) in posts.items()}
        assert statuses == dict.fromkeys(posts, 403), user
        assert client.get(reverse("exitwork:overview", args=[exit_case.pk])).status_code == 200
        assert client.get(reverse("exitwork:checklist", args=[exit_case.pk])).status_code == 200
    after = _state()
    assert after.pop("audit") > before.pop("audit")  # the read entries of the two pages
    assert after == before

    # The review after exit happens on the closed case: the coordinator records it.
    login_as(client, partner)
    url = reverse("exitwork:follow_up_review", args=[exit_case.pk, review.pk])
    assert client.post(url, {"outcome": "Har jobb."}).status_code == 403
    login_as(client, owner)
    response = client.post(url, {"outcome": "Har jobb og egen leilighet."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.outcome, review.done_by) == ("Har jobb og egen leilighet.", owner)
    page = client.get(reverse("exitwork:overview", args=[exit_case.pk])).content.decode()
    assert "Har jobb og egen leilighet." in page


def test_break_glass_reads_the_overview_but_does_not_write_a_step(
    client, login_as, responder, responder_agency, exit_case
):
    overview = reverse("exitwork:overview", args=[exit_case.pk])
    item = services.step_item(exit_case, 1)
    step_url = reverse("exitwork:step", args=[exit_case.pk, item.pk])
    login_as(client, responder)
    assert client.get(overview).status_code == 404

    case_services.break_glass(responder, responder_agency, exit_case, reason=BREAK_GLASS_REASON)

    response = client.get(overview)
    assert response.status_code == 200
    assert response.context["access"].path == "break_glass"
    assert reads_of(exit_case).last().detail["path"] == "break_glass"
    assert client.get(step_url).status_code == 403
    refused = client.post(step_url, {"version": item.version, "status": "done"})
    assert refused.status_code == 403
    item.refresh_from_db()
    assert (item.status, item.version) == (StepStatus.NOT_STARTED, 1)


@pytest.fixture
def declared_volunteer(
    adult_exit_case, owner, volunteer, volunteer_agency, give_consent, catalogue
):
    """Drammen idrettslag on the team of the adult exit case, named in a valid consent and
    sent one item; its user has accepted the confidentiality declaration."""
    case = adult_exit_case
    case_services.add_team_member(owner, case, agency=volunteer_agency, contact_name="Frida")
    consent = give_consent(case, recipients=[volunteer_agency])
    item = case_services.write_journal_entry(
        owner, case, text="Kari møter på trening.", confidentiality="confidential"
    )
    consent_services.disclose(
        owner,
        case,
        items=[item],
        recipient=volunteer_agency,
        purpose="Mentor på trening",
        consent=consent,
    )
    consent_services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    return consent


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_volunteer_named_in_a_consent_gets_404_on_every_exit_url(
    client, login_as, volunteer, partner_agency, adult_exit_case, declared_volunteer, method
):
    case = adult_exit_case
    review = FollowUpReview.objects.create(case=case, months_after=6, due_on=days(180))
    login_as(client, volunteer)
    # The consent does open the case itself to the volunteer.
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    before = _state()

    _assert_refused_everywhere(client, case, review, partner_agency, method)

    assert _state() == before


# Starting exit work -------------------------------------------------------------------


def test_the_owner_starts_exit_work_from_the_case_page(
    client, login_as, owner, partner, case, partner_agency
):
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul")
    start_url = reverse("exitwork:start", args=[case.pk])
    overview_url = reverse("exitwork:overview", args=[case.pk])
    login_as(client, partner)
    assert start_url not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    login_as(client, owner)
    assert start_url in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert client.get(start_url).status_code == 200

    response = client.post(start_url, EMPTY_FORM)

    assert response.url == overview_url
    exit_work = ExitWork.objects.get(case=case)
    assert (exit_work.started_by, exit_work.is_returnee) == (owner, False)
    assert sorted(case.checklist.values_list("code", flat=True)) == sorted(STEPS_BY_CODE)
    assert AuditEntry.objects.filter(action="exit.started", target_id=str(case.pk)).count() == 1
    page = client.get(overview_url)
    assert [step.number for step, _item in page.context["steps"]] == list(range(1, 15))
    html = page.content.decode()
    positions = [html.find(escape(step_line(step.number))) for step in STEPS]
    assert -1 not in positions
    assert positions == sorted(positions)
    # The case page now leads to the exit work instead of offering to start it.
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert overview_url in detail
    assert start_url not in detail


def test_a_returnee_is_marked_when_starting(client, login_as, owner, case):
    login_as(client, owner)
    client.post(reverse("exitwork:start", args=[case.pk]), {"is_returnee": "on"})
    assert ExitWork.objects.get(case=case).is_returnee


def test_an_anonymous_discussion_cannot_become_an_exit_case(
    client, login_as, owner, anonymous_case
):
    url = reverse("exitwork:start", args=[anonymous_case.pk])
    login_as(client, owner)
    assert url not in client.get(reverse("cases:detail", args=[anonymous_case.pk])).content.decode()

    response = client.post(url, EMPTY_FORM)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not ExitWork.objects.filter(case=anonymous_case).exists()
    assert not anonymous_case.checklist.filter(code__in=STEPS_BY_CODE).exists()


def test_a_social_media_case_shows_step_8_first(client, login_as, owner, register):
    case = register(source=Source.SOCIAL_MEDIA)
    login_as(client, owner)
    client.post(reverse("exitwork:start", args=[case.pk]), EMPTY_FORM)

    response = client.get(reverse("exitwork:checklist", args=[case.pk]))

    numbers = [step.number for step, _item in response.context["steps"]]
    assert numbers == [8, *(n for n in range(1, 15) if n != 8)]
    html = response.content.decode()
    assert -1 < html.find('id="step-8"') < html.find('id="step-1"')
    assert case.checklist.count() == 14


# The gate to active follow-up ---------------------------------------------------------


def test_follow_up_is_refused_while_steps_1_3_and_7_are_open(
    client, login_as, owner, exit_case, answers
):
    to_mapping(owner, exit_case, answers)
    url = reverse("cases:change_state", args=[exit_case.pk])
    login_as(client, owner)

    response = client.post(url, {"to_state": "follow_up", "version": exit_case.version})

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    html = response.content.decode()
    for number in (1, 3, 7):
        assert step_line(number) in errors
        assert escape(step_line(number)) in html
    # Only the gating steps are named.
    assert step_line(2) not in errors
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.MAPPING

    settle(owner, exit_case, 1)
    settle(owner, exit_case, 7, StepStatus.NOT_RELEVANT, reason="Samtykke er gitt muntlig.")
    response = client.post(url, {"to_state": "follow_up", "version": exit_case.version})
    errors = " ".join(response.context["form"].non_field_errors())
    assert step_line(3) in errors
    assert step_line(1) not in errors
    assert step_line(7) not in errors

    settle(owner, exit_case, 3)
    response = client.post(url, {"to_state": "follow_up", "version": exit_case.version})
    assert response.status_code == 302
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.FOLLOW_UP


# Step actions ------------------------------------------------------------------------


def test_step_3_brings_the_police_radicalisation_contact_onto_the_team(
    client, login_as, owner, exit_case, police_role, police_agency, police_contact
):
    url = reverse("exitwork:police_contact", args=[exit_case.pk])
    login_as(client, owner)

    response = client.post(url)

    # Joining opened nothing: the coordinator goes on to the step that opens the case.
    member = exit_case.team.get(agency=police_agency)
    assert response.url == reverse("cases:open_to_agency", args=[exit_case.pk, member.pk])
    assert not Disclosure.objects.filter(case=exit_case, recipient_agency=police_agency).exists()
    assert police_agency.name == "Sør-Øst politidistrikt"
    assert member.contact_name == police_contact.get_full_name() == "Per"
    assert member.contact_email == police_role.email
    item = services.step_item(exit_case, 3)
    assert item.status == StepStatus.DONE
    assert police_agency.name in item.note
    # Once is enough: a second press changes nothing.
    client.post(url)
    assert exit_case.team.filter(agency=police_agency).count() == 1


def test_step_4_suggests_the_directorys_agencies_and_adds_one(
    client, login_as, owner, exit_case, make_agency, police_role, police_agency, partner_agency
):
    correctional = make_agency("Kriminalomsorgen Drammen", AgencyType.CORRECTIONAL_SERVICE)
    council = make_agency("Konfliktrådet Buskerud", AgencyType.CONFLICT_COUNCIL)
    url = reverse("exitwork:suggestions", args=[exit_case.pk])
    login_as(client, owner)

    response = client.get(url)

    suggested = {
        contact.agency.name: on_team
        for contact, on_team in response.context["contacts"]
        if contact.agency is not None
    }
    assert suggested == {
        "Drammen kommune – SLT": True,
        police_agency.name: False,
        partner_agency.name: True,
        correctional.name: False,
        council.name: False,
    }
    html = response.content.decode()
    for name in suggested:
        assert escape(name) in html
    assert "Nav Oslo" not in html

    added = client.post(url, {"agency": correctional.pk})

    assert added.url == url
    assert exit_case.team.filter(agency=correctional).exists()
    on_team_after = {c.agency.name: t for c, t in client.get(url).context["contacts"] if c.agency}
    assert on_team_after[correctional.name] is True


def test_step_4_refuses_an_agency_the_directory_did_not_suggest(
    client, login_as, owner, exit_case, outsider_agency
):
    url = reverse("exitwork:suggestions", args=[exit_case.pk])
    refusal = in_site_language(gettext_lazy("Choose an agency from the suggestions."))
    login_as(client, owner)
    teams = TeamMember.objects.count()

    for value in (outsider_agency.pk, "nav"):
        response = client.post(url, {"agency": value})
        assert response.url == url
        assert messages_of(response) == [refusal]
        client.get(url)  # shows the message, and so uses it up

    assert TeamMember.objects.count() == teams


def test_step_5_brings_nav_with_the_living_conditions_responsibility(
    client, login_as, owner, partner, case, partner_agency, outsider_agency, drammen
):
    services.start_exit_work(owner, case)
    Role.objects.create(
        kind=RoleKind.NAV_CONTACT,
        agency=partner_agency,
        municipality=drammen,
        holder=partner,
        phone="55 55 33 33",
    )
    login_as(client, owner)

    response = client.post(reverse("exitwork:nav", args=[case.pk]))

    member = case.team.get(agency=partner_agency)
    assert response.url == reverse("cases:open_to_agency", args=[case.pk, member.pk])
    assert (member.contact_name, member.contact_phone) == ("Paul", "55 55 33 33")
    assert not case.team.filter(agency=outsider_agency).exists()
    lines = list(case.responsibilities.values_list("agency_id", "what"))
    with translation.override(settings.LANGUAGE_CODE):
        # Stored in the site's language whoever presses (NAV_RESPONSIBILITY is a noop msgid).
        expected = translation.gettext(services.NAV_RESPONSIBILITY)
    assert expected != services.NAV_RESPONSIBILITY
    assert lines == [(partner_agency.pk, expected)]
    assert services.step_item(case, 5).status == StepStatus.IN_PROGRESS
    # Pressed again, nothing doubles.
    client.post(reverse("exitwork:nav", args=[case.pk]))
    assert case.team.filter(agency=partner_agency).count() == 1
    assert case.responsibilities.count() == 1


# The step form -------------------------------------------------------------------------


def test_not_relevant_needs_a_reason_on_the_step_form(client, login_as, owner, exit_case):
    item = services.step_item(exit_case, 1)
    login_as(client, owner)

    response = client.post(
        reverse("exitwork:step", args=[exit_case.pk, item.pk]),
        {"version": item.version, "status": "not_relevant", "not_relevant_reason": "  "},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["not_relevant_reason"]
    item.refresh_from_db()
    assert (item.status, item.version) == (StepStatus.NOT_STARTED, 1)


def test_a_stale_step_form_saves_nothing(client, login_as, owner, partner, exit_case):
    item = services.step_item(exit_case, 2)
    url = reverse("exitwork:step", args=[exit_case.pk, item.pk])
    login_as(client, partner)
    client.post(url, {"version": 1, "status": "in_progress", "note": "Nav først."})
    login_as(client, owner)

    response = client.post(url, {"version": 1, "status": "done", "note": "SLT etterpå."})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [str(case_services.StaleEdit())]
    item.refresh_from_db()
    assert (item.status, item.note, item.version, item.changed_by) == (
        StepStatus.IN_PROGRESS,
        "Nav først.",
        2,
        partner,
    )


# Asking RVTS (X10) ---------------------------------------------------------------------


def test_asking_rvts_sends_only_the_chosen_context_to_the_regions_centre(
    client, login_as, owner, partner, rvts_ost, rvts_user, exit_case, owner_agency
):
    login_as(client, owner)

    response = client.post(
        reverse("exitwork:ask_rvts", args=[exit_case.pk]),
        {"question": QUESTION, "context": ["age", "returnee"]},
    )

    assert response.url == reverse("exitwork:overview", args=[exit_case.pk])
    guidance = GuidanceRequest.objects.get()
    assert (guidance.case, guidance.recipient_agency, guidance.rvts_region.code) == (
        exit_case,
        rvts_ost,
        "ost",
    )
    assert (guidance.sender, guidance.sender_agency, guidance.topic) == (
        owner,
        owner_agency,
        Topic.EXIT_WORK,
    )
    question, _blank, context = guidance.question.partition("\n\n")
    assert question == QUESTION
    with translation.override(settings.LANGUAGE_CODE):
        chosen = services._context_lines(exit_case, {"age", "returnee"})
        others = services._context_lines(exit_case, {"stage", "source"})
    assert context.splitlines() == chosen
    assert len(chosen) == 2
    assert str(timezone.localdate().year - 2009) in chosen[0]  # the age, not the birth year
    for line in others:
        assert line not in guidance.question
    for part in ("Ola", "Nordmann", "2009"):
        assert part not in guidance.question
    assert AuditEntry.objects.filter(
        action="exit.guidance_requested", target_id=str(exit_case.pk)
    ).exists()

    # The answer is filed on the case: the team sees it on the overview.
    answer_guidance_request(rvts_user, guidance, answer="Start med å lytte, ikke argumentere.")
    for user in (owner, partner):
        login_as(client, user)
        page = client.get(reverse("exitwork:overview", args=[exit_case.pk])).content.decode()
        assert "Start med å lytte, ikke argumentere." in page
        assert escape(QUESTION) in page


def test_asking_rvts_refuses_a_question_that_names_the_person(
    client, login_as, owner, rvts_ost, exit_case
):
    login_as(client, owner)

    for question in ("Hva gjør vi med Ola Nordmann?", "hva gjør vi med OLA NORDMANN nå?"):
        response = client.post(
            reverse("exitwork:ask_rvts", args=[exit_case.pk]), {"question": question}
        )
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["question"]

    assert GuidanceRequest.objects.count() == 0


# A returnee's child (L28) -------------------------------------------------------------------


def test_a_returnees_child_gets_a_case_owned_by_child_welfare(
    client,
    login_as,
    owner,
    partner,
    child_welfare_user,
    child_welfare_agency,
    child_welfare_role,
    returnee_case,
):
    login_as(client, owner)
    url = reverse("exitwork:child_case", args=[returnee_case.pk])
    assert client.get(url).context["role"] == child_welfare_role

    response = client.post(
        url,
        {
            "name": "Lille Nordmann",
            "birth_date": years_ago(5).isoformat(),
            "observation": "Barnet bor hos mor og går i barnehage.",
            **_child_basis(),
        },
    )

    assert response.url == reverse("exitwork:overview", args=[returnee_case.pk])
    link = ChildCaseLink.objects.get()
    child = link.child_case
    assert (link.parent_case, link.created_by) == (returnee_case, owner)
    assert child.coordinator_role == child_welfare_role
    assert child.subject.name == "Lille Nordmann"
    assert list(child.team.values_list("agency_id", "has_lead", "contact_name")) == [
        (child_welfare_agency.pk, True, "Berit")
    ]
    child_url = reverse("cases:detail", args=[child.pk])
    # Child welfare's confidentiality: the returnee's coordinator does not see inside.
    assert client.get(child_url).status_code == 404
    overview = client.get(reverse("exitwork:overview", args=[returnee_case.pk])).content.decode()
    assert child.reference in overview
    assert escape(child_welfare_agency.name) in overview
    assert "barnehage" not in overview
    login_as(client, partner)
    assert client.get(child_url).status_code == 404
    login_as(client, child_welfare_user)
    assert client.get(child_url).status_code == 200
    # Telling child welfare was a disclosure of the child's identity and the concern.
    disclosure = Disclosure.objects.get(case=child)
    assert (disclosure.sender_agency, disclosure.recipient_agency) == (
        returnee_case.coordinator_role.agency,
        child_welfare_agency,
    )
    assert set(disclosure.parts.values_list("part", flat=True)) == {"identity", "intake"}
    assert disclosure.legal_basis.code == "statutory-open"


def test_a_child_case_without_a_legal_basis_or_necessity_is_not_made(
    client, login_as, owner, returnee_case, child_welfare_role
):
    login_as(client, owner)
    url = reverse("exitwork:child_case", args=[returnee_case.pk])
    fields = {
        "name": "Lille Nordmann",
        "birth_date": years_ago(5).isoformat(),
        "observation": "Barnet bor hos mor.",
    }
    cases, disclosures = ConcernCase.objects.count(), Disclosure.objects.count()

    no_basis = client.post(url, fields)
    no_reason = client.post(url, {**fields, **_child_basis(), "necessity_note": ""})

    assert list(no_basis.context["form"].errors) == ["legal_basis"]
    assert "necessity_note" in no_reason.context["form"].errors
    assert ConcernCase.objects.count() == cases
    assert Disclosure.objects.count() == disclosures


def test_only_a_returnees_exit_case_has_child_cases(
    client, login_as, owner, exit_case, child_welfare_role
):
    url = reverse("exitwork:child_case", args=[exit_case.pk])
    login_as(client, owner)
    cases = ConcernCase.objects.count()

    assert client.get(url).status_code == 403
    response = client.post(
        url,
        {
            "name": "Lille Nordmann",
            "birth_date": years_ago(5).isoformat(),
            "observation": "Barnet bor hos mor.",
        },
    )

    assert response.status_code == 403
    assert ConcernCase.objects.count() == cases
    assert not ChildCaseLink.objects.exists()


def test_a_child_case_is_for_a_child_under_18(
    client, login_as, owner, returnee_case, child_welfare_role
):
    login_as(client, owner)
    cases = ConcernCase.objects.count()

    response = client.post(
        reverse("exitwork:child_case", args=[returnee_case.pk]),
        {
            "name": "Store Nordmann",
            "birth_date": years_ago(18).isoformat(),
            "observation": "Voksen sønn.",
            **_child_basis(),
        },
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["birth_date"]
    assert ConcernCase.objects.count() == cases


# Closing and the reviews after exit (L29) -----------------------------------------------


def test_closing_waits_for_the_checklist_and_the_measures_then_schedules_reviews(
    client, login_as, owner, partner, exit_case, partner_agency, measure_types, settings
):
    settings.EXIT_FOLLOW_UP_MONTHS = (6, 12)
    url = reverse("exitwork:close", args=[exit_case.pk])
    login_as(client, owner)
    page = client.get(url)
    # Nav Drammen (the partner) is on the team: step 5 is done in the case (issue 21).
    still_open = [number for number in range(1, 15) if number != 5]
    assert [step.number for step in page.context["open_steps"]] == still_open

    # Steps open: every one is named, and nothing is kept of the attempt.
    response = client.post(url, close_payload(exit_case))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    for step in STEPS:
        assert (step_line(step.number) in errors) == (step.number in still_open)
    assert ExitWork.objects.get(case=exit_case).checklist_evaluation == ""
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.REGISTERED

    # A measure without its evaluation.
    settle_all(owner, exit_case)
    measure = measure_services.add_measure(
        partner,
        exit_case,
        measure_type=measure_types["volunteer_mentor"],
        goal="Fast samtalepartner.",
        responsible_agency=partner_agency,
        start_on=days(-30),
        evaluation_on=days(30),
    )
    response = client.post(url, close_payload(exit_case))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert measure.measure_type.name in errors
    assert step_line(1) not in errors
    assert list(client.get(url).context["unevaluated"]) == [measure]
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.REGISTERED

    measure_services.evaluate_measure(
        partner, measure, version=measure.version, outcome="Gikk bra.", status="completed"
    )
    response = client.post(url, close_payload(exit_case))

    assert response.url == reverse("exitwork:overview", args=[exit_case.pk])
    exit_case.refresh_from_db()
    assert exit_case.state == CaseState.CLOSED
    assert ExitWork.objects.get(case=exit_case).checklist_evaluation == (
        "Sjekklisten hjalp oss å involvere politiet tidlig."
    )
    today = timezone.localdate()
    reviews = list(FollowUpReview.objects.filter(case=exit_case))
    assert [(r.months_after, r.due_on, r.done_at) for r in reviews] == [
        (6, services.add_months(today, 6), None),
        (12, services.add_months(today, 12), None),
    ]

    overview = client.get(reverse("exitwork:overview", args=[exit_case.pk]))
    review_url = reverse("exitwork:follow_up_review", args=[exit_case.pk, reviews[0].pk])
    assert review_url in overview.content.decode()
    assert client.get(review_url).status_code == 200
    assert client.post(review_url, {"outcome": "  "}).context["form"].errors
    recorded = client.post(review_url, {"outcome": "Har jobb og bolig."})
    assert recorded.status_code == 302
    reviews[0].refresh_from_db()
    assert (reviews[0].outcome, reviews[0].done_by) == ("Har jobb og bolig.", owner)
    assert AuditEntry.objects.filter(action="exit.follow_up_reviewed").count() == 1
    # Recorded once: the page is gone for it.
    assert client.post(review_url, {"outcome": "Igjen."}).status_code == 403


# Query counts ------------------------------------------------------------------------------

# Every page: session, user, OTP device, membership; the case-work agencies; the case
# with its relations; the access path (team); the read entry (savepoint, chain head,
# insert, release); the exit work; the session save (savepoint, update, release): 15.
# The checklist adds its steps (with who changed them): 16. The background adds the
# entries and what was shared of them: 17. The overview adds the steps, the background
# entries and their sharing, team, responsibilities, measures, the next conversation and
# agreement, tasks, guidance requests, child cases, reviews and the municipality: 28.
# Measured on a case with five of everything; one of everything costs the same.
# PostgreSQL adds one: the audit chain's advisory lock.
_AUDIT_LOCK = 1 if connection.vendor == "postgresql" else 0
# +1 on both: what in the case does the steps (services.step_evidence, one query);
# +1 on the checklist: the notice chains linked to the case (steps 12 and 13).
OVERVIEW_QUERIES = 25 + _AUDIT_LOCK
CHECKLIST_QUERIES = 14 + _AUDIT_LOCK
BACKGROUND_QUERIES = 13 + _AUDIT_LOCK


def _fill(case, n, *, owner, make_agency, measure_types):
    """`n` of everything the exit pages list: team members, responsibilities, measures,
    tasks, contact agreements, conversations, background entries (one corrected),
    guidance requests, child cases, follow-up reviews and changed steps."""
    agencies = [make_agency(f"Helsetjenesten {case.pk}-{i}", AgencyType.HEALTH) for i in range(n)]
    for i, agency in enumerate(agencies):
        case_services.add_team_member(owner, case, agency=agency, contact_name=f"Kontakt {i}")
        case_services.add_responsibility(
            owner, case, agency=agency, what=f"Oppgave {i}", agreed_on=days(-i)
        )
        measure_services.add_measure(
            owner,
            case,
            measure_type=measure_types["volunteer_mentor"],
            goal=f"Mål {i}",
            responsible_agency=agency,
            start_on=days(-i),
            evaluation_on=days(30 + i),
        )
        case_services.add_task(
            owner,
            case,
            title=f"Oppgave {i}",
            owner_agency=case.coordinator_role.agency,
            owner_role=case.coordinator_role,
            deadline=days(i - 2),
        )
        conversation_services.add_contact_agreement(
            owner,
            case,
            agency=agency,
            contact_name=f"Kontakt {i}",
            channel=ContactChannel.PHONE,
            when="Tirsdager",
            agreed_on=days(-1),
            next_contact_on=days(3 + i),
        )
        conversation_services.plan_conversation(
            owner,
            case,
            is_first=i == 0,
            planned_at=timezone.now() + datetime.timedelta(days=2 + i),
            attendees="SLT-koordinator",
            guardians_attend="yes",
            child_welfare_attends="no",
            child_welfare_reason="Foreldrene følger opp.",
        )
        entry = services.write_background(
            owner,
            case,
            topic="push",
            factor="exclusion",
            text=f"Bakgrunn {i}",
            confidentiality="confidential",
        )
        services.ask_rvts(owner, case, question=f"Spørsmål {i}", context=["age", "stage"])
        services.create_child_case(
            owner,
            case,
            name=f"Barn {i}",
            birth_date=years_ago(3 + i),
            observation="Barnet bor hos mor.",
            legal_basis=LegalBasis.objects.get(code="statutory-open"),
            necessity_note="Barnevernet må vite om barnet.",
        )
        review = FollowUpReview.objects.create(case=case, months_after=6 * (i + 1), due_on=days(i))
        if i % 2:
            FollowUpReview.objects.filter(pk=review.pk).update(
                done_at=timezone.now(), done_by=owner, outcome="Bra."
            )
        settle(owner, case, i + 1)
    consent_services.correct_item(
        owner, entry, text="Bakgrunn, rettet", confidentiality="confidential", reason="Feil."
    )


@pytest.fixture
def small_and_large(register, owner, make_agency, measure_types, child_welfare_role, rvts_ost):
    """Two returnees' exit cases: one with one of everything, one with five."""
    cases = []
    for n in (1, 5):
        case = register(person={"name": f"Ola Nordmann {n}", "birth_year": 2009})
        services.start_exit_work(owner, case, is_returnee=True)
        case.refresh_from_db()
        _fill(
            case,
            n,
            owner=owner,
            make_agency=make_agency,
            measure_types=measure_types,
        )
        cases.append(case)
    return cases


def _queries(client, url):
    client.get(url)  # once first, so caches filled by the first page view do not count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response


@pytest.mark.parametrize(
    ("name", "bound"),
    [
        ("exitwork:overview", OVERVIEW_QUERIES),
        ("exitwork:checklist", CHECKLIST_QUERIES),
        ("exitwork:background", BACKGROUND_QUERIES),
    ],
)
def test_an_exit_page_costs_the_same_queries_for_a_small_and_a_large_case(
    client, login_as, owner, small_and_large, django_assert_max_num_queries, name, bound
):
    small, large = small_and_large
    login_as(client, owner)

    small_count, _small_page = _queries(client, reverse(name, args=[small.pk]))
    large_count, large_page = _queries(client, reverse(name, args=[large.pk]))

    assert small_count == large_count  # nothing per row
    for case in (small, large):
        with django_assert_max_num_queries(bound):
            client.get(reverse(name, args=[case.pk]))
    if name == "exitwork:overview":
        context = large_page.context
        assert len(context["team"]) == 6  # the owner's agency and five more
        assert len(context["measures"]) == 5
        assert len(context["open_tasks"]) == 5
        assert len(context["guidance_requests"]) == 5
        assert len(context["child_links"]) == 5
        assert len(context["reviews"]) == 5
        assert {topic.code: count for topic, count in context["background"]}["push"] == 5
        assert context["next_contact"] is not None


# The read audit (L44) ----------------------------------------------------------------------

PARTS = {
    "exitwork:overview": sorted(OVERVIEW_PARTS),
    "exitwork:start": ["state"],
    "exitwork:checklist": ["checklist"],
    "exitwork:step": ["checklist"],
    "exitwork:suggestions": ["team"],
    "exitwork:background": ["background"],
    "exitwork:compare_background": ["background_history"],
    "exitwork:add_background": ["background"],
    "exitwork:ask_rvts": ["guidance"],
    "exitwork:child_case": ["child_cases"],
    "exitwork:close": ["checklist", "measures", "state"],
    "exitwork:follow_up_review": ["follow_up_reviews"],
}


@pytest.mark.parametrize("who", ["owner", "partner"])
def test_every_exit_page_view_writes_one_read_entry_naming_its_parts(
    client, login_as, request, scene, who
):
    user = request.getfixturevalue(who)
    case = scene["case"]
    login_as(client, user)
    walked = set()
    for name, url in _exit_urls(case, scene["review"]):
        before = list(reads_of(case).values_list("pk", flat=True))
        status = client.get(url).status_code
        new = list(reads_of(case).exclude(pk__in=before))
        if status == 405:
            assert new == [], name
            continue
        if status != 200 and status != 302:
            continue
        walked.add(name)
        assert len(new) == 1, (name, len(new))
        entry = new[0]
        assert entry.actor_id == user.pk
        assert entry.detail["parts"] == PARTS[name], name
        assert entry.detail["path"] == "team"
        assert entry.detail["person"] == case.subject_id
    refused_to_the_team = {"exitwork:child_case", "exitwork:close", "exitwork:follow_up_review"}
    expected = set(PARTS) if who == "owner" else set(PARTS) - refused_to_the_team
    assert walked == expected
