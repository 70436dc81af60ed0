"""Exit work on a concern case: the SLT coordinator registers a concern about an adult,
starts exit work, walks the planning checklist (the police contact's action, the gate
on active follow-up, a step marked not relevant only with a reason), writes background,
adds a measure, plans and holds the first conversation, asks RVTS, closes the exit case
once every step is settled and the measure evaluated, and records the follow-up review
after exit that the start page says is overdue. The exit pages do not exist for
agencies outside the case, and a returnee's child gets a case that child welfare owns
and the coordinator cannot open. Every page is checked with axe, at desktop width and
at 320 px.

The interface texts are being translated, so elements are found by id, name, URL or
role, never by their visible text. Texts the test or the demo data writes are fine to
look for.

Each test makes the cases it changes, so the tests do not depend on each other's
order; the demo's exit case ("Eksempel Exitsen (fiktiv)") is only read.
"""

import datetime
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

DEMO_IDS = """
import json
from tverrnett.cases.models import ConcernCase
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import Role
drammen = Municipality.objects.get(number="3301")
print(json.dumps({
    "network": ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)").network_id,
    "municipality": drammen.pk,
    "slt_role": Role.objects.get(kind="slt_coordinator", municipality=drammen).pk,
    "exit_case": ConcernCase.objects.filter(subject__name="Eksempel Exitsen (fiktiv)")
    .order_by("pk")
    .first()
    .pk,
}))
"""
# The acting user, as the demo seeding does: the services act for users who passed both
# factors, and a manage.py shell has no login.
AS_SLT = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from tverrnett.cases import services as case_services
from tverrnett.cases.models import CaseState, ConcernCase
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
today = timezone.localdate()
"""
CLARIFIED = {
    "police_contact_consulted": "yes",
    "police_contact_note": "Radikaliseringskontakten er orientert (test).",
    "pst_to_be_told": "no",
    "pst_note": "Ingen holdepunkter for alvorlig trussel (test).",
    "child_welfare_duty": "no",
    "child_welfare_reasoning": "Personen er voksen (test).",
    "averting_duty": "no",
    "averting_reasoning": "Ingen opplysninger om planlagte handlinger (test).",
}
SLT = "Drammen kommune – SLT"
POLICE = "Sør-Øst politidistrikt"
CHILD_WELFARE = "Drammen kommune – barneverntjenesten"
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
FORM_ERRORS = "main .tn-form-errors[data-error-summary]"
CASE_URL = re.compile(r"/saker/\d+/$")
STEPS = 14


@pytest.fixture(scope="module")
def demo(server):
    """Primary keys of the demo's network, Drammen, its SLT role and the demo exit case."""
    return shell(server, DEMO_IDS)


def case_pk_of(path):
    return int(path.strip("/").split("/")[1])


def to_mapping(server, case_pk):
    """Security clarification, its answers and on to mapping, as slt.demo."""
    shell(
        server,
        AS_SLT + f"case = ConcernCase.objects.get(pk={case_pk})\n"
        "case_services.change_state(\n"
        "    slt, case, CaseState.SECURITY_CLARIFICATION, version=case.version\n"
        ")\n"
        "case.refresh_from_db()\n"
        "case_services.record_security_clarification(\n"
        f"    slt, case, version=case.version, answers={CLARIFIED!r}\n"
        ")\n"
        "case.refresh_from_db()\n"
        "case_services.change_state(slt, case, CaseState.MAPPING, version=case.version)\n"
        "print(json.dumps(case.pk))\n",
    )


def returnee_exit_case(server, demo, name):
    """A returnee's exit case in mapping, registered by slt.demo; its primary key."""
    case_pk = shell(
        server,
        AS_SLT + "from tverrnett.agencies.models import Agency\n"
        "from tverrnett.geography.models import Municipality\n"
        "from tverrnett.networks.models import Network, Role\n"
        "case = case_services.register_concern(\n"
        f"    slt, Agency.objects.get(name={SLT!r}),\n"
        f"    network=Network.objects.get(pk={demo['network']}), audience='adults',\n"
        f"    municipality=Municipality.objects.get(pk={demo['municipality']}),\n"
        f"    coordinator_role=Role.objects.get(pk={demo['slt_role']}),\n"
        "    observation='Kom hjem fra et konfliktområde med to små barn (test).',\n"
        "    observed_by='Nav-veileder', source='other_agency', urgency='soon',\n"
        f"    person={{'name': {name!r}, 'birth_year': today.year - 31}},\n"
        ")\n"
        "print(json.dumps(case.pk))\n",
    )
    to_mapping(server, case_pk)
    shell(
        server,
        AS_SLT + "from tverrnett.exitwork import services\n"
        f"services.start_exit_work(slt, ConcernCase.objects.get(pk={case_pk}), is_returnee=True)\n"
        "print(json.dumps(True))\n",
    )
    return case_pk


