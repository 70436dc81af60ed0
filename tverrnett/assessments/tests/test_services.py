"""Assessments through the services: drafts, signing, superseding, immutability, who reads
what (an information item of the assessor's agency), measures proposed from one."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.utils import translation

from tverrnett.access import policy
from tverrnett.assessments import services
from tverrnett.assessments.models import Assessment, AssessmentStatus, RaterCertification, Rating
from tverrnett.assessments.tests.conftest import days_ago, first_options
from tverrnett.audit.models import AuditEntry
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, InformationCategory
from tverrnett.consent import services as consent_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType


@pytest.fixture(autouse=True)
def in_english():
    """The services' messages are matched in English, the msgid language."""
    with translation.override("en"):
        yield


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def item_codes(instrument, domain):
    return [
        item["code"]
        for entry in instrument.definition["domains"]
        if entry["code"] == domain
        for item in entry["items"]
    ]


def test_a_signed_assessment_is_an_information_item_of_the_assessors_agency(
    team_case, assess, owner, owner_agency
):
    assessment = assess(team_case, political_opinions=True)

    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.SIGNED
    entry = assessment.entry
    assert entry.agency == owner_agency
    assert entry.category == InformationCategory.ASSESSMENT
    assert entry.political_opinions
    assert "Motivert, men usikker på bolig." in entry.text
    assert "Behovs- og motivasjonsprofil" in entry.text
    actions = list(
        AuditEntry.objects.filter(action__startswith="assessment.").values_list("action", flat=True)
    )
    assert actions[-3:] == ["assessment.started", "assessment.saved", "assessment.signed"]
    # Audit details carry ids and codes, never the judgement.
    assert all(
        "Motivert" not in str(detail)
        for detail in AuditEntry.objects.values_list("detail", flat=True)
    )


def test_unknown_needs_a_reason(team_case, owner, instrument):
    assessment = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    code = item_codes(instrument, "family")[0]
    with pytest.raises(ValidationError) as caught:
        services.save_draft(
            owner,
            assessment,
            version=assessment.version,
            ratings={code: {"value": "unknown", "unknown_reason": "  "}},
            summary="",
            recommended_measures="",
            assessed_on=days_ago(0),
            review_on=None,
        )
    assert f"{code}-unknown_reason" in caught.value.error_dict
    services.save_draft(
        owner,
        assessment,
        version=assessment.version,
        ratings={code: {"value": "unknown", "unknown_reason": "Vil ikke snakke om det ennå."}},
        summary="",
        recommended_measures="",
        assessed_on=days_ago(0),
        review_on=None,
    )
    assert Rating.objects.get(assessment=assessment, item_code=code).value == "unknown"


def test_an_incomplete_draft_cannot_be_signed(team_case, owner, instrument):
    assessment = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    with pytest.raises(ValidationError) as caught:
        services.sign_assessment(
            owner, assessment, version=assessment.version, confidentiality="confidential"
        )
    text = " ".join(caught.value.messages)
    assert "42" in text  # items not rated
    assert assessment.entry_id is None
    assert not team_case.journal.exists()


def test_a_signed_assessment_cannot_be_changed_through_the_services(team_case, assess, owner):
    assessment = assess(team_case)
    with pytest.raises(ValidationError, match="supersedes"):
        services.save_draft(
            owner,
            assessment,
            version=assessment.version,
            ratings={},
            summary="Endret",
            recommended_measures="",
            assessed_on=assessment.assessed_on,
            review_on=assessment.review_on,
        )
    with pytest.raises(ValidationError):
        services.discard_draft(owner, assessment)
    with pytest.raises(ValidationError, match="supersedes"):
        case_services.correct_journal_entry(
            owner, assessment.entry, text="Endret", confidentiality="confidential", reason="feil"
        )
    assessment.refresh_from_db()
    assert assessment.summary == "Motivert, men usikker på bolig."


