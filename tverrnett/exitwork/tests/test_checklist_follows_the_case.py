"""The exit checklist follows the case (issue 21, item 6): a step shows done when its
action happened, wherever it was done, and the gate to active follow-up counts it."""

from django.urls import reverse

from tverrnett.cases.models import CaseState, StepStatus
from tverrnett.exitwork import services


def _open_codes(case):
    return {item.code for _step, item in services.exit_steps(case) if not item.settled}


def test_nav_on_the_team_does_step_5_and_nothing_else_is_done_by_itself(exit_case):
    evidence = services.step_evidence(exit_case)
    assert set(evidence) == {"exit_nav"}
    assert "exit_nav" not in _open_codes(exit_case)
    # The item itself is untouched: the team's own record stays as it was.
    assert exit_case.checklist.get(code="exit_nav").status != StepStatus.DONE


def test_a_consent_recorded_on_the_consent_pages_does_step_7(
    adult_exit_case, give_consent, partner_agency, catalogue
):
    assert "exit_consent" in _open_codes(adult_exit_case)
    give_consent(adult_exit_case, recipients=[partner_agency])
    assert "exit_consent" not in _open_codes(adult_exit_case)


def test_the_gate_to_follow_up_counts_what_happened_in_the_case(
    adult_exit_case, give_consent, partner_agency, catalogue
):
    from tverrnett.exitwork.services import checklist_gate

    refusal = " ".join(checklist_gate(adult_exit_case, CaseState.FOLLOW_UP))
    assert "7." in refusal
    give_consent(adult_exit_case, recipients=[partner_agency])
    refusal = " ".join(checklist_gate(adult_exit_case, CaseState.FOLLOW_UP))
    assert "7." not in refusal and "1." in refusal  # the line manager step is the team's


def test_the_checklist_page_says_what_did_the_step_and_numbers_each_step_once(
    client, login_as, owner, exit_case
):
    login_as(client, owner)
    page = client.get(reverse("exitwork:checklist", args=[exit_case.pk])).content.decode()
    assert "NAV er på teamet." in page
    assert "Gjort i saken" in page
    assert 'class="tn-step-list"' in page
    # NAV is on the team already: no button to start the cooperation again.
    assert reverse("exitwork:nav", args=[exit_case.pk]) not in page
    # Steps 12 and 13: no chain yet; the old "not in Tverrnett yet" text is gone.
    assert "ikke i Tverrnett ennå" not in page
