"""`generate_scale_data`: a consistent, fictional data set with an intact audit chain."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q
from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.access import policy
from tverrnett.accounts.models import User
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import verify_chain
from tverrnett.cases.models import (
    CaseState,
    ConcernCase,
    JournalEntry,
    Person,
    Task,
    TaskStatus,
    TeamMember,
    TimelineEvent,
)
from tverrnett.cases.tests.conftest import signed_in
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
    assert TimelineEvent.objects.filter(kind="registered").count() == 30

    # Coordinator roles with holders, networks with forums.
    assert not Role.objects.filter(kind=RoleKind.SLT_COORDINATOR, holder__isnull=True).exists()
    assert Network.objects.filter(level=NetworkLevel.MUNICIPAL).count() == 4
    assert Forum.objects.count() == 2 * 4

    # Audit: hash-chained onto whatever was there, one registration per case.
    generated = AuditEntry.objects.filter(request_id="generate_scale_data")
    assert AuditEntry.objects.count() > entries_before
    assert generated.filter(action="case.registered").count() == 30
    assert not generated.exclude(target_type="cases.concerncase").exists()
    count, broken = verify_chain()
    assert broken is None
    assert count == AuditEntry.objects.count()

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
    }

    generate(10)

    assert ConcernCase.objects.count() == 30
    assert before == {
        "users": User.objects.count(),
        "roles": Role.objects.count(),
        "networks": Network.objects.count(),
        "forums": Forum.objects.count(),
    }
    assert verify_chain()[1] is None
    # Person numbers go on from the first run, so names stay unique.
    names = list(Person.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
