"""The demo data: one agreement and one planned first conversation on the demo case."""

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
    agreement = ContactAgreement.objects.get()
    conversation = Conversation.objects.get()
    assert agreement.case == conversation.case
    assert conversation.is_first and not conversation.is_held
    assert conversation.case.subject.name == "Demo Demosen (fiktiv)"
    assert services.next_contact(conversation.case) is not None
