"""Assessment pages from every side: the owner (Drammen kommune – SLT, the assessor's
agency), the partner (Nav Drammen, on the team, nothing shared with it), the outsider
(Nav Oslo), and a voluntary organisation named in a consent.

Expected wording is worked out in the site's language from the same lazy strings the
pages use, so the tests hold whether or not a string has its translation yet.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from tverrnett.assessments import urls as assessment_urls
from tverrnett.assessments.models import Assessment, AssessmentStatus, Rating
from tverrnett.assessments.tests.conftest import days_ago, first_options
from tverrnett.audit.models import AuditEntry
from tverrnett.consent import services as consent_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import Measure, MeasureType

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]

CASE_ROUTES = {
    f"assessments:{pattern.name}"
    for pattern in assessment_urls.urlpatterns
    if "pk" in pattern.pattern.converters
}
NOT_ALLOWED = {"get": {"assessments:discard"}, "post": set()}
GET_ONLY = {
    "assessments:list",
    "assessments:detail",
    "assessments:compare",
    "assessments:development",
}


def in_site_language(text):
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def reads_of(case):
    return AuditEntry.objects.filter(
        action="case.viewed", target_type="cases.concerncase", target_id=str(case.pk)
    ).order_by("id")


@pytest.fixture
def scene(team_case, assess, owner, instrument):
    """Two signed assessments by the owner (the second supersedes the first) and a draft."""
    first = assess(team_case, on=days_ago(60))
    second = assess(team_case, on=days_ago(2), supersedes=first)
    draft = assess(team_case, sign=False, on=days_ago(0), supersedes=second)
    return {"case": team_case, "first": first, "signed": second, "draft": draft}


def case_urls(scene):
    """Every case route of the app, filled in: the signed assessment where one is named,
    the draft for the draft's own pages."""
    urls = []
    for pattern in assessment_urls.urlpatterns:
        converters = list(pattern.pattern.converters)
        if "pk" not in converters:
            continue
        name = f"assessments:{pattern.name}"
        kwargs = {"pk": scene["case"].pk}
        if "assessment_pk" in converters:
            draft_page = pattern.name in ("edit", "sign", "discard")
            kwargs["assessment_pk"] = scene["draft" if draft_page else "signed"].pk
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


