"""`generate_scale_data`: a consistent, fictional data set with an intact audit chain."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access import policy
from tverrnett.accounts.models import User
from tverrnett.assessments.models import UNKNOWN, Assessment, AssessmentStatus, Instrument, Rating
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.verification import verify_log
from tverrnett.cases import deadlines
from tverrnett.cases.models import (
    CaseState,
    ChecklistItem,
    ConcernCase,
    Confidentiality,
    InformationCategory,
    JournalEntry,
    Person,
    PoliceVerification,
    Source,
    StepStatus,
    Task,
    TaskStatus,
    TeamMember,
    TimelineEvent,
)
from tverrnett.cases.services import POLICE_SECTORS
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.conversations.models import ContactAgreement, Conversation
from tverrnett.conversations.services import check_conversation
from tverrnett.exitwork.background import TOPICS_BY_CODE
from tverrnett.exitwork.models import ExitWork, FollowUpReview
from tverrnett.exitwork.steps import GATE_CODES, STEPS
from tverrnett.measures.models import ENDED_STATUSES, OPEN_STATUSES, Measure
from tverrnett.networks.models import Forum, Network, NetworkLevel, Role, RoleKind

pytestmark = pytest.mark.django_db

COMMAND = "generate_scale_data"


def generate(cases, **options):
    out = StringIO()
    call_command(COMMAND, cases=cases, municipalities=4, stdout=out, **options)
    return out.getvalue()


def test_refuses_to_run_without_debug(reference_data):
    with pytest.raises(CommandError, match="development only"):
        call_command(COMMAND, cases=1)
    assert not ConcernCase.objects.exists()


@override_settings(DEBUG=True)
def test_generates_consistent_fictional_cases_with_an_intact_audit_chain(reference_data):
    entries_before = AuditEntry.objects.count()

    printed = generate(30, batch_size=7)

    assert "30 / 30 cases" in printed
    cases = ConcernCase.objects.all()
    assert cases.count() == 30
    # Anonymous <=> no subject (the check constraint), and some of each.
    anonymous = cases.filter(is_anonymous=True)
    assert 0 < anonymous.count() < 30
    assert not anonymous.filter(subject__isnull=False).exists()
    assert not cases.filter(is_anonymous=False, subject__isnull=True).exists()
    assert Person.objects.count() == cases.filter(is_anonymous=False).count()
    for case in cases:
        case.validate_constraints()
    assert len(set(cases.values_list("state", flat=True))) >= 3
    assert not cases.filter(state=CaseState.CLOSED, closed_at__isnull=True).exists()

    # Every person is made up and says so.
    assert not Person.objects.exclude(name__regex=r"^\w+ \w+ \d+$").exists()
    assert not cases.exclude(observation__startswith="Skaladata").exists()

    # Teams of 2–4 agencies, one with the lead: the coordinator role's agency.
    teams = cases.annotate(
        size=Count("team"), leads=Count("team", filter=Q(team__has_lead=True))
    ).order_by()
    assert {(t.size >= 2 and t.size <= 4, t.leads) for t in teams} == {(True, 1)}
    for case in cases.select_related("coordinator_role"):
        lead = TeamMember.objects.get(case=case, has_lead=True)
        assert lead.agency_id == case.coordinator_role.agency_id
        assert case.network.municipalities.filter(pk=case.municipality_id).exists()
        assert case.network.level == NetworkLevel.MUNICIPAL
        assert case.forum.network_id == case.network_id

    # Work in the cases: journal entries everywhere, tasks with some overdue.
    assert not cases.annotate(n=Count("journal")).filter(n=0).exists()
    assert JournalEntry.objects.count() >= 2 * 30
    today = timezone.localdate()
    assert Task.objects.filter(deadline__lt=today).exclude(status=TaskStatus.DONE).exists()
    # The case rows carry their next open deadline as the services keep it.
    assert cases.filter(next_open_deadline__lt=today).exists()
    assert deadlines.drifted() == []
    assert TimelineEvent.objects.filter(kind="registered").count() == 30

    # Coordinator roles with holders, networks with forums.
    assert not Role.objects.filter(kind=RoleKind.SLT_COORDINATOR, holder__isnull=True).exists()
    assert Network.objects.filter(level=NetworkLevel.MUNICIPAL).count() == 4
    assert Forum.objects.count() == 2 * 4

    # Audit: authenticated and sealed after whatever was there, one registration per case.
    generated = AuditEntry.objects.filter(request_id="generate_scale_data")
    assert AuditEntry.objects.count() > entries_before
    assert generated.filter(action="case.registered").count() == 30
    assert not generated.exclude(target_type="cases.concerncase").exists()
    report = verify_log()
    assert report.intact, report.first_problem()
    assert report.entries == AuditEntry.objects.count()

    # The benchmark user: both factors possible, on the team of every tenth case.
    bench = User.objects.get(username="bench-koordinator")
    assert TOTPDevice.objects.filter(user=bench, confirmed=True).exists()
    assert set(policy.visible_cases(signed_in(bench))) == set(
        cases.filter(team__agency__memberships__user=bench)
    )
    assert policy.visible_cases(signed_in(bench)).count() == 3


@override_settings(DEBUG=True)
def test_running_again_adds_cases_and_reuses_everything_else(reference_data):
    generate(20)
    before = {
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "networks": Network.objects.count(),
        "forums": Forum.objects.count(),
        "instruments": Instrument.objects.count(),
    }

    generate(10)

    assert ConcernCase.objects.count() == 30
    assert before == {
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "networks": Network.objects.count(),
        "forums": Forum.objects.count(),
        "instruments": Instrument.objects.count(),
    }
    assert verify_log().intact
    # Person numbers go on from the first run, so names stay unique.
    names = list(Person.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))


SETTLED = (StepStatus.DONE, StepStatus.NOT_RELEVANT)
CONVERSATION_FIELDS = [
    "is_first",
    "planned_at",
    "place",
    "purpose",
    "attendees",
    "guardians_attend",
    "guardians_reason",
    "child_welfare_attends",
    "child_welfare_reason",
    "trusted_person",
    "interpretation_needed",
    "interpreter_language",
]


@override_settings(DEBUG=True)
def test_exit_work_on_every_tenth_identified_case_past_the_security_clarification(
    reference_data,
):
    printed = generate(150, batch_size=40)

    assert "exit cases" in printed and "measures" in printed
    exits = ExitWork.objects.select_related("case")
    exit_cases = ConcernCase.objects.filter(exit_work__isnull=False)
    # Eligible: identified and moved to mapping; the first (heavy) case is left out.
    eligible = (
        ConcernCase.objects.filter(
            is_anonymous=False, timeline__kind="state", timeline__to_state=CaseState.MAPPING
        )
        .distinct()
        .count()
    )
    assert eligible > 50
    assert (eligible - 1) / 10 <= exits.count() <= (eligible - 1) / 10 + 1
    assert not exit_cases.filter(is_anonymous=True).exists()
    assert set(exit_cases.values_list("state", flat=True)) <= {
        CaseState.MAPPING,
        CaseState.FOLLOW_UP,
        CaseState.CLOSED,
    }
    assert exits.filter(is_returnee=True).exists()
    assert exits.filter(is_returnee=False).exists()
    assert TimelineEvent.objects.filter(kind="exit_started").count() == exits.count()
    generated = AuditEntry.objects.filter(request_id="generate_scale_data")
    assert generated.filter(action="exit.started").count() == exits.count()

    codes = {step.code for step in STEPS}
    statuses = set()
    for exit_work in exits:
        case = exit_work.case
        team = set(case.team.values_list("agency_id", flat=True))
        assert exit_work.started_at >= case.created_at

        # Exactly the fourteen steps; step 8 on top for a social-media concern.
        steps = {item.code: item for item in case.checklist.all()}
        assert set(steps) == codes and len(steps) == 14
        positions = sorted(item.position for item in steps.values())
        if case.source == Source.SOCIAL_MEDIA:
            assert positions == list(range(0, 8)) + list(range(9, 15))
        else:
            assert positions == list(range(1, 15))
        for item in steps.values():
            statuses.add(item.status)
            assert item.version == 1
            assert bool(item.not_relevant_reason) == (item.status == StepStatus.NOT_RELEVANT)
            changed = item.status != StepStatus.NOT_STARTED
            assert (item.changed_by_id is not None) == changed
            assert (item.changed_at is not None) == changed
            assert (item.done_at is not None) == (item.status == StepStatus.DONE)
            # The step 8 a social-media concern had before exit work keeps its time.
            if changed and item.position > 0:
                assert exit_work.started_at <= item.changed_at <= timezone.now()
        if case.state in (CaseState.FOLLOW_UP, CaseState.CLOSED):
            assert all(steps[code].status in SETTLED for code in GATE_CODES)
        if case.state == CaseState.CLOSED:
            assert all(item.status in SETTLED for item in steps.values())
            assert exit_work.checklist_evaluation.startswith("Skaladata")
            assert not case.measures.filter(outcome="").exists()
            assert sorted(case.follow_up_reviews.values_list("months_after", flat=True)) == list(
                settings.EXIT_FOLLOW_UP_MONTHS
            )
        else:
            assert not exit_work.checklist_evaluation

        # Background: 2-6 items of team agencies, with a valid topic and factor.
        background = case.journal.exclude(topic="").select_related("agency")
        assert 2 <= background.count() <= 6
        for entry in background:
            topic = TOPICS_BY_CODE[entry.topic]
            if topic.factors:
                assert entry.factor in dict(topic.factors)
            else:
                assert entry.factor == ""
            assert entry.category == topic.category
            assert entry.agency_id in team
            assert entry.sector == entry.agency.agency_type
            if entry.sector in POLICE_SECTORS:
                assert entry.police_verification in PoliceVerification.values
            else:
                assert entry.police_verification == ""
            assert entry.text.startswith("Skaladata")

        # Measures: 1-4, the responsible agency on the team, ended ones evaluated.
        measures = list(case.measures.all())
        assert 1 <= len(measures) <= 4
        for measure in measures:
            assert measure.responsible_agency_id in team
            assert measure.evaluation_on >= measure.start_on
            assert measure.goal.startswith("Skaladata")
            assert measure.status in (*OPEN_STATUSES, *ENDED_STATUSES)
            ended = measure.status in ENDED_STATUSES
            assert bool(measure.outcome) == ended == (measure.evaluated_at is not None)

        # Contact agreements (0-1) and conversations (0-2) by the services' rules.
        agreements = list(case.contact_agreements.all())
        assert len(agreements) <= 1
        for agreement in agreements:
            assert agreement.agency_id in team
            assert agreement.contact_name and agreement.when
        conversations = list(case.conversations.all())
        assert len(conversations) <= 2
        for conversation in conversations:
            fields = {name: getattr(conversation, name) for name in CONVERSATION_FIELDS}
            check_conversation(case, fields, conversation=conversation)  # raises if broken
            assert conversation.attendee_list
            if conversation.is_held and conversation.is_first:
                assert conversation.review_task.case_id == case.pk
            else:
                assert conversation.review_task is None

    assert statuses == set(StepStatus.values)
    # Nothing of exit work on the other cases.
    others = ConcernCase.objects.filter(exit_work__isnull=True)
    assert not JournalEntry.objects.filter(case__in=others).exclude(topic="").exists()
    assert not Measure.objects.filter(case__in=others).exists()
    assert not ContactAgreement.objects.filter(case__in=others).exists()
    assert not Conversation.objects.filter(case__in=others).exists()
    assert not FollowUpReview.objects.filter(case__in=others).exists()
    assert not ChecklistItem.objects.filter(case__in=others, position__gt=0).exists()

    # Sane proportions over all exit cases: some measures overdue, some ended.
    today = timezone.localdate()
    measures = Measure.objects.all()
    assert measures.filter(status__in=OPEN_STATUSES, evaluation_on__lt=today).exists()
    assert measures.filter(status__in=OPEN_STATUSES, evaluation_on__gte=today).exists()
    assert measures.filter(status__in=ENDED_STATUSES).exists()
    assert exits.count() <= measures.count() <= 4 * exits.count()
    assert ContactAgreement.objects.count() <= exits.count()
    assert Conversation.objects.count() <= 2 * exits.count()

    # Every information item carries its agency's sector; police items their verification.
    entries = JournalEntry.objects.select_related("agency")
    assert all(entry.sector == entry.agency.agency_type for entry in entries)
    assert not entries.filter(sector__in=POLICE_SECTORS, police_verification="").exists()
    assert not entries.exclude(sector__in=POLICE_SECTORS).exclude(police_verification="").exists()
    assert verify_log().intact


@override_settings(DEBUG=True)
def test_signed_assessments_on_every_exit_case(reference_data):
    printed = generate(120, batch_size=25)

    assert "assessments" in printed and "ratings" in printed
    instrument = Instrument.objects.get(code="behov-og-motivasjon")
    domain_of = instrument.item_codes()
    assert len(domain_of) == 42
    options = {domain: instrument.options_of(domain) for domain in set(domain_of.values())}
    exits = list(ExitWork.objects.select_related("case__coordinator_role__agency"))
    assert len(exits) >= 3
    # Only on exit cases, and on every one of them.
    assert not Assessment.objects.filter(case__exit_work__isnull=True).exists()
    assert not Assessment.objects.exclude(status=AssessmentStatus.SIGNED).exists()
    assert not JournalEntry.objects.filter(
        category=InformationCategory.ASSESSMENT, assessment__isnull=True
    ).exists()
    today = timezone.localdate()
    unknown = 0
    for exit_work in exits:
        case = exit_work.case
        role = case.coordinator_role
        chain = list(
            case.assessments.select_related("entry", "supersedes").order_by("assessed_on", "pk")
        )
        assert 1 <= len(chain) <= 3
        last_day = timezone.localdate(case.closed_at) if case.closed_at else today
        earlier = None
        for assessment in chain:
            # Each supersedes the one before it; the first none.
            assert assessment.supersedes == earlier
            assert assessment.instrument == instrument
            assert assessment.assessor_id == role.holder_id
            assert assessment.agency_id == role.agency_id
            assert timezone.localdate(exit_work.started_at) <= assessment.assessed_on <= last_day
            assert assessment.review_on > assessment.assessed_on
            assert assessment.summary.startswith("Skaladata")
            assert assessment.created_at <= assessment.signed_at <= timezone.now()
            if earlier is not None:
                assert earlier.signed_at <= assessment.created_at
            # Its information item, of the assessor's agency.
            entry = assessment.entry
            assert entry.category == InformationCategory.ASSESSMENT
            assert entry.case_id == case.pk and entry.agency_id == assessment.agency_id
            assert entry.author_id == assessment.assessor_id
            assert entry.confidentiality == Confidentiality.CONFIDENTIAL
            assert entry.sector == role.agency.agency_type
            assert entry.written_at == assessment.signed_at
            assert entry.text.startswith("Skaladata")
            # Every item rated from its domain's scale; "unknown" with a reason.
            ratings = list(assessment.ratings.order_by("position"))
            assert [r.position for r in ratings] == list(range(42))
            assert [r.item_code for r in ratings] == list(domain_of)
            for rating in ratings:
                assert rating.domain_code == domain_of[rating.item_code]
                assert rating.value in options[rating.domain_code]
                assert bool(rating.unknown_reason) == (rating.value == UNKNOWN)
                unknown += rating.value == UNKNOWN
            earlier = assessment
    assert unknown
    assert Rating.objects.count() == 42 * Assessment.objects.count()
    assert Assessment.objects.filter(supersedes__isnull=False).exists()

    # A generated assessment is signed at the database too: the triggers refuse changes.
    signed = Assessment.objects.first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Rating.objects.filter(assessment=signed).update(note="Skaladata: endret")

    # The audit entries of starting and signing, chained with the rest.
    generated = AuditEntry.objects.filter(request_id="generate_scale_data")
    assert generated.filter(action="assessment.started").count() == Assessment.objects.count()
    signings = {e.detail["assessment"]: e for e in generated.filter(action="assessment.signed")}
    assert set(signings) == set(Assessment.objects.values_list("pk", flat=True))
    for assessment in Assessment.objects.all():
        detail = signings[assessment.pk].detail
        assert detail["entry"] == assessment.entry_id
        assert detail["supersedes"] == assessment.supersedes_id
        assert signings[assessment.pk].target_id == str(assessment.case_id)
    report = verify_log()
    assert report.intact, report.first_problem()
    assert report.entries == AuditEntry.objects.count()


@override_settings(DEBUG=True)
def test_load_test_users_can_log_in_and_volunteers_are_on_no_team(reference_data):
    from tverrnett.accounts.management.commands._demo import DEMO_PASSWORD
    from tverrnett.agencies.models import Agency, AgencyType
    from tverrnett.networks.models import NetworkMember

    generate(20)
    # Run again without cases: the set-up only, nothing new but what was missing.
    users_before = User.objects.count()
    devices_before = TOTPDevice.objects.count()
    printed = generate(0)
    assert ConcernCase.objects.count() == 20
    assert "Load-test users" in printed
    assert User.objects.count() == users_before
    assert TOTPDevice.objects.count() == devices_before

    generated = User.objects.filter(username__startswith="skala.")
    # 4 municipalities: 5 agencies each, a voluntary organisation each, the police districts.
    assert generated.filter(username__endswith=".frivillig").count() == 4
    assert generated.filter(username__startswith="skala.politi.").exists()
    assert generated.filter(username__endswith=".skole").count() == 4
    for user in generated:
        assert user.check_password(DEMO_PASSWORD), user.username
        assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1

    organisations = Agency.objects.filter(agency_type=AgencyType.VOLUNTARY_ORG)
    assert organisations.count() == 4
    assert not TeamMember.objects.filter(agency__in=organisations).exists()
    assert NetworkMember.objects.filter(agency__in=organisations).count() == 4
    for volunteer in generated.filter(username__endswith=".frivillig"):
        assert not policy.visible_cases(signed_in(volunteer)).exists()
