"""The worker's reminders, with the clock moved: each is sent once when due, to the
coordinator role's holder (and deputy), and a second run sends nothing."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from tverrnett.assessments import services as assessment_services
from tverrnett.assessments.instruments import load_instruments
from tverrnett.assessments.models import Instrument
from tverrnett.assessments.tests.conftest import first_options
from tverrnett.measures import services as measure_services
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.models import MeasureType
from tverrnett.notices import emails, jobs
from tverrnett.notices.emails import absolute
from tverrnett.notices.models import Delivery
from tverrnett.notices.tests.conftest import assert_emails_say_nothing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("catalogue")]


def days(n):
    return timezone.now() + datetime.timedelta(days=n)


@pytest.fixture
def emailed_owner(owner):
    owner.email = "eier@test.example"
    owner.save(update_fields=["email"])
    return owner


def run_twice(when, capture):
    with time_machine.travel(when):
        with capture(execute=True):
            first = jobs.run_due()
        with capture(execute=True):
            second = jobs.run_due()
    return first, second


def test_a_case_waiting_for_its_first_decision_is_reminded_once_after_the_deadline(
    register, emailed_owner, django_capture_on_commit_callbacks, settings
):
    settings.FIRST_DECISION_DAYS = 14
    case = register(person={"name": "Kari Nordmann", "birth_year": 1990})
    assert case.state == "registered"
    with time_machine.travel(days(13)):
        assert jobs.run_due()["first_decisions"] == 0
    first, second = run_twice(days(15), django_capture_on_commit_callbacks)
    assert first["first_decisions"] == 1
    assert second["first_decisions"] == 0
    assert [message.to for message in mail.outbox] == [["eier@test.example"]]
    # The reminder links to the start page, where the case waits (L27), not to the case.
    assert_emails_say_nothing()
    assert "Kari" not in mail.outbox[0].body
    assert f"/saker/{case.pk}/" not in mail.outbox[0].body
    assert absolute("/") + "\n" in mail.outbox[0].body


def test_a_consent_ending_soon_is_reminded_once(
    team_case,
    give_consent,
    partner_agency,
    emailed_owner,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.CONSENT_EXPIRY_WARNING_DAYS = 30
    give_consent(
        team_case,
        recipients=[partner_agency],
        ends_on=timezone.localdate() + datetime.timedelta(days=40),
    )
    with time_machine.travel(days(5)):
        assert jobs.run_due()["consent_expiry"] == 0
    first, second = run_twice(days(12), django_capture_on_commit_callbacks)
    assert (first["consent_expiry"], second["consent_expiry"]) == (1, 0)
    assert mail.outbox  # and the autouse check reads every one


def test_a_measure_due_for_evaluation_is_reminded_once(
    team_case, emailed_owner, owner_agency, django_capture_on_commit_callbacks
):
    load_measure_types()
    today = timezone.localdate()
    measure_services.add_measure(
        emailed_owner,
        team_case,
        measure_type=MeasureType.objects.first(),
        goal="Bolig",
        responsible_agency=owner_agency,
        start_on=today,
        evaluation_on=today + datetime.timedelta(days=10),
    )
    first, second = run_twice(days(11), django_capture_on_commit_callbacks)
    assert (first["measure_evaluations"], second["measure_evaluations"]) == (1, 0)
    assert mail.outbox  # and the autouse check reads every one


def test_an_assessment_past_its_review_date_is_reminded_to_its_assessor_once(
    team_case, emailed_owner, django_capture_on_commit_callbacks, client, login_as
):
    load_instruments()
    instrument = Instrument.objects.get(code="behov-og-motivasjon")
    today = timezone.localdate()
    assessment = assessment_services.start_assessment(
        emailed_owner, team_case, instrument=instrument, assessed_on=today
    )
    assessment_services.save_draft(
        emailed_owner,
        assessment,
        version=assessment.version,
        ratings=first_options(instrument),
        summary="S",
        recommended_measures="",
        assessed_on=today,
        review_on=today + datetime.timedelta(days=30),
    )
    assessment_services.sign_assessment(
        emailed_owner, assessment, version=assessment.version, confidentiality="confidential"
    )
    with time_machine.travel(days(29)):
        assert jobs.run_due()["assessment_reviews"] == 0
    first, second = run_twice(days(31), django_capture_on_commit_callbacks)
    assert (first["assessment_reviews"], second["assessment_reviews"]) == (1, 0)
    assert mail.outbox  # and the autouse check reads every one
    assert Delivery.objects.filter(kind="reminder:assessment-review").count() == 1
    # The e-mail links to the start page, and the start page has it (L25).
    with time_machine.travel(days(31)):
        login_as(client, emailed_owner)
        home = client.get(emails.link_for("reminder:assessment-review")).content.decode()
    assert 'id="assessment-reviews-heading"' in home
    assert reverse("assessments:detail", args=[team_case.pk, assessment.pk]) in home


def test_the_command_runs_once_and_says_what_it_did(register, owner, capsys, settings):
    register(person={"name": "Kari Nordmann", "birth_year": 1990})
    with time_machine.travel(days(30)):
        call_command("run_worker", "--once")
    assert "first_decisions 1" in capsys.readouterr().out


def test_a_plan_revision_date_is_reminded_once_before_it(
    team_case,
    give_consent,
    partner_agency,
    emailed_owner,
    django_capture_on_commit_callbacks,
    settings,
):
    from tverrnett.plans import services as plan_services

    settings.PLAN_REVISION_REMINDER_DAYS = 14
    consent = give_consent(
        team_case, recipients=[partner_agency], individual_plan=True, plan_confidential_access=True
    )
    plan = plan_services.create_plan(emailed_owner, team_case, consent=consent)
    plan_services.add_revision(
        emailed_owner, plan, due_on=timezone.localdate() + datetime.timedelta(days=30)
    )
    with time_machine.travel(days(10)):
        assert jobs.run_due()["plan_revisions"] == 0
    first, second = run_twice(days(20), django_capture_on_commit_callbacks)
    assert (first["plan_revisions"], second["plan_revisions"]) == (1, 0)
    assert mail.outbox  # and the autouse check reads every one


def test_a_review_after_exit_is_reminded_once_when_due(
    team_case, emailed_owner, django_capture_on_commit_callbacks
):
    from tverrnett.exitwork.models import FollowUpReview

    FollowUpReview.objects.create(
        case=team_case, months_after=6, due_on=timezone.localdate() + datetime.timedelta(days=3)
    )
    with time_machine.travel(days(1)):
        assert jobs.run_due()["follow_up_reviews"] == 0
    first, second = run_twice(days(4), django_capture_on_commit_callbacks)
    assert (first["follow_up_reviews"], second["follow_up_reviews"]) == (1, 0)
    assert mail.outbox  # and the autouse check reads every one
    assert mail.outbox[-1].to == ["eier@test.example"]


@pytest.mark.parametrize("count", [1, 5])
def test_a_run_after_everything_was_sent_costs_the_same_however_much_is_due(
    team_case,
    emailed_owner,
    owner_agency,
    django_capture_on_commit_callbacks,
    django_assert_max_num_queries,
    count,
):
    load_measure_types()
    today = timezone.localdate()
    for _ in range(count):
        measure_services.add_measure(
            emailed_owner,
            team_case,
            measure_type=MeasureType.objects.first(),
            goal="Bolig",
            responsible_agency=owner_agency,
            start_on=today,
            evaluation_on=today + datetime.timedelta(days=10),
        )
    with time_machine.travel(days(11)):
        with django_capture_on_commit_callbacks(execute=True):
            assert jobs.run_due()["measure_evaluations"] == count
        # Every job's sweep and one read of the keys sent before: nothing per item. The
        # log review adds one query for the sample, and one for the digest's officers on
        # Monday mornings. The task inbox's deadlines are one sweep more, and forgetting
        # the removals past their undo time one more, and the requests for information
        # one more.
        with django_assert_max_num_queries(16):
            assert sum(jobs.run_due().values()) == 0
