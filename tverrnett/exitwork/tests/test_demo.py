"""The exit checklist of the demo exit case (issue 21 acceptance): the steps the demo data
has done show done, and steps 12 and 13 link the demo notice chain."""

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from tverrnett.cases.models import ConcernCase, StepStatus
from tverrnett.exitwork import services
from tverrnett.exitwork.demo import PERSON
from tverrnett.notices.demo import SUBJECT
from tverrnett.notices.models import NoticeChain

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_exit_case():
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    return ConcernCase.objects.get(subject__name=PERSON)


def _done(case):
    """Step number -> how it is done: "team" (marked by the team) or "case" (its action
    happened in the case)."""
    done = {}
    for step, item in services.exit_steps(case):
        if item.status == StepStatus.DONE:
            done[step.number] = "team"
        elif item.evidence:
            done[step.number] = "case"
    return done


def test_the_demo_chain_is_linked_to_the_demo_exit_case(demo_exit_case):
    chain = NoticeChain.objects.get(subject=SUBJECT)
    assert chain.case == demo_exit_case


def test_the_demo_exit_checklist_shows_the_steps_the_demo_data_has_done(demo_exit_case):
    done = _done(demo_exit_case)
    evidence = services.step_evidence(demo_exit_case)
    # The chain linked to the case does steps 12 and 13.
    assert {"exit_returnee_notice", "exit_return_learned_locally"} <= set(evidence)
    assert {12, 13} <= set(done)
    # Exactly what the demo data did: the team marked steps 1 and 3 (the police contact
    # joined through the step's button); responsibilities (2), Nav on the team (5), a
    # contact agreement (6), a valid consent (7), a signed assessment (9) and the linked
    # chain (12, 13) did the others. Step 8 (no social-media concern), 4, 10, 11 and 14
    # are left to the team.
    assert done == {
        1: "team",
        2: "case",
        3: "team",
        5: "case",
        6: "case",
        7: "case",
        9: "case",
        12: "case",
        13: "case",
    }


def test_steps_12_and_13_link_the_demo_chain_on_the_checklist_page(
    client, login_as, demo_exit_case
):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    slt = get_user_model().objects.get(username="slt.demo")
    if not TOTPDevice.objects.filter(user=slt, confirmed=True).exists():
        TOTPDevice.objects.create(user=slt, name="test", confirmed=True)
    login_as(client, slt)
    chain = NoticeChain.objects.get(subject=SUBJECT)
    response = client.get(reverse("exitwork:checklist", args=[demo_exit_case.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    chain_url = reverse("notices:detail", args=[chain.pk])
    for number in (12, 13):
        start = page.index(f'id="step-{number}"')
        end = page.index("</li>", start)
        assert f'href="{chain_url}"' in page[start:end], number