def test_the_database_refuses_changes_to_a_signed_assessment(team_case, assess):
    assessment = assess(team_case)
    rating = assessment.ratings.first()
    attempts = [
        lambda: Assessment.objects.filter(pk=assessment.pk).update(summary="Endret"),
        lambda: Assessment.objects.filter(pk=assessment.pk).delete(),
        lambda: Rating.objects.filter(pk=rating.pk).update(value="present"),
        lambda: Rating.objects.filter(pk=rating.pk).delete(),
        lambda: Rating.objects.create(
            assessment=assessment, domain_code="x", item_code="extra", position=99
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError), transaction.atomic():
            attempt()
    assessment.refresh_from_db()
    assert assessment.summary == "Motivert, men usikker på bolig."
    assert assessment.ratings.count() == 42


def test_a_draft_is_changed_by_its_assessor_only(
    team_case, owner, instrument, make_user, owner_agency, verified
):
    colleague = verified(make_user("kollega", owner_agency))
    assessment = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    # The colleague reads the draft (the same agency's item) but does not change it.
    assert policy.visible_assessments(colleague, team_case).filter(pk=assessment.pk).exists()
    with pytest.raises(PermissionDenied):
        services.save_draft(
            colleague,
            assessment,
            version=assessment.version,
            ratings={},
            summary="",
            recommended_measures="",
            assessed_on=days_ago(0),
            review_on=None,
        )
    with pytest.raises(PermissionDenied):
        services.discard_draft(colleague, assessment)


def test_a_new_assessment_supersedes_the_signed_one_and_starts_from_its_ratings(
    team_case, assess, instrument
):
    code = item_codes(instrument, "motivation")[0]
    first = assess(team_case, on=days_ago(60), ratings={code: {"value": "low"}})
    second = assess(team_case, on=days_ago(1), supersedes=first, ratings={code: {"value": "high"}})

    first.refresh_from_db()
    assert first.superseded_by == second
    assert first.status == AssessmentStatus.SIGNED
    rows = {
        row["question"]: row for domain in services.compare(first, second) for row in domain["rows"]
    }
    changed = [question for question, row in rows.items() if row["changed"]]
    assert len(changed) == 1
    assert rows[changed[0]]["before"]["label"] == "Low"
    assert rows[changed[0]]["after"]["label"] == "High"


def test_a_re_assessment_starts_from_the_earlier_ratings(team_case, assess, owner, instrument):
    code = item_codes(instrument, "motivation")[0]
    first = assess(team_case, on=days_ago(60), ratings={code: {"value": "high", "note": "Klar."}})
    draft = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0), supersedes=first
    )
    copied = Rating.objects.get(assessment=draft, item_code=code)
    assert (copied.value, copied.note) == ("high", "Klar.")


def test_only_one_assessment_supersedes_another(team_case, assess, owner, instrument):
    first = assess(team_case, on=days_ago(60))
    assess(team_case, supersedes=first)
    with pytest.raises(ValidationError, match="already been superseded"):
        services.start_assessment(
            owner, team_case, instrument=instrument, assessed_on=days_ago(0), supersedes=first
        )


def test_another_team_agency_reads_an_assessment_only_once_it_is_disclosed(
    team_case, assess, owner, partner, partner_agency, give_consent
):
    assessment = assess(team_case)
    assert not policy.visible_assessments(partner, team_case).exists()

    consent = give_consent(
        team_case, recipients=[partner_agency], categories=[InformationCategory.ASSESSMENT]
    )
    consent_services.disclose(
        owner,
        team_case,
        items=[assessment.entry],
        recipient=partner_agency,
        purpose="Felles oppfølging",
        consent=consent,
    )
    assert list(policy.visible_assessments(partner, team_case)) == [assessment]


def test_a_consent_without_the_assessment_category_does_not_let_it_go(
    team_case, assess, owner, partner_agency, give_consent
):
    assessment = assess(team_case)
    consent = give_consent(team_case, recipients=[partner_agency])  # the concern only
    with pytest.raises(ValidationError):
        consent_services.disclose(
            owner,
            team_case,
            items=[assessment.entry],
            recipient=partner_agency,
            purpose="Felles oppfølging",
            consent=consent,
        )