def settle_open_steps(server, case_pk):
    """Every exit step not yet settled marked done, as slt.demo; the step numbers."""
    return shell(
        server,
        AS_SLT + "from tverrnett.exitwork import services\n"
        f"case = ConcernCase.objects.get(pk={case_pk})\n"
        "settled = []\n"
        "for step, item in services.exit_steps(case):\n"
        "    if not item.is_settled:\n"
        "        case_services.set_checklist_status(\n"
        "            slt, item, status='done', version=item.version, note='Gjort (test).'\n"
        "        )\n"
        "        settled.append(step.number)\n"
        "print(json.dumps(sorted(settled)))\n",
    )


def review_task_of(server, case_pk):
    """The review task the first conversation opened: (pk, status)."""
    return shell(
        server,
        "import json\n"
        "from tverrnett.conversations.models import Conversation\n"
        f"conversation = Conversation.objects.get(case_id={case_pk}, is_first=True)\n"
        "task = conversation.review_task\n"
        "print(json.dumps(task and [task.pk, task.status]))\n",
    )


def follow_up_reviews(server, case_pk):
    """{months after closing: [review pk, due on]} of the case."""
    return shell(
        server,
        "import json\n"
        "from tverrnett.exitwork.models import FollowUpReview\n"
        "print(json.dumps({str(r.months_after): [r.pk, r.due_on.isoformat()]\n"
        f"    for r in FollowUpReview.objects.filter(case_id={case_pk})}}))\n",
    )


def case_state(server, case_pk):
    return shell(
        server,
        "import json\n"
        "from tverrnett.cases.models import ConcernCase\n"
        f"print(json.dumps(ConcernCase.objects.get(pk={case_pk}).state))\n",
    )


def step_link(page, number):
    """The checklist's link to the form of step `number`."""
    return page.locator(f"#step-{number} .tn-step-actions a[href*='/exit/sjekkliste/']")


