"""Notification chains through the services, with the clock moved by time-machine:
delivery to the right role, acknowledgement, passing on, the decision back, escalation
to the deputy and then the managers, overdue for the sender, and every step timed and
audited."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tverrnett.access import policy
from tverrnett.audit.models import AuditEntry
from tverrnett.notices import jobs, services
from tverrnett.notices.models import ChainStatus, Delivery, EventKind, Notice
from tverrnett.notices.tests.conftest import CONTENT

pytestmark = pytest.mark.django_db


def later(hours):
    return timezone.now() + datetime.timedelta(hours=hours)


def test_a_returning_foreign_fighter_reaches_the_district_then_the_municipality(
    chain, police_role, police_contact, slt_role, owner, django_capture_on_commit_callbacks
):
    first = chain.notices.get()
    assert first.recipient_role == police_role
    assert first.deadline == first.sent_at + datetime.timedelta(hours=24)
    assert list(policy.received_notices(police_contact)) == [first]
    assert not policy.received_notices(owner).exists()

    services.acknowledge(police_contact, first)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.forward(police_contact, first, content="Forventet hjemkomst til Drammen.")
    assert second.recipient_role == slt_role
    assert second.hop == 2
    assert list(policy.received_notices(owner)) == [second]

    services.acknowledge(owner, second)
    back = services.decide(
        owner,
        second,
        special_follow_up=True,
        note="Oppfølgingsteam settes",
        content="Kommunen følger opp.",
    )
    assert back.is_decision and back.recipient_role == police_role
    chain.refresh_from_db()
    assert chain.special_follow_up is True
    services.acknowledge(police_contact, back)
    chain.refresh_from_db()
    assert chain.status == ChainStatus.COMPLETED

    kinds = list(chain.events.values_list("kind", flat=True))
    assert kinds == [
        EventKind.SENT,
        EventKind.ACKNOWLEDGED,
        EventKind.SENT,
        EventKind.ACKNOWLEDGED,
        EventKind.DECIDED,
        EventKind.SENT,
        EventKind.ACKNOWLEDGED,
    ]
    assert all(event.at is not None for event in chain.events.all())
    audited = AuditEntry.objects.filter(action__startswith="notice.").values_list(
        "action", flat=True
    )
    assert list(audited) == [
        "notice.chain_started",
        "notice.sent",
        "notice.acknowledged",
        "notice.sent",
        "notice.acknowledged",
        "notice.decided",
        "notice.sent",
        "notice.acknowledged",
    ]


def test_the_return_learned_locally_goes_to_the_police_and_on_to_pst(
    owner, owner_agency, drammen, police_role, police_contact, pst_role, pst_user
):
    chain = services.start_chain(
        owner,
        owner_agency,
        template_code="return_learned_locally",
        municipality=drammen,
        subject="Hjemkomst kjent lokalt",
        content="Nav har fått vite om en hjemkomst.",
        urgency="normal",
    )
    first = chain.notices.get()
    assert first.recipient_role == police_role
    services.acknowledge(police_contact, first)
    second = services.forward(police_contact, first, content="Videre til PST.")
    assert second.recipient_role == pst_role
    assert list(policy.received_notices(pst_user)) == [second]


def test_only_agencies_the_chain_allows_start_it(
    owner, owner_agency, drammen, police_role, slt_role, pst_role
):
    with pytest.raises(PermissionDenied):
        services.start_chain(
            owner,
            owner_agency,
            template_code="returning_foreign_fighter",
            municipality=drammen,
            subject="S",
            content=CONTENT,
            urgency="normal",
        )


def test_nobody_but_the_role_acknowledges(chain, owner, outsider, police_contact):
    first = chain.notices.get()
    for stranger in (owner, outsider):
        with pytest.raises(PermissionDenied):
            services.acknowledge(stranger, first)
    assert Notice.objects.get(pk=first.pk).acknowledged_at is None
    with pytest.raises(PermissionDenied):
        services.forward(police_contact, first, content="x")  # not acknowledged yet


def test_an_identity_number_is_refused_in_a_notice(
    pst_user, pst_agency, drammen, police_role, slt_role
):
    with pytest.raises(ValidationError):
        services.start_chain(
            pst_user,
            pst_agency,
            template_code="returning_foreign_fighter",
            municipality=drammen,
            subject="Hjemkomst",
            content="Fødselsnummer 15076500565",
            urgency="normal",
        )


def test_an_unacknowledged_notice_escalates_to_the_deputy_then_the_managers(
    chain, police_deputy, police_manager, pst_user, django_capture_on_commit_callbacks
):
    first = chain.notices.get()
    with time_machine.travel(later(23)):
        assert services.escalate_overdue() == 0
        assert not services.inbox(pst_user)[1].exists()
    with time_machine.travel(later(25)):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.escalate_overdue() == 1
        first.refresh_from_db()
        assert first.escalation_level == 1
        # The sender sees it as overdue.
        assert list(services.inbox(pst_user)[1]) == [first]
        assert not policy.received_notices(police_manager).exists()
    with time_machine.travel(later(40)):
        assert services.escalate_overdue() == 0  # the deputy has another 24 hours
    with time_machine.travel(later(50)):
        with django_capture_on_commit_callbacks(execute=True):
            assert services.escalate_overdue() == 1
        first.refresh_from_db()
        assert first.escalation_level == 2
        assert list(policy.received_notices(police_manager)) == [first]
        services.acknowledge(police_manager, first)
    kinds = list(chain.events.values_list("kind", flat=True))
    assert EventKind.ESCALATED_TO_DEPUTY in kinds and EventKind.ESCALATED_TO_MANAGERS in kinds
    recipients = [message.to for message in mail.outbox]
    assert [police_deputy.email] in recipients or not police_deputy.email


def test_without_a_deputy_it_goes_straight_to_the_managers(chain, police_manager):
    with time_machine.travel(later(25)):
        services.escalate_overdue()
    first = chain.notices.get()
    assert first.escalation_level == 2
    assert list(policy.received_notices(police_manager)) == [first]


def test_running_the_worker_twice_sends_nothing_twice(
    chain, police_deputy, police_manager, django_capture_on_commit_callbacks
):
    police_deputy.email = "deputy@test.example"
    police_deputy.save(update_fields=["email"])
    with time_machine.travel(later(25)):
        with django_capture_on_commit_callbacks(execute=True):
            first_run = jobs.run_due()
        sent = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            second_run = jobs.run_due()
    assert first_run["escalations"] == 1
    assert second_run["escalations"] == 0
    assert sum(second_run.values()) == 0
    assert len(mail.outbox) == sent
    assert ["deputy@test.example"] in [message.to for message in mail.outbox]


def test_no_email_carries_personal_data(
    chain, police_contact, police_deputy, django_capture_on_commit_callbacks
):
    police_contact.email = "politi@test.example"
    police_contact.save(update_fields=["email"])
    first = chain.notices.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.acknowledge(police_contact, first)
        services.forward(police_contact, first, content="Ola Nordmann kommer hjem til Drammen.")
    with time_machine.travel(later(100)), django_capture_on_commit_callbacks(execute=True):
        jobs.run_due()
    assert mail.outbox
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("Ola Nordmann", "Drammen", chain.subject, CONTENT, "Hjemkomst"):
            assert secret not in text
        # The inbox, not the chain: no id in a mailbox.
        assert f"/varsler/{chain.pk}/" not in message.body
        assert "/varsler/" in message.body


def test_a_mail_server_that_is_down_delays_the_email_and_the_worker_sends_it_once(
    settings,
    pst_user,
    pst_agency,
    drammen,
    police_role,
    slt_role,
    pst_role,
    police_contact,
    django_capture_on_commit_callbacks,
):
    police_contact.email = "politi@test.example"
    police_contact.save(update_fields=["email"])
    settings.EMAIL_BACKEND = "tverrnett.notices.tests.failing_mail.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        services.start_chain(
            pst_user,
            pst_agency,
            template_code="returning_foreign_fighter",
            municipality=drammen,
            subject="Hjemkomst",
            content=CONTENT,
            urgency="normal",
        )
    assert Delivery.objects.get().emailed is False
    assert len(mail.outbox) == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert jobs.run_due()["emails_retried"] == 0  # perhaps still on its way
    with time_machine.travel(later(0.1)):
        assert jobs.run_due()["emails_retried"] == 1
        assert jobs.run_due()["emails_retried"] == 0
    assert [message.to for message in mail.outbox] == [["politi@test.example"]]
