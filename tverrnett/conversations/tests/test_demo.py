"""The demo data: one agreement and one planned first conversation on the young person's
demo case (the exit-work demo case has its own, see exitwork/demo.py)."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from tverrnett.conversations import services
from tverrnett.conversations.models import ContactAgreement, Conversation

pytestmark = pytest.mark.django_db


@override_settings(DEBUG=True)
def test_seed_demo_adds_an_agreement_and_a_first_conversation_once():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115  (again: no change)
    demo_case = {"case__subject__name": "Demo Demosen (fiktiv)"}
    agreement = ContactAgreement.objects.get(**demo_case)
    conversation = Conversation.objects.get(**demo_case)
    # Run twice, made once: one agreement and one conversation per demo case.
    assert ContactAgreement.objects.count() == Conversation.objects.count() == 2
    assert agreement.case == conversation.case
    assert conversation.is_first and not conversation.is_held
    assert conversation.case.subject.name == "Demo Demosen (fiktiv)"
    assert services.next_contact(conversation.case) is not None