def test_an_exit_case_from_intake_to_closure_with_a_follow_up_review(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    name = f"Eirik Testvoksen {token} (fiktiv)"
    observation = f"Personen ba selv om hjelp til å komme ut av miljøet ({token})."
    today = datetime.date.today()
    act_as(context, session_of, "slt.demo")

    # The concern about an adult, through the intake page.
    page.goto("/saker/ny/identifisert/")
    check_page(page, "exit-intake", shots)
    page.locator("#id_network").select_option(str(demo["network"]))
    page.locator("#id_municipality").select_option(str(demo["municipality"]))
    page.locator("#id_coordinator_role").select_option(str(demo["slt_role"]))
    page.locator("input[name=audience][value=adults]").check()
    page.locator("#id_observation").fill(observation)
    page.locator("#id_observed_by").fill("Nav-veileder")
    page.locator("#id_source").select_option("the_person")
    page.locator("input[name=urgency][value=soon]").check()
    page.locator("#id_name").fill(name)
    page.locator("#id_birth_year").fill(str(today.year - 30))
    submit(page)
    expect(page).to_have_url(CASE_URL)
    expect(page.locator(SUCCESS)).to_be_visible()
    case = page.url.removeprefix(server.base_url)
    case_pk = case_pk_of(case)
    exit_ = f"{case}exit/"
    checklist = f"{exit_}sjekkliste/"

    # Security clarification and mapping, as test_cases.py walks them in the browser.
    to_mapping(server, case_pk)

    # The case page offers exit work to the coordinator.
    page.goto(case)
    start = page.locator(f'main a[href="{exit_}start/"]')
    expect(start).to_be_visible()
    expect(page.locator(f'main a[href="{exit_}"]')).to_have_count(0)
    check_page(page, "exit-case-before", shots)
    click_and_wait(page, start)
    expect(page).to_have_url(server.url(f"{exit_}start/"))
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "exit-start", shots)
    submit(page)
    expect(page).to_have_url(server.url(exit_))
    expect(page.locator(SUCCESS)).to_be_visible()

    # The overview: the fourteen steps in order, none settled.
    steps = page.locator("section[aria-labelledby=checklist-heading] ol > li > a")
    expect(steps).to_have_count(STEPS)
    assert [link.get_attribute("href") for link in steps.all()] == [
        f"{checklist}#step-{number}" for number in range(1, STEPS + 1)
    ]
    expect(page.locator("section[aria-labelledby=checklist-heading] progress")).to_have_attribute(
        "value", "0"
    )
    check_page(page, "exit-overview", shots)

    # The case page now points to the exit work instead.
    page.goto(case)
    expect(page.locator(f'main .ds-alert[data-color=info] a[href="{exit_}"]')).to_be_visible()
    expect(page.locator(f'main a[href="{exit_}start/"]')).to_have_count(0)

    # The checklist, in the same order.
    page.goto(exit_)
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{checklist}"]'))
    expect(page).to_have_url(server.url(checklist))
    items = page.locator("ol.tn-step-list > li.tn-step")
    expect(items).to_have_count(STEPS)
    assert [item.get_attribute("id") for item in items.all()] == [
        f"step-{number}" for number in range(1, STEPS + 1)
    ]
    check_page(page, "exit-checklist", shots)

    # Step 3's action: the police district's radicalisation contact joins the team.
    click_and_wait(
        page, page.locator("#step-3 form[action$='/exit/politikontakt/'] button[type=submit]")
    )
    # Joining the team opened nothing to the police: the coordinator goes on to the step
    # that opens the case, under the exception for preventing crime (fvl. § 13 b nr. 6).
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}team/\d+/open/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    check_page(page, "exit-police-open", shots)
    page.locator("label", has_text="§ 13 b første ledd nr. 6").click()
    for part in ("identity", "intake", "summary", "clarification"):
        page.locator(f"input[name=opening-parts][value={part}]").check()
    page.locator("#id_opening-purpose").fill("Trusselvurdering og råd om trygg retur (test).")
    page.locator("#id_opening-necessity_note").fill("Politiet må kjenne saken (test).")
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_be_visible()
    page.goto(checklist)
    expect(page.locator("#step-3 h2 .ds-tag[data-color=success]")).to_have_count(1)
    expect(page.locator("#step-3 form[action$='/exit/politikontakt/']")).to_have_count(0)
    check_page(page, "exit-checklist-police", shots)
    page.goto(exit_)
    expect(page.locator("section[aria-labelledby=team-heading]")).to_contain_text(POLICE)

    # Active follow-up waits for steps 1 and 7 (step 3 is done).
    page.goto(f"{case}status/")
    check_page(page, "exit-state", shots)
    page.locator("input[name=to_state][value=follow_up]").check()
    submit(page)
    expect(page).to_have_url(server.url(f"{case}status/"))
    refusal = page.locator(FORM_ERRORS)
    expect(refusal).to_be_visible()
    expect(refusal).to_contain_text(re.compile(r"(^|\D)1\. "))
    expect(refusal).to_contain_text(re.compile(r"(^|\D)7\. "))
    expect(refusal).not_to_contain_text(re.compile(r"(^|\D)3\. "))
    check_page(page, "exit-state-refused", shots)
    assert case_state(server, case_pk) == "mapping"

    # Step 1 done, through its form.
    page.goto(checklist)
    click_and_wait(page, step_link(page, 1))
    expect(page).to_have_url(re.compile(rf"{re.escape(checklist)}\d+/$"))
    check_page(page, "exit-step-1", shots)
    page.locator("input[name=status][value=done]").check()
    page.locator("#id_note").fill("Avklart med enhetsleder: SLT koordinerer (test).")
    submit(page)
    expect(page).to_have_url(server.url(checklist))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("#step-1 h2 .ds-tag[data-color=success]")).to_have_count(1)
    expect(page.locator("#step-1")).to_contain_text("Avklart med enhetsleder")

    # Step 7 not relevant: refused without a reason, saved with one.
    click_and_wait(page, step_link(page, 7))
    step_7 = page.url
    page.locator("input[name=status][value=not_relevant]").check()
    submit(page)
    expect(page).to_have_url(step_7)
    expect(page.locator("#id_not_relevant_reason_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_not_relevant_reason")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=status][value=not_relevant]")).to_be_checked()
    check_page(page, "exit-step-7-error", shots)
    reason = f"Personen deler selv det som trengs i samtalene ({token})."
    page.locator("#id_not_relevant_reason").fill(reason)
    submit(page)
    expect(page).to_have_url(server.url(checklist))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("#step-7 h2 .ds-tag[data-color=neutral]")).to_have_count(1)
    expect(page.locator("#step-7")).to_contain_text(reason)
    check_page(page, "exit-checklist-settled", shots)

    # Now the case goes to active follow-up.
    page.goto(f"{case}status/")
    page.locator("input[name=to_state][value=follow_up]").check()
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_be_visible()
    assert case_state(server, case_pk) == "follow_up"

    # Background: a push factor.
    background = f"{exit_}bakgrunn/"
    push = f"Falt ut av skole og arbeid, lite nettverk ({token})."
    page.goto(exit_)
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{background}"]'))
    check_page(page, "exit-background", shots)
    click_and_wait(page, page.locator(f'main a[href="{background}push/ny/"]'))
    expect(page).to_have_url(server.url(f"{background}push/ny/"))
    check_page(page, "exit-background-form", shots)
    page.locator("#id_factor").select_option("exclusion")
    page.locator("#id_text").fill(push)
    submit(page)
    expect(page).to_have_url(server.url(background))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("section[aria-labelledby=topic-push]")).to_contain_text(push)
    check_page(page, "exit-background-saved", shots)

    # A measure, the SLT responsible, with an evaluation date.
    measures = f"{case}tiltak/"
    goal = f"Fast aktivitet tre dager i uken ({token})."
    page.goto(exit_)
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{measures}"]'))
    check_page(page, "exit-measures-empty", shots)
    click_and_wait(page, page.locator(f'main a[href="{measures}nytt/"]'))
    check_page(page, "exit-measure-form", shots)
    page.locator("#id_measure_type").select_option(index=1)
    page.locator("#id_goal").fill(goal)
    page.locator("#id_responsible_agency").select_option(label=SLT)
    expect(page.locator("#id_start_on")).not_to_have_value("")  # The server's today.
    page.locator("#id_evaluation_on").fill((today + datetime.timedelta(days=60)).isoformat())
    submit(page)
    expect(page).to_have_url(server.url(measures))
    expect(page.locator(SUCCESS)).to_be_visible()
    measure_row = page.locator("main table tbody tr").filter(has_text=goal)
    expect(measure_row).to_have_count(1)
    expect(measure_row).to_contain_text(SLT)
    check_page(page, "exit-measures", shots)

    # The first conversation: an adult, so no guardians' questions; interpretation needs
    # its language.
    conversations = f"{case}samtaler/"
    page.goto(f"{conversations}ny/")
    expect(page.locator("#id_is_first")).to_be_checked()
    expect(page.locator("input[name=guardians_attend]")).to_have_count(0)
    expect(page.locator("input[name=child_welfare_attends]")).to_have_count(0)
    expect(page.locator("#id_interpreter_language")).to_be_hidden()
    check_page(page, "exit-conversation-plan", shots)
    planned = datetime.datetime.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=2)
    page.locator("#id_planned_at").fill(planned.strftime("%Y-%m-%dT%H:%M"))
    page.locator("#id_place").fill("Møterom hos SLT")
    page.locator("#id_purpose").fill("Bli kjent og høre hva personen ønsker hjelp til.")
    page.locator("#id_attendees").fill("SLT-koordinator\nPolitiets radikaliseringskontakt")
    page.locator("#id_interpretation_needed").check()
    expect(page.locator("#id_interpreter_language")).to_be_visible()
    submit(page)
    expect(page).to_have_url(server.url(f"{conversations}ny/"))
    expect(page.locator("#id_interpreter_language_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_interpreter_language")).to_have_attribute("aria-invalid", "true")
    check_page(page, "exit-conversation-plan-error", shots)
    page.locator("#id_interpreter_language").fill("arabisk")
    submit(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(conversations)}\d+/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    conversation = page.url.removeprefix(server.base_url)
    expect(page.locator("section[aria-labelledby=plan-heading]")).to_contain_text("arabisk")
    check_page(page, "exit-conversation", shots)

    # Held: the review after the first conversation opens for the coordinator.
    assert review_task_of(server, case_pk) is None
    click_and_wait(page, page.locator(f'main a[href="{conversation}gjennomfort/"]'))
    expect(page.locator("#id_held_at")).not_to_have_value("")  # The server's now.
    check_page(page, "exit-conversation-held-form", shots)
    submit(page)
    expect(page).to_have_url(server.url(conversation))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(f'main .ds-alert[data-color=warning] a[href="{case}"]')).to_be_visible()
    check_page(page, "exit-conversation-held", shots)
    task_pk, task_status = review_task_of(server, case_pk)
    assert task_status != "done", task_status
    page.goto(case)
    tasks = page.locator("section[aria-labelledby=tasks-heading]")
    expect(tasks.locator(f"#task-status-{task_pk}")).to_be_visible()
    expect(tasks.locator(f"#task-status-{task_pk}")).not_to_have_value("done")
    check_page(page, "exit-case-review-task", shots)

    # Ask RVTS, sending only the person's age along. A question that names the person is
    # refused (the token in the name is a part of it too, so it stays out of the question).
    question = "Hvordan bygger vi tillit i første fase av exit-arbeidet?"
    page.goto(exit_)
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{exit_}rvts/"]'))
    expect(page.locator("input[name=context]").first).to_be_visible()
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "exit-rvts", shots)
    page.locator("#id_question").fill(f"Hvordan bygger vi tillit med Testvoksen? {question}")
    page.locator("input[name=context][value=age]").check()
    submit(page)
    expect(page).to_have_url(server.url(f"{exit_}rvts/"))
    expect(page.locator("#id_question_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_question")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=context][value=age]")).to_be_checked()
    check_page(page, "exit-rvts-error", shots)
    page.locator("#id_question").fill(question)
    submit(page)
    expect(page).to_have_url(server.url(exit_))
    expect(page.locator(SUCCESS)).to_be_visible()
    guidance = page.locator("section[aria-labelledby=guidance-heading] article")
    expect(guidance).to_have_count(1)
    expect(guidance).to_contain_text(question)
    # The age goes with the question, the one thing ticked; the name never does.
    expect(guidance.locator("p").filter(has_text=question)).to_contain_text(
        re.compile(re.escape(question) + r".*\b30\b", re.DOTALL)
    )
    expect(guidance).not_to_contain_text("Testvoksen")
    check_page(page, "exit-overview-rvts", shots)

    # The rest of the checklist, settled quickly; 1, 3 and 7 were done in the browser.
    assert settle_open_steps(server, case_pk) == [2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]

    # Closing is refused while the measure is unevaluated.
    close = f"{exit_}avslutt/"
    page.goto(exit_)
    expect(page.locator("section[aria-labelledby=checklist-heading] progress")).to_have_attribute(
        "value", str(STEPS)
    )
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{close}"]'))
    expect(page).to_have_url(server.url(close))
    # No open steps to go back to; the measure waits for its evaluation.
    expect(page.locator(f'main a[href="{checklist}"]')).to_have_count(0)
    evaluate = page.locator(f'main .ds-alert[data-color=warning] a[href^="{measures}"]')
    expect(evaluate).to_have_count(1)
    expect(evaluate).to_have_attribute("href", re.compile(r"/tiltak/\d+/evaluer/$"))
    check_page(page, "exit-close", shots)
    review_on = (today + datetime.timedelta(days=730)).isoformat()
    page.locator("#id_checklist_evaluation").fill("Sjekklisten ga god struktur (test).")
    page.locator("#id_evaluation").fill(f"Personen er i arbeid og har nytt nettverk ({token}).")
    page.locator("#id_review_on").fill(review_on)
    submit(page)
    expect(page).to_have_url(server.url(close))
    expect(page.locator(FORM_ERRORS)).to_be_visible()
    check_page(page, "exit-close-refused", shots)
    assert case_state(server, case_pk) == "follow_up"
    assert follow_up_reviews(server, case_pk) == {}

    # Evaluate the measure.
    click_and_wait(page, evaluate)
    check_page(page, "exit-measure-evaluate", shots)
    page.locator("#id_outcome").fill(f"Målet er nådd ({token}).")
    page.locator("input[name=status][value=completed]").check()
    submit(page)
    expect(page).to_have_url(server.url(measures))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main table tbody tr").filter(has_text=goal)).to_contain_text(
        "Målet er nådd"
    )

    # Now it closes, and the reviews after exit are scheduled.
    page.goto(close)
    expect(page.locator('main a[href$="/evaluer/"]')).to_have_count(0)
    page.locator("#id_checklist_evaluation").fill("Sjekklisten ga god struktur (test).")
    page.locator("#id_evaluation").fill(f"Personen er i arbeid og har nytt nettverk ({token}).")
    page.locator("#id_review_on").fill(review_on)
    submit(page)
    expect(page).to_have_url(server.url(exit_))
    expect(page.locator(SUCCESS)).to_be_visible()
    assert case_state(server, case_pk) == "closed"
    reviews = follow_up_reviews(server, case_pk)
    assert sorted(reviews, key=int) == ["6", "12"], reviews
    review_6 = f"{exit_}oppfolging/{reviews['6'][0]}/"
    review_12 = f"{exit_}oppfolging/{reviews['12'][0]}/"
    listed = page.locator("section[aria-labelledby=reviews-heading] li")
    expect(listed).to_have_count(2)
    expect(listed.nth(0).locator(f'a[href="{review_6}"]')).to_have_count(1)
    expect(listed.nth(1).locator(f'a[href="{review_12}"]')).to_have_count(1)
    expect(page.locator(f'main a[href="{close}"]')).to_have_count(0)
    check_page(page, "exit-overview-closed", shots)

    # Six months on: the review is overdue, and the start page says so.
    shell(
        server,
        "import datetime, json\n"
        "from django.utils import timezone\n"
        "from tverrnett.exitwork.models import FollowUpReview\n"
        f"FollowUpReview.objects.filter(pk={reviews['6'][0]}).update(\n"
        "    due_on=timezone.localdate() - datetime.timedelta(days=1)\n"
        ")\n"
        "print(json.dumps(True))\n",
    )
    page.goto("/")
    start_reviews = page.locator("section[aria-labelledby=follow-up-reviews-heading]")
    link = start_reviews.locator(f'a[href="{review_6}"]')
    expect(link).to_be_visible()
    expect(
        start_reviews.locator("li")
        .filter(has=page.locator(f'a[href="{review_6}"]'))
        .locator(".ds-tag[data-color=danger]")
    ).to_have_count(1)
    expect(start_reviews.locator(f'a[href="{review_12}"]')).to_have_count(0)
    check_page(page, "exit-start-page-review", shots)

    # The review: refused without an outcome, then recorded.
    click_and_wait(page, link)
    expect(page).to_have_url(server.url(review_6))
    check_page(page, "exit-follow-up-review", shots)
    submit(page)
    expect(page).to_have_url(server.url(review_6))
    expect(page.locator("#id_outcome_error.ds-validation-message")).to_be_visible()
    expect(page.locator("#id_outcome")).to_have_attribute("aria-invalid", "true")
    check_page(page, "exit-follow-up-review-error", shots)
    outcome = f"Personen er fortsatt i jobb og har kontakt med familien ({token})."
    page.locator("#id_outcome").fill(outcome)
    submit(page)
    expect(page).to_have_url(server.url(exit_))
    expect(page.locator(SUCCESS)).to_be_visible()
    listed = page.locator("section[aria-labelledby=reviews-heading] li")
    expect(listed.nth(0)).to_contain_text(outcome)
    expect(page.locator(f'main a[href="{review_6}"]')).to_have_count(0)
    expect(page.locator(f'main a[href="{review_12}"]')).to_have_count(1)
    check_page(page, "exit-overview-reviewed", shots)
    page.goto("/")
    expect(page.locator(f'main a[href="{review_6}"]')).to_have_count(0)
    check_page(page, "exit-start-page-reviewed", shots)