def state():
    return {
        "assessments": sorted(Assessment.objects.values_list("pk", "status", "version", "summary")),
        "ratings": sorted(Rating.objects.values_list("pk", "value", "note")),
        "measures": Measure.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


def test_every_case_route_is_walked():
    assert CASE_ROUTES == {
        "assessments:list",
        "assessments:start",
        "assessments:compare",
        "assessments:development",
        "assessments:detail",
        "assessments:edit",
        "assessments:sign",
        "assessments:discard",
        "assessments:propose_measure",
    }


OWNER_GETS = {
    "assessments:list": 200,
    "assessments:start": 200,
    "assessments:compare": 200,
    "assessments:development": 200,
    "assessments:detail": 200,
    "assessments:edit": 200,
    "assessments:sign": 200,
    "assessments:discard": 405,
    "assessments:propose_measure": 200,
}
# Nothing was shared with the partner: the owner's assessments do not exist for it.
PARTNER_GETS = {
    **OWNER_GETS,
    "assessments:detail": 404,
    "assessments:edit": 404,
    "assessments:sign": 404,
    "assessments:propose_measure": 404,
}


@pytest.mark.parametrize(("who", "expected"), [("owner", OWNER_GETS), ("partner", PARTNER_GETS)])
def test_the_team_walks_every_assessment_url(client, login_as, request, scene, who, expected):
    login_as(client, request.getfixturevalue(who))
    statuses = {name: client.get(url).status_code for name, url in case_urls(scene)}
    assert statuses == expected


def test_the_partner_sees_no_assessment_of_the_owners_until_it_is_shared(
    client, login_as, partner, partner_agency, owner, scene, give_consent
):
    case, signed = scene["case"], scene["signed"]
    login_as(client, partner)
    listing = client.get(reverse("assessments:list", args=[case.pk])).content.decode()
    assert f"/vurderinger/{signed.pk}/" not in listing

    consent = give_consent(case, recipients=[partner_agency], categories=["assessment"])
    consent_services.disclose(
        owner,
        case,
        items=[signed.entry],
        recipient=partner_agency,
        purpose="Felles oppfølging",
        consent=consent,
    )
    listing = client.get(reverse("assessments:list", args=[case.pk])).content.decode()
    assert f"/vurderinger/{signed.pk}/" in listing
    assert f"/vurderinger/{scene['first'].pk}/" not in listing  # not shared
    assert f"/vurderinger/{scene['draft'].pk}/" not in listing  # a draft never is
    detail = client.get(reverse("assessments:detail", args=[case.pk, signed.pk]))
    assert detail.status_code == 200
    # The partner reads it, but cannot assess it again: that is the owner's item.
    assert "?erstatter=" not in detail.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_gets_404_on_every_assessment_url(client, login_as, outsider, scene, method):
    login_as(client, outsider)
    before = state()
    for name, url in case_urls(scene):
        status = getattr(client, method)(url, {}).status_code
        expected = (
            405 if name in NOT_ALLOWED[method] or (method == "post" and name in GET_ONLY) else 404
        )
        assert status == expected, (name, status)
        # The same answer as for a case, or an assessment, that does not exist.
        for missing in missing_urls(url, scene):
            assert getattr(client, method)(missing, {}).status_code == expected, missing
    assert state() == before


def missing_urls(url, scene):
    urls = [url.replace(f"/saker/{scene['case'].pk}/", "/saker/999999/", 1)]
    for key in ("signed", "draft"):
        part = f"/vurderinger/{scene[key].pk}/"
        if part in url:
            urls.append(url.replace(part, "/vurderinger/999999/", 1))
    return urls


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_volunteer_named_in_a_consent_gets_404_on_every_assessment_url(
    client, login_as, volunteer, volunteer_agency, scene, on_team, give_consent, method
):
    case = scene["case"]
    on_team(case, volunteer_agency)
    give_consent(case, recipients=[volunteer_agency], categories=["assessment"])
    consent_services.accept_confidentiality_declaration(volunteer, volunteer_agency)
    login_as(client, volunteer)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    before = state()
    for name, url in case_urls(scene):
        status = getattr(client, method)(url, {}).status_code
        expected = (
            405 if name in NOT_ALLOWED[method] or (method == "post" and name in GET_ONLY) else 404
        )
        assert status == expected, (name, status)
    assert state() == before


def test_a_colleague_reads_the_draft_but_cannot_work_on_it(
    client, login_as, make_user, owner_agency, scene
):
    colleague = make_user("kollega", owner_agency)
    login_as(client, colleague)
    case, draft = scene["case"], scene["draft"]
    assert client.get(reverse("assessments:detail", args=[case.pk, draft.pk])).status_code == 200
    before = state()
    for name in ("assessments:edit", "assessments:sign", "assessments:discard"):
        assert client.post(reverse(name, args=[case.pk, draft.pk]), {}).status_code == 403
    assert state() == before


def test_each_page_writes_one_read_entry_and_a_refused_page_none(
    client, login_as, owner, partner, scene
):
    case = scene["case"]
    login_as(client, owner)
    for name, url in case_urls(scene):
        if name in NOT_ALLOWED["get"]:
            continue
        before = reads_of(case).count()
        assert client.get(url).status_code == 200, name
        written = list(reads_of(case)[before:])
        assert len(written) == 1, name
        assert written[0].detail["parts"] == ["assessments"]
    login_as(client, partner)
    before = reads_of(case).count()
    assert (
        client.get(reverse("assessments:detail", args=[case.pk, scene["signed"].pk])).status_code
        == 404
    )
    assert reads_of(case).count() == before


def test_an_assessment_is_rated_and_signed_through_the_pages(
    client, login_as, owner, scene, instrument
):
    case, draft = scene["case"], scene["draft"]
    login_as(client, owner)
    edit = reverse("assessments:edit", args=[case.pk, draft.pk])
    code = next(iter(first_options(instrument)))
    data = {
        "version": draft.version,
        "assessed_on": days_ago(0).isoformat(),
        "summary": "Mer motivert enn sist.",
        "recommended_measures": "",
        "review_on": days_ago(-90).isoformat(),
        **{f"{item}-value": rating["value"] for item, rating in first_options(instrument).items()},
        f"{code}-value": "unknown",
        "sign": "1",
    }
    refused = client.post(edit, data)
    assert refused.status_code == 200
    from tverrnett.assessments.forms import RatingForm  # noqa: F401  (the message's source)

    message = in_site_language(
        "Say why this is unknown: what is missing, and how it can be found out."
    )
    assert (
        escape(translation.gettext(message)) in refused.content.decode()
        or escape(message) in refused.content.decode()
    )

    data[f"{code}-unknown_reason"] = "Ikke snakket om ennå."
    response = client.post(edit, data)
    assert response.status_code == 302
    assert response.url == reverse("assessments:sign", args=[case.pk, draft.pk])
    draft.refresh_from_db()
    signed = client.post(
        reverse("assessments:sign", args=[case.pk, draft.pk]),
        {"version": draft.version, "confidentiality": "confidential", "political_opinions": "on"},
    )
    assert signed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == AssessmentStatus.SIGNED
    assert draft.entry.political_opinions
    # Signed: the edit page sends the user back to the assessment.
    again = client.get(edit)
    assert again.status_code == 302
    assert again.url == reverse("assessments:detail", args=[case.pk, draft.pk])


def test_compare_shows_the_changed_items(client, login_as, owner, team_case, assess, instrument):
    domain = instrument.definition["domains"][1]  # motivation, the level scale
    code = domain["items"][0]["code"]
    first = assess(team_case, on=days_ago(30))
    second = assess(team_case, on=days_ago(1), supersedes=first, ratings={code: {"value": "high"}})
    login_as(client, owner)
    url = reverse("assessments:compare", args=[team_case.pk])
    page = client.get(url, {"fra": first.pk, "til": second.pk, "endret": "1"}).content.decode()
    assert escape(domain["items"][0]["question"]["nb"]) in page
    assert page.count('class="tn-changed"') == 1
    assert client.get(url, {"fra": first.pk, "til": 999999}).status_code == 404


def test_a_measure_is_proposed_from_the_page_and_shown_with_the_measure(
    client, login_as, owner, owner_agency, scene, instrument
):
    load_measure_types()
    case, signed = scene["case"], scene["signed"]
    codes = list(first_options(instrument))[:2]
    login_as(client, owner)
    response = client.post(
        reverse("assessments:propose_measure", args=[case.pk, signed.pk]),
        {
            "items": codes,
            "measure_type": MeasureType.objects.first().pk,
            "goal": "Trygg bolig",
            "responsible_agency": owner_agency.pk,
            "start_on": days_ago(0).isoformat(),
            "status": "planned",
            "evaluation_on": days_ago(-30).isoformat(),
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.assessment, measure.assessment_items) == (signed, codes)
    listing = client.get(reverse("measures:list", args=[case.pk])).content.decode()
    question = instrument.definition["domains"][0]["items"][0]["question"]["nb"]
    assert escape(question) in listing


_AUDIT_LOCK = 1 if connection.vendor == "postgresql" else 0
QUERY_BOUNDS = {
    "assessments:list": 11 + _AUDIT_LOCK,
    "assessments:detail": 14 + _AUDIT_LOCK,
    "assessments:compare": 13 + _AUDIT_LOCK,
    "assessments:development": 12 + _AUDIT_LOCK,
}


@pytest.mark.parametrize("extra", [0, 4])
@pytest.mark.parametrize("name", sorted(QUERY_BOUNDS))
def test_the_pages_cost_the_same_however_many_assessments(
    client, login_as, owner, scene, assess, django_assert_max_num_queries, extra, name
):
    case = scene["case"]
    for _ in range(extra):
        assess(case, on=days_ago(10))
    login_as(client, owner)
    kwargs = {"pk": case.pk}
    if name == "assessments:detail":
        kwargs["assessment_pk"] = scene["signed"].pk
    url = reverse(name, kwargs=kwargs)
    client.get(url)
    with django_assert_max_num_queries(QUERY_BOUNDS[name]):
        assert client.get(url).status_code == 200


def test_instrument_pages_are_for_every_member_and_certifications_for_managers(
    client, login_as, partner, manager_of_owner, instrument
):
    login_as(client, partner)
    assert client.get(reverse("assessments:instruments")).status_code == 200
    page = client.get(reverse("assessments:instrument", args=[instrument.pk]))
    assert escape(instrument.definition["domains"][0]["items"][0]["question"]["nb"]) in (
        page.content.decode()
    )
    assert client.get(reverse("assessments:certifications")).status_code == 403
    login_as(client, manager_of_owner)
    assert client.get(reverse("assessments:certifications")).status_code == 200


def test_after_a_new_version_old_assessments_show_theirs_and_new_ones_get_the_new(
    client, login_as, owner, scene, tmp_path
):
    from tverrnett.assessments.instruments import load_instrument
    from tverrnett.assessments.tests.conftest import SHIPPED

    newer = tmp_path / "behov-og-motivasjon-2.0.yaml"
    newer.write_text(
        SHIPPED.read_text(encoding="utf-8")
        .replace('version: "1.0"', 'version: "2.0"')
        .replace("published_on: 2026-11-29", "published_on: 2026-11-30"),
        encoding="utf-8",
    )
    new_instrument, created = load_instrument(newer)
    assert created
    case, signed = scene["case"], scene["signed"]
    login_as(client, owner)
    detail = client.get(reverse("assessments:detail", args=[case.pk, signed.pk])).content.decode()
    old_version = in_site_language(translation.gettext_lazy("version %(version)s")) % {
        "version": "1.0"
    }
    assert old_version in detail
    start = client.get(reverse("assessments:start", args=[case.pk])).content.decode()
    assert f'value="{new_instrument.pk}"' in start
    assert f'value="{signed.instrument_id}"' not in start


def test_a_manager_of_another_agency_cannot_end_a_certification(
    client, login_as, make_user, outsider_agency, owner, manager_of_owner, instrument
):
    from tverrnett.accounts.models import MembershipRole
    from tverrnett.assessments import services
    from tverrnett.assessments.models import RaterCertification

    certification = services.register_certification(
        manager_of_owner,
        user=owner,
        instrument_code=instrument.code,
        issued_by="RVTS Øst",
        reference="",
        certified_on=days_ago(10),
        valid_until=None,
    )
    other_manager = make_user("osloleder", outsider_agency, MembershipRole.LINE_MANAGER)
    login_as(client, other_manager)
    page = client.get(reverse("assessments:certifications")).content.decode()
    assert "RVTS Øst" not in page  # another agency's certifications are not listed
    end = reverse("assessments:end_certification", args=[certification.pk])
    missing = reverse("assessments:end_certification", args=[999999])
    assert client.post(end).status_code == client.post(missing).status_code == 404
    assert RaterCertification.objects.get().valid_until is None
    login_as(client, manager_of_owner)
    assert client.post(end).status_code == 302
    assert RaterCertification.objects.get().valid_until is not None


# Bad input never gives a 500 (issue 18, item 1) ----------------------------------------


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 30, "-1", "0"])
def test_compare_and_supersede_answer_a_malformed_id_with_404(
    client, login_as, owner, team_case, assess, value
):
    first = assess(team_case, on=days_ago(30))
    second = assess(team_case, on=days_ago(1), supersedes=first)
    login_as(client, owner)
    compare = reverse("assessments:compare", args=[team_case.pk])
    start = reverse("assessments:start", args=[team_case.pk])

    assert client.get(compare, {"fra": value, "til": second.pk}).status_code == 404
    assert client.get(compare, {"fra": first.pk, "til": value}).status_code == 404
    assert client.get(start, {"erstatter": value}).status_code == 404