def test_a_partners_draft_stays_with_the_partner(team_case, partner, owner, instrument):
    draft = services.start_assessment(
        partner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    assert not policy.visible_assessments(owner, team_case).filter(pk=draft.pk).exists()
    assert draft.agency.name == "Nav Drammen"


def test_an_outsider_and_a_closed_case_are_refused(team_case, outsider, owner, instrument):
    with pytest.raises(PermissionDenied):
        services.start_assessment(
            outsider, team_case, instrument=instrument, assessed_on=days_ago(0)
        )
    assert not policy.visible_assessments(outsider, team_case).exists()
    case_services.change_state(
        owner,
        team_case,
        CaseState.CLOSED,
        version=team_case.version,
        evaluation="Avsluttet etter samtaler.",
        review_on=days_ago(-30),
    )
    team_case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.start_assessment(owner, team_case, instrument=instrument, assessed_on=days_ago(0))


def test_an_anonymous_discussion_is_not_assessed(anonymous_case, owner, instrument):
    with pytest.raises(ValidationError, match="anonymous"):
        services.start_assessment(
            owner, anonymous_case, instrument=instrument, assessed_on=days_ago(0)
        )


def test_an_instrument_for_certified_raters_needs_a_valid_certification(
    team_case, owner, instrument, manager_of_owner
):
    type(instrument).objects.filter(pk=instrument.pk).update(raters="certified")
    instrument.refresh_from_db()
    with pytest.raises(ValidationError, match="certified raters"):
        services.start_assessment(owner, team_case, instrument=instrument, assessed_on=days_ago(0))

    certification = services.register_certification(
        manager_of_owner,
        user=owner,
        instrument_code=instrument.code,
        issued_by="RVTS Øst",
        reference="K-1",
        certified_on=days_ago(30),
        valid_until=None,
    )
    assessment = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    assert assessment.certification == certification

    services.end_certification(manager_of_owner, certification)
    with pytest.raises(ValidationError, match="certified raters"):
        services.start_assessment(owner, team_case, instrument=instrument, assessed_on=days_ago(0))


def test_only_a_manager_of_the_users_agency_registers_a_certification(owner, partner, instrument):
    with pytest.raises(PermissionDenied):
        services.register_certification(
            partner,
            user=owner,
            instrument_code=instrument.code,
            issued_by="RVTS Øst",
            reference="",
            certified_on=days_ago(1),
            valid_until=None,
        )
    assert not RaterCertification.objects.exists()


def test_a_measure_proposed_from_an_assessment_names_it_and_its_items(
    team_case, assess, owner, owner_agency, instrument
):
    load_measure_types()
    assessment = assess(team_case)
    chosen = item_codes(instrument, "living-conditions")[:2]
    measure = services.propose_measure(
        owner,
        assessment,
        item_codes=chosen,
        measure_type=MeasureType.objects.first(),
        goal="Fast bolig innen sommeren.",
        responsible_agency=owner_agency,
        start_on=days_ago(0),
        evaluation_on=days_ago(-60),
    )
    assert measure.assessment == assessment
    assert measure.assessment_items == chosen
    assert len(measure.proposed_for) == 2
    assert list(assessment.proposed_measures.all()) == [measure]


def test_a_measure_cannot_be_proposed_for_items_not_in_the_assessment(
    team_case, assess, owner, owner_agency
):
    load_measure_types()
    assessment = assess(team_case)
    with pytest.raises(ValidationError):
        services.propose_measure(
            owner,
            assessment,
            item_codes=["not-an-item"],
            measure_type=MeasureType.objects.first(),
            goal="Mål",
            responsible_agency=owner_agency,
            start_on=days_ago(0),
            evaluation_on=days_ago(-60),
        )
    assert not assessment.proposed_measures.exists()


def test_development_counts_each_rating_per_domain_and_adds_nothing_up(
    team_case, assess, instrument
):
    codes = item_codes(instrument, "needs")
    first = assess(team_case, on=days_ago(60))
    second = assess(
        team_case,
        on=days_ago(1),
        supersedes=first,
        ratings={codes[0]: {"value": "present"}, codes[1]: {"value": "partly"}},
    )
    needs = services.development([second, first])[0]
    assert needs["code"] == "needs"
    assert [column["assessment"] for column in needs["columns"]] == [first, second]
    counts = [
        {code: count for code, _label, count in column["counts"]} for column in needs["columns"]
    ]
    assert counts[0] == {"not_present": len(codes), "partly": 0, "present": 0, "unknown": 0}
    assert counts[1] == {"not_present": len(codes) - 2, "partly": 1, "present": 1, "unknown": 0}
    # Counts per rating only: no key that sums or scores.
    assert set(needs) == {"code", "name", "options", "columns", "items", "item_count"}


def test_the_journal_form_does_not_offer_the_assessment_category(team_case, owner):
    from tverrnett.cases.forms import JournalForm

    offered = [value for value, _label in JournalForm().fields["category"].choices]
    assert InformationCategory.ASSESSMENT not in offered
    with pytest.raises(ValidationError):
        case_services.write_journal_entry(
            owner,
            team_case,
            text="Vurdering",
            confidentiality="confidential",
            category="assessment",
        )


def test_the_review_date_comes_after_the_assessment(team_case, owner, instrument):
    assessment = services.start_assessment(
        owner, team_case, instrument=instrument, assessed_on=days_ago(0)
    )
    with pytest.raises(ValidationError) as caught:
        services.save_draft(
            owner,
            assessment,
            version=assessment.version,
            ratings=first_options(instrument),
            summary="S",
            recommended_measures="",
            assessed_on=days_ago(0),
            review_on=days_ago(0) - datetime.timedelta(days=1),
        )
    assert "review_on" in caught.value.error_dict