def test_the_exit_pages_do_not_exist_for_outsiders(context, page, session_of, demo, shots):
    case = f"/saker/{demo['exit_case']}/"
    paths = [
        f"{case}exit/",
        f"{case}exit/sjekkliste/",
        f"{case}exit/bakgrunn/",
        f"{case}exit/rvts/",
        f"{case}exit/avslutt/",
    ]

    # The coordinator reaches them: the 404s below are about who asks.
    act_as(context, session_of, "slt.demo")
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"slt.demo {path}: {response.status}"

    # The school is not on the demo exit case's team; a voluntary organisation does no
    # case work at all.
    for username in ("skole.demo", "frivillig.demo"):
        act_as(context, session_of, username)
        for path in paths:
            response = page.goto(path)
            assert response.status == 404, f"{username} {path}: {response.status}"
            expect(page.locator('main a[href="/"]')).to_be_visible()
            expect(page.locator("main")).not_to_contain_text("Eksempel Exitsen")
        check_page(page, f"exit-outsider-404-{username.split('.')[0]}", shots)


def test_the_returnees_child_case_is_owned_by_child_welfare(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    # The returnee's own exit case: the demo's is only read.
    parent_pk = returnee_exit_case(server, demo, f"Exit Hjemvendt {token} (fiktiv)")
    parent = f"/saker/{parent_pk}/"
    exit_ = f"{parent}exit/"
    child_name = f"Barn Hjemvendt {token} (fiktiv)"
    observation = f"Barnet på seks år har vært i en leir i to år ({token})."
    today = datetime.date.today()
    act_as(context, session_of, "slt.demo")

    page.goto(exit_)
    children = page.locator("section[aria-labelledby=children-heading]")
    expect(children).to_be_visible()
    check_page(page, "exit-returnee-overview", shots)
    click_and_wait(page, children.locator(f'a[href="{exit_}barn/"]'))
    expect(page).to_have_url(server.url(f"{exit_}barn/"))
    expect(page.locator("main")).to_contain_text(CHILD_WELFARE)
    check_page(page, "exit-child-form", shots)

    # Telling child welfare is a disclosure: the basis, why, and its confirmations.
    page.locator("label", has_text="§ 13 b første ledd nr. 7").click()
    page.locator("#id_necessity_note").fill("Barnevernet må vurdere omsorgen (test).")
    for box in page.locator("input[name=confirmations]").all():
        box.check()
    # An adult is refused: a child case is for a child under 18.
    page.locator("#id_name").fill(child_name)
    page.locator("#id_birth_date").fill(today.replace(year=today.year - 20).isoformat())
    page.locator("#id_observation").fill(observation)
    submit(page)
    expect(page).to_have_url(server.url(f"{exit_}barn/"))
    expect(page.locator("#id_birth_date_error.ds-validation-message")).to_be_visible()
    check_page(page, "exit-child-form-error", shots)

    birth_date = (today - datetime.timedelta(days=6 * 365 + 30)).isoformat()
    page.locator("#id_birth_date").fill(birth_date)
    submit(page)
    expect(page).to_have_url(server.url(exit_))
    expect(page.locator(SUCCESS)).to_be_visible()
    child = shell(
        server,
        "import json\n"
        "from tverrnett.exitwork.models import ChildCaseLink\n"
        f"link = ChildCaseLink.objects.get(parent_case_id={parent_pk})\n"
        "print(json.dumps({'pk': link.child_case_id, 'reference': link.child_case.reference,\n"
        "    'name': link.child_case.subject.name}))\n",
    )
    assert child["name"] == child_name
    children = page.locator("section[aria-labelledby=children-heading]")
    expect(children.locator("li")).to_have_count(1)
    expect(children.locator("li")).to_contain_text(child["reference"])
    expect(children.locator("li")).to_contain_text(CHILD_WELFARE)
    # The link tells that the child's case exists; nothing in it.
    expect(page.locator("main")).not_to_contain_text(child_name)
    expect(page.locator(f'main a[href="/saker/{child["pk"]}/"]')).to_have_count(0)
    check_page(page, "exit-returnee-overview-child", shots)

    # The coordinator of the returnee's case cannot open the child's.
    child_case = f"/saker/{child['pk']}/"
    response = page.goto(child_case)
    assert response.status == 404, f"slt.demo {child_case}: {response.status}"
    check_page(page, "exit-child-case-404", shots)

    # Child welfare owns it, has the lead and may move it on.
    act_as(context, session_of, "barnevern.demo")
    response = page.goto(child_case)
    assert response.status == 200, f"barnevern.demo {child_case}: {response.status}"
    expect(page.locator("h1")).to_contain_text(child_name)
    expect(page.locator("main")).to_contain_text(observation)
    team = page.locator("section[aria-labelledby=team-heading] table tbody tr")
    expect(team).to_have_count(1)
    expect(team).to_contain_text(CHILD_WELFARE)
    expect(team.locator(".ds-tag[data-color=accent]")).to_have_count(1)
    expect(page.locator(f'main a[href="{child_case}status/"]')).to_be_visible()
    check_page(page, "exit-child-case", shots)
