"""Measure pages from three sides: the owner (the coordinator's agency), the partner
(a team agency) and the outsider (Nav Oslo, on no team), plus break-glass, a closed
case, and the coordinator's start page."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase
from tverrnett.measures import services
from tverrnett.measures import urls as measure_urls
from tverrnett.measures.models import Measure, MeasureStatus

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def measure(team_case, add):
    return add(team_case, goal="Fast trener å snakke med etter trening.")


def _case_urls(case, measure):
    """Every measures route of the case, filled in with real ids."""
    ids = {"pk": case.pk, "measure_pk": measure.pk}
    urls = []
    for pattern in measure_urls.urlpatterns:
        names = list(pattern.pattern.converters)
        if "pk" in names:
            name = f"measures:{pattern.name}"
            urls.append((name, reverse(name, kwargs={key: ids[key] for key in names})))
    return urls


def _form(measure_type, agency, **fields):
    return {
        "measure_type": measure_type.pk,
        "goal": "Arbeidstrening tre dager i uka.",
        "responsible_agency": agency.pk,
        "contact_name": "Nils Nav",
        "start_on": days(0).isoformat(),
        "status": MeasureStatus.PLANNED,
        "evaluation_on": days(45).isoformat(),
        "person_view": "",
        **fields,
    }


def test_the_walk_covers_every_case_route(team_case, measure):
    assert {name for name, _url in _case_urls(team_case, measure)} == {
        "measures:list",
        "measures:add",
        "measures:edit",
        "measures:evaluate",
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_every_measures_url(
    client, login_as, outsider, team_case, measure, method
):
    login_as(client, outsider)
    for name, url in _case_urls(team_case, measure):
        response = getattr(client, method)(url, {"goal": "Overskrevet.", "version": 1})
        assert response.status_code in (404, 405), (name, response.status_code)
        if response.status_code == 405:
            continue
        missing = getattr(client, method)(url.replace(f"/{team_case.pk}/", "/999999/", 1))
        assert missing.status_code == 404
    assert Measure.objects.get().goal == "Fast trener å snakke med etter trening."
    assert Measure.objects.count() == 1


def test_the_owner_and_the_partner_open_every_measures_page(
    client, login_as, owner, partner, team_case, measure
):
    # The measure is the coordinator's agency's: the partner reads it but does not change
    # or evaluate it (issue 16: a team agency changes only its own measures).
    the_coordinators = {"measures:edit", "measures:evaluate"}
    for user, refused in ((owner, set()), (partner, the_coordinators)):
        login_as(client, user)
        for name, url in [*_case_urls(team_case, measure), ("catalogue", "/tiltak/typer/")]:
            response = client.get(url)
            expected = 403 if name in refused else 200
            assert response.status_code == expected, (user, name, response.status_code)


def test_the_list_shows_each_measure_and_records_the_read(
    client, login_as, owner, team_case, measure, partner_agency, add
):
    add(
        team_case,
        "housing",
        goal="Egen hybel.",
        responsible_agency=partner_agency,
        start_on=days(-30),
        evaluation_on=days(-2),
    )
    login_as(client, owner)

    response = client.get(reverse("measures:list", args=[team_case.pk]))

    page = response.content.decode()
    assert "Fast trener å snakke med etter trening." in page
    assert "Egen hybel." in page
    assert "Nav Drammen" in page
    # Newest start first; the overdue one is marked.
    assert page.index("Fast trener") < page.index("Egen hybel.")
    assert [m.is_overdue for m in response.context["measures"]] == [False, True]
    assert 'data-color="danger"' in page
    assert reverse("measures:evaluate", args=[team_case.pk, measure.pk]) in page
    entry = AuditEntry.objects.filter(action="case.viewed").latest("id")
    assert entry.detail["parts"] == ["measures"]
    assert entry.target_id == str(team_case.pk)


def test_the_partner_adds_a_measure_for_its_agency(
    client, login_as, partner, partner_agency, team_case, measure_types
):
    login_as(client, partner)

    response = client.post(
        reverse("measures:add", args=[team_case.pk]),
        _form(measure_types["work_education_nav"], partner_agency),
    )

    assert response.status_code == 302
    assert response.url == reverse("measures:list", args=[team_case.pk])
    measure = Measure.objects.get()
    assert measure.responsible_agency == partner_agency
    assert measure.created_by == partner
    assert measure.evaluation_on == days(45)


def test_the_form_offers_only_team_agencies_and_active_types(
    client, login_as, owner, outsider_agency, team_case, measure_types
):
    measure_types["housing"].is_active = False
    measure_types["housing"].save()
    login_as(client, owner)
    url = reverse("measures:add", args=[team_case.pk])

    form = client.get(url).context["form"]
    assert set(form.fields["responsible_agency"].queryset) == {
        member.agency for member in team_case.team.all()
    }
    assert measure_types["housing"] not in form.fields["measure_type"].queryset

    response = client.post(url, _form(measure_types["income"], outsider_agency))
    assert response.status_code == 200
    assert "responsible_agency" in response.context["form"].errors
    response = client.post(
        url, _form(measure_types["income"], team_case.created_agency, evaluation_on="")
    )
    assert "evaluation_on" in response.context["form"].errors
    assert not Measure.objects.exists()


def test_an_edit_saves_and_a_stale_edit_saves_nothing(
    client, login_as, owner, team_case, measure, measure_types
):
    login_as(client, owner)
    url = reverse("measures:edit", args=[team_case.pk, measure.pk])
    assert client.get(url).context["form"].initial["version"] == 1
    data = _form(
        measure_types["volunteer_mentor"],
        measure.responsible_agency,
        goal="Først lagret.",
        status=MeasureStatus.ONGOING,
        version=1,
    )
    assert client.post(url, data).status_code == 302

    stale = client.post(url, {**data, "goal": "Lagret sist, men lest før."}, follow=True)

    saved = Measure.objects.get()
    assert saved.goal == "Først lagret."
    assert saved.status == MeasureStatus.ONGOING
    assert saved.version == 2
    assert stale.redirect_chain[-1][0] == reverse("measures:list", args=[team_case.pk])
    errors = [m for m in stale.context["messages"] if m.level_tag == "error"]
    assert [str(m) for m in errors] == [str(case_services.StaleEdit())]


def test_the_edit_form_does_not_offer_ending_a_measure(
    client, login_as, owner, team_case, measure, measure_types
):
    login_as(client, owner)
    url = reverse("measures:edit", args=[team_case.pk, measure.pk])
    statuses = dict(client.get(url).context["form"].fields["status"].choices)
    assert set(statuses) == {"planned", "ongoing", "paused"}

    response = client.post(
        url,
        _form(
            measure_types["volunteer_mentor"],
            measure.responsible_agency,
            status="completed",
            version=1,
        ),
    )

    assert "status" in response.context["form"].errors
    assert Measure.objects.get().status == MeasureStatus.PLANNED


def test_an_evaluation_through_the_page(client, login_as, owner, team_case, measure):
    login_as(client, owner)
    url = reverse("measures:evaluate", args=[team_case.pk, measure.pk])

    missing_date = client.post(url, {"outcome": "Går bra.", "status": "ongoing", "version": 1})
    assert "evaluation_on" in missing_date.context["form"].errors

    response = client.post(
        url,
        {
            "outcome": "Går bra, fortsetter.",
            "status": "ongoing",
            "evaluation_on": days(60).isoformat(),
            "version": 1,
        },
    )

    assert response.status_code == 302
    saved = Measure.objects.get()
    assert saved.outcome == "Går bra, fortsetter."
    assert saved.evaluation_on == days(60)
    assert saved.evaluated_by == owner

    stale = client.post(url, {"outcome": "Stopp.", "status": "stopped", "version": 1})
    assert stale.status_code == 302
    assert Measure.objects.get().status == MeasureStatus.ONGOING


def test_a_closed_case_shows_its_measures_and_refuses_writes(
    client, login_as, owner, team_case, measure, measure_types
):
    services.evaluate_measure(owner, measure, version=1, outcome="Fullført.", status="completed")
    case = ConcernCase.objects.get(pk=team_case.pk)
    case_services.change_state(
        owner, case, CaseState.CLOSED, version=case.version, evaluation="Ok.", review_on=days(9)
    )
    login_as(client, owner)

    page = client.get(reverse("measures:list", args=[team_case.pk]))
    assert page.status_code == 200
    assert reverse("measures:add", args=[team_case.pk]) not in page.content.decode()
    for name, url in _case_urls(team_case, measure):
        if name == "measures:list":
            continue
        assert client.get(url).status_code == 403, name
        assert (
            client.post(url, {"outcome": "x", "status": "stopped", "version": 2}).status_code == 403
        )
    assert Measure.objects.get().outcome == "Fullført."


def test_break_glass_reads_the_measures_but_cannot_write(
    client, login_as, responder, responder_agency, team_case, measure, measure_types
):
    case_services.break_glass(
        responder, responder_agency, team_case, reason="Personen er i akutt fare, må se teamet."
    )
    login_as(client, responder)

    assert client.get(reverse("measures:list", args=[team_case.pk])).status_code == 200
    response = client.post(
        reverse("measures:add", args=[team_case.pk]),
        _form(measure_types["housing"], team_case.created_agency),
    )
    assert response.status_code == 403
    assert Measure.objects.count() == 1


def test_an_anonymous_discussion_has_no_measures_page(client, login_as, owner, anonymous_case):
    login_as(client, owner)
    assert client.get(reverse("measures:list", args=[anonymous_case.pk])).status_code == 404
    assert client.get(reverse("measures:add", args=[anonymous_case.pk])).status_code == 404


def test_the_catalogue_is_open_to_every_member(client, login_as, outsider, measure_types):
    login_as(client, outsider)

    page = client.get(reverse("measures:catalogue")).content.decode()

    assert "Bolig" in page
    assert "Konfliktrådet (gjenopprettende prosess)" in page


@pytest.mark.parametrize("count", [1, 10])
def test_the_list_costs_the_same_queries_for_1_and_10_measures(
    client, login_as, owner, team_case, add, count, django_assert_max_num_queries
):
    for n in range(count):
        add(team_case, goal=f"Mål {n}", start_on=days(-n))
    services.evaluate_measure(
        owner, Measure.objects.first(), version=1, outcome="Ok.", status="completed"
    )
    login_as(client, owner)

    # Session, user, OTP device, current membership; the user's case-work agencies, the
    # case (visibility and relations in one), the access path; the read entry (savepoint,
    # chain head, insert, release); the measures with type, agency and evaluator; the
    # session save (three statements). None per row. PostgreSQL adds the audit chain's
    # advisory lock.
    with django_assert_max_num_queries(11 + (1 if connection.vendor == "postgresql" else 0)):
        response = client.get(reverse("measures:list", args=[team_case.pk]))

    assert len(response.context["measures"]) == count


# The coordinator's start page (L24) ------------------------------------------------------


def test_the_coordinator_sees_overdue_measures_on_the_start_page(
    client, login_as, owner, outsider, team_case, add
):
    overdue = add(team_case, "housing", start_on=days(-30), evaluation_on=days(-4))
    add(team_case, "income", evaluation_on=days(10))
    login_as(client, owner)

    response = client.get(reverse("core:home"))

    assert response.context["overdue_measures"] == [overdue]
    page = response.content.decode()
    assert reverse("measures:list", args=[team_case.pk]) in page
    assert "Bolig" in page

    login_as(client, outsider)
    response = client.get(reverse("core:home"))
    assert response.context["overdue_measures"] == []
    assert reverse("measures:list", args=[team_case.pk]) not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_volunteer_named_in_a_consent_gets_404_on_every_measures_url(
    client, login_as, owner, make_user, make_agency, team_case, measure, method
):
    """A voluntary organisation reaches a case only through its restricted page (L49):
    the measures do not exist for it, even when it is responsible for one."""
    from tverrnett.accounts.models import MembershipRole
    from tverrnett.agencies.models import AgencyType
    from tverrnett.cases.models import InformationCategory
    from tverrnett.cases.tests.conftest import signed_in
    from tverrnett.consent import services as consent_services
    from tverrnett.consent.catalogue import load_catalogue
    from tverrnett.consent.models import ConsentCapacity

    load_catalogue()
    team_case.subject.birth_year = 1990  # an adult consents for themselves
    team_case.subject.save()
    club = make_agency("Drammen idrettslag", AgencyType.VOLUNTARY_ORG)
    volunteer = signed_in(make_user("frivillig", club, MembershipRole.BRIDGE_BUILDER))
    case_services.add_team_member(owner, team_case, agency=club, contact_name="Trener")
    consent = consent_services.prepare_consent(
        owner,
        team_case,
        consenter_name=team_case.subject.name,
        capacity=ConsentCapacity.THE_PERSON,
        purpose="Samordnet oppfølging",
        categories=[InformationCategory.MEASURES],
        recipients=[club],
        starts_on=days(0),
        ends_on=days(90),
        language="norsk",
        interpreter_used=False,
    )
    consent_services.record_consent_answer(
        owner,
        consent,
        decision="given",
        form="oral",
        oral_recorded_by="Eva Eier",
        oral_record_reference="Notat",
    )
    consent_services.accept_confidentiality_declaration(volunteer, club)
    services.change_measure(owner, measure, version=1, responsible_agency=club)
    login_as(client, volunteer)
    # The restricted case page opens: the consent is in force.
    assert client.get(reverse("cases:detail", args=[team_case.pk])).status_code == 200

    for name, url in _case_urls(team_case, measure):
        response = getattr(client, method)(url, {"goal": "Overskrevet.", "version": 2})
        assert response.status_code in (404, 405), (name, response.status_code)
    assert Measure.objects.get().goal == "Fast trener å snakke med etter trening."


def test_the_summary_include_shows_the_current_measures(team_case, owner, add):
    from django.template.loader import render_to_string

    overdue = add(
        team_case, "housing", goal="Egen hybel.", start_on=days(-9), evaluation_on=days(-1)
    )
    ended = add(team_case, "income", goal="Stabil inntekt.")
    services.evaluate_measure(owner, ended, version=1, outcome="Ok.", status="completed")

    html = render_to_string(
        "measures/includes/measure_summary.html",
        {"case": team_case, "measures": services.current_measures(team_case)},
    )

    assert "Egen hybel." in html
    assert "Stabil inntekt." not in html
    assert overdue.responsible_agency.name in html
    assert 'data-color="danger"' in html  # the overdue tag
    assert reverse("measures:list", args=[team_case.pk]) in html
