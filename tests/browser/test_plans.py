"""Individual plans on a concern case: the coordinator reaches the plan from the case page,
is sent to prepare a consent that allows a plan, records it as given and makes the plan;
finalising is refused while sections are missing; the sections, the person's own goal, a
measure and a revision date are filled in and version 1 is finalised; Nav writes its own
part and may not edit the rest; the coordinator revises the plan into version 2, compares
the versions, opens the meeting view and the PDF. A second plan for the same person is
refused with a link to the first; the plan does not exist for agencies outside it; a
revision date that has passed shows on the coordinator's start page. Every page is
checked with axe, at desktop width and at 320 px.

The interface texts are being translated, so elements are found by id, name, URL or
role, never by their visible text. Texts the test or the demo data writes are fine to
look for.

Each test makes the cases and plans it changes, so the tests do not depend on each
other's order. The demo's plan ("Eksempel Exitsen (fiktiv)") is only read; the second
case made for its person is moved to a person of its own afterwards (see
`second_case_of_the_demo_person`).
"""

import datetime
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import act_as, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

DEMO_PERSON = "Eksempel Exitsen (fiktiv)"
SLT = "Drammen kommune – SLT"
NAV = "Nav Drammen"
DEMO_IDS = f"""
import json
from tverrnett.agencies.models import Agency
from tverrnett.cases.models import ConcernCase
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import Role
from tverrnett.plans.models import IndividualPlan
drammen = Municipality.objects.get(number="3301")
plan = IndividualPlan.objects.get(
    person__name={DEMO_PERSON!r}, status__in=["draft", "active"]
)
print(json.dumps({{
    "network": ConcernCase.objects.get(subject__name="Demo Demosen (fiktiv)").network_id,
    "municipality": drammen.pk,
    "slt_role": Role.objects.get(kind="slt_coordinator", municipality=drammen).pk,
    "nav": Agency.objects.get(name={NAV!r}).pk,
    "plan": plan.pk,
    "plan_case": plan.case_id,
}}))
"""
# The acting user, as the demo seeding does: the services act for users who passed both
# factors, and a manage.py shell has no login.
AS_SLT = """
import datetime, json
from django.contrib.auth import get_user_model
from django.utils import timezone
from tverrnett.agencies.models import Agency
from tverrnett.cases import services as case_services
from tverrnett.cases.models import ConcernCase
from tverrnett.consent import services as consent_services
from tverrnett.plans import services as plan_services
from tverrnett.plans.models import IndividualPlan
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
today = timezone.localdate()
"""
SUCCESS = ".tn-messages .ds-alert[data-color=success]"
ERROR = ".tn-messages .ds-alert[data-color=danger][role=alert]"
MISSING = "main > .ds-alert[data-color=warning] li"
MISSING_TAGS = "main .tn-plan-section h2 .ds-tag[data-color=warning]"
SECTIONS = 9
SECTIONS_MISSING_IN_A_NEW_PLAN = 7  # all but the coordinator and the consent


@pytest.fixture(scope="module")
def demo(server):
    """Primary keys of the demo's network, Drammen, its SLT role, Nav Drammen and the demo
    plan with its case."""
    return shell(server, DEMO_IDS)


def adult_case_with_nav(server, demo, name):
    """An adult's identified case registered by slt.demo, Nav Drammen on its team; its pk."""
    return shell(
        server,
        AS_SLT + "from tverrnett.geography.models import Municipality\n"
        "from tverrnett.networks.models import Network, Role\n"
        "case = case_services.register_concern(\n"
        f"    slt, Agency.objects.get(name={SLT!r}),\n"
        f"    network=Network.objects.get(pk={demo['network']}), audience='adults',\n"
        f"    municipality=Municipality.objects.get(pk={demo['municipality']}),\n"
        f"    coordinator_role=Role.objects.get(pk={demo['slt_role']}),\n"
        "    observation='Ønsker hjelp til arbeid og bolig etter soning (test).',\n"
        "    observed_by='Nav-veileder', source='other_agency', urgency='soon',\n"
        f"    person={{'name': {name!r}, 'birth_year': today.year - 29}},\n"
        ")\n"
        "case_services.add_team_member(\n"
        f"    slt, case, agency=Agency.objects.get(pk={demo['nav']}),\n"
        "    contact_name='Nils Demo (Nav)',\n"
        ")\n"
        "print(json.dumps(case.pk))\n",
    )


# A consent to a plan on `case`, given orally, naming `recipients` (agency pks).
GIVEN_PLAN_CONSENT = """
consent = consent_services.prepare_consent(
    slt, case, consenter_name=case.subject.name, capacity='the_person',
    purpose='En individuell plan for arbeid og bolig (test).',
    categories=['personal_details', 'measures'],
    recipients=list(Agency.objects.filter(pk__in=recipients)),
    starts_on=today, ends_on=today + datetime.timedelta(days=365),
    individual_plan=True, plan_confidential_access=True,
    language='norsk', interpreter_used=False,
)
consent_services.record_consent_answer(
    slt, consent, decision='given', form='oral',
    oral_recorded_by='SLT-koordinator (test)', oral_record_reference='Notat (test)',
)
"""


def finalised_plan(server, case_pk, nav_pk, goal):
    """A plan on the case, every section filled in and version 1 finalised, as slt.demo,
    with one revision date in 90 days; (plan pk, revision pk)."""
    return shell(
        server,
        AS_SLT + f"case = ConcernCase.objects.get(pk={case_pk})\n"
        f"recipients = [{nav_pk}]\n"
        + GIVEN_PLAN_CONSENT
        + "plan = plan_services.create_plan(slt, case, consent=consent)\n"
        "plan_services.change_plan(\n"
        "    slt, plan, version=plan.version,\n"
        "    overview='Trenger arbeid og bolig (test).',\n"
        "    participation='Personen deltar på alle planmøter (test).',\n"
        "    follow_up='Planmøte hver tredje måned (test).',\n"
        "    if_service_declined='Resten av planen fortsetter (test).',\n"
        "    period_start=today, period_end=today + datetime.timedelta(days=365),\n"
        ")\n"
        f"plan_services.add_goal(slt, plan, text={goal!r}, by_person=True)\n"
        "plan_services.add_plan_measure(\n"
        "    slt, plan, description='Arbeidstrening (test)',\n"
        f"    responsible_agency=Agency.objects.get(pk={nav_pk}),\n"
        "    extent='To dager i uken', timing='Fra neste måned',\n"
        ")\n"
        "revision = plan_services.add_revision(\n"
        "    slt, plan, due_on=today + datetime.timedelta(days=90)\n"
        ")\n"
        "plan_services.finalise(slt, plan, version=plan.version)\n"
        "print(json.dumps([plan.pk, revision.pk]))\n",
    )


def version_numbers(server, plan_pk):
    return shell(
        server,
        "import json\n"
        "from tverrnett.plans.models import PlanVersion\n"
        "print(json.dumps(sorted(PlanVersion.objects.filter(\n"
        f"    plan_id={plan_pk}).values_list('number', flat=True))))\n",
    )


def current_plans_of_person_of(server, case_pk):
    return shell(
        server,
        "import json\n"
        "from tverrnett.cases.models import ConcernCase\n"
        "from tverrnett.plans.models import IndividualPlan\n"
        f"person = ConcernCase.objects.get(pk={case_pk}).subject\n"
        "print(json.dumps(list(IndividualPlan.objects.filter(\n"
        "    person=person, status__in=['draft', 'active']).values_list('pk', flat=True))))\n",
    )


def finalise(page):
    """Press the plan page's finalise button and wait for the plan page again."""
    click_and_wait(page, page.locator("main form[action$='/fastsett/'] button[type=submit]"))


def test_a_plan_is_created_filled_finalised_and_revised(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    name = f"Ida Testplan {token} (fiktiv)"
    case_pk = adult_case_with_nav(server, demo, name)
    case = f"/saker/{case_pk}/"
    today = datetime.date.today()
    act_as(context, session_of, "slt.demo")

    # The case page links to the person's plan, which does not exist yet: the page to
    # make one, which without a consent to a plan only points to preparing one.
    page.goto(case)
    plan_link = page.locator(f'main a[href="{case}plan/"]')
    expect(plan_link).to_be_visible()
    check_page(page, "plan-case", shots)
    click_and_wait(page, plan_link)
    expect(page).to_have_url(server.url(f"{case}plan/ny/"))
    expect(page.locator("main form.tn-form")).to_have_count(0)
    prepare = page.locator(f'main .ds-alert[data-color=warning] a[href="{case}samtykke/ny/"]')
    expect(prepare).to_be_visible()
    check_page(page, "plan-create-no-consent", shots)

    # The consent: the person's own, naming Nav, with both of the plan's statements.
    click_and_wait(page, prepare)
    expect(page).to_have_url(server.url(f"{case}samtykke/ny/"))
    expect(page.locator("#id_individual_plan")).not_to_be_checked()
    expect(page.locator("#id_plan_confidential_access")).not_to_be_checked()
    check_page(page, "plan-consent-prepare", shots)
    purpose = f"En individuell plan for arbeid og bolig ({token})."
    page.locator("#id_consenter_name").fill(name)
    page.locator("input[name=capacity][value=the_person]").check()
    page.locator("#id_purpose").fill(purpose)
    page.locator("input[name=categories][value=personal_details]").check()
    page.locator("input[name=categories][value=measures]").check()
    page.locator(f"input[name=recipients][value='{demo['nav']}']").check()
    expect(page.locator("#id_starts_on")).not_to_have_value("")  # The server's today.
    page.locator("#id_ends_on").fill((today + datetime.timedelta(days=365)).isoformat())
    page.locator("#id_individual_plan").check()
    page.locator("#id_plan_confidential_access").check()
    page.locator("#id_language").fill("norsk")
    submit(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}samtykke/\d+/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    consent = page.url.removeprefix(server.base_url)
    consent_pk = int(consent.strip("/").split("/")[-1])
    expect(page.locator("main")).to_contain_text(purpose)
    check_page(page, "plan-consent-prepared", shots)

    # Given orally.
    click_and_wait(page, page.locator(f'main a[href="{consent}svar/"]'))
    check_page(page, "plan-consent-answer", shots)
    page.locator("input[name=decision][value=given]").check()
    page.locator("input[name=form][value=oral]").check()
    page.locator("#id_oral_recorded_by").fill("Siri Demo (SLT)")
    page.locator("#id_oral_record_reference").fill(f"Planmøte, notat i kommunens journal ({token})")
    submit(page)
    expect(page).to_have_url(server.url(consent))
    expect(page.locator(SUCCESS)).to_be_visible()

    # Now the plan can be made under it.
    page.goto(case)
    click_and_wait(page, page.locator(f'main a[href="{case}plan/"]'))
    expect(page).to_have_url(server.url(f"{case}plan/ny/"))
    choice = page.locator(f"input[name=consent][value='{consent_pk}']")
    expect(choice).to_have_count(1)
    expect(page.locator("form.tn-form input:checked")).to_have_count(0)
    check_page(page, "plan-create", shots)
    choice.check()
    submit(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}plan/\d+/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    plan = page.url.removeprefix(server.base_url)
    plan_pk = int(plan.strip("/").split("/")[-1])
    expect(page.locator("main section[aria-labelledby^=section-]")).to_have_count(SECTIONS)
    missing = page.locator(MISSING)
    expect(missing).to_have_count(SECTIONS_MISSING_IN_A_NEW_PLAN)
    expect(page.locator(MISSING_TAGS)).to_have_count(SECTIONS_MISSING_IN_A_NEW_PLAN)
    check_page(page, "plan-draft", shots)
    # The case page's link now leads to the plan.
    page.goto(f"{case}plan/")
    expect(page).to_have_url(server.url(plan))

    # Finalising the empty plan is refused, naming every missing section; nothing is kept.
    labels = [label.strip() for label in missing.all_inner_texts()]
    finalise(page)
    expect(page).to_have_url(server.url(plan))
    refusal = page.locator(ERROR)
    expect(refusal).to_be_visible()
    for label in labels:
        expect(refusal).to_contain_text(label)
    expect(page.locator(SUCCESS)).to_have_count(0)
    check_page(page, "plan-finalise-refused", shots)
    assert version_numbers(server, plan_pk) == []

    # The sections written in words, the period and the internal note.
    internal = f"Nav har vedtak om arbeidsavklaringspenger ({token})."
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{plan}endre/"]'))
    expect(page).to_have_url(server.url(f"{plan}endre/"))
    check_page(page, "plan-edit", shots)
    page.locator("#id_overview").fill(f"Motivert, trenger arbeid og egen bolig ({token}).")
    page.locator("#id_participation").fill("Ida deltar på alle planmøter; Nav og SLT er med.")
    page.locator("#id_period_start").fill(today.isoformat())
    page.locator("#id_period_end").fill((today + datetime.timedelta(days=365)).isoformat())
    page.locator("#id_follow_up").fill("Planmøte hver tredje måned, koordinatoren kaller inn.")
    page.locator("#id_if_service_declined").fill("Resten av planen fortsetter som før.")
    page.locator("#id_internal_note").fill(internal)
    submit(page)
    expect(page).to_have_url(server.url(plan))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator("main")).to_contain_text(internal)
    expect(missing).to_have_count(3)  # own goals, measures, revision dates

    # The person's own goal, in their own words.
    own_goal = f"Jeg vil ha en jobb der jeg får bruke hendene ({token})."
    own_goals = page.locator("section[aria-labelledby=section-own_goals]")
    click_and_wait(page, own_goals.locator(f'a[href="{plan}mal/nytt/"]'))
    expect(page.locator("#id_by_person")).not_to_be_checked()
    check_page(page, "plan-goal-form", shots)
    page.locator("#id_text").fill(own_goal)
    page.locator("#id_by_person").check()
    submit(page)
    expect(page).to_have_url(server.url(f"{plan}#section-own_goals"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(own_goals.locator(".tn-plan-goal--own")).to_have_count(1)
    expect(own_goals.locator(".tn-plan-goal--own")).to_contain_text(own_goal)

    # A measure: Nav responsible, how much and when.
    measure = f"Arbeidstrening på verksted ({token})"
    old_extent, new_extent = "To dager i uken", "Tre dager i uken"
    measures = page.locator("section[aria-labelledby=section-measures]")
    click_and_wait(page, measures.locator(f'a[href="{plan}tiltak/nytt/"]'))
    check_page(page, "plan-measure-form", shots)
    page.locator("#id_description").fill(measure)
    page.locator("#id_responsible_agency").select_option(str(demo["nav"]))
    page.locator("#id_extent").fill(old_extent)
    page.locator("#id_timing").fill("Fra neste måned til sommeren")
    submit(page)
    expect(page).to_have_url(server.url(f"{plan}#section-measures"))
    expect(page.locator(SUCCESS)).to_be_visible()
    row = measures.locator("table tbody tr").filter(has_text=measure)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(NAV)
    expect(row).to_contain_text(old_extent)

    # A revision date inside the period.
    period = page.locator("section[aria-labelledby=section-period]")
    click_and_wait(page, period.locator(f'a[href="{plan}revisjon/ny/"]'))
    check_page(page, "plan-revision-form", shots)
    page.locator("#id_due_on").fill((today + datetime.timedelta(days=90)).isoformat())
    submit(page)
    expect(page).to_have_url(server.url(f"{plan}#section-period"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(period.locator("li")).to_have_count(1)

    # Every section filled in: version 1.
    expect(missing).to_have_count(0)
    expect(page.locator(MISSING_TAGS)).to_have_count(0)
    check_page(page, "plan-complete", shots)
    finalise(page)
    expect(page).to_have_url(server.url(plan))
    expect(page.locator(SUCCESS)).to_be_visible()
    versions = page.locator("section[aria-labelledby=versions-heading] table tbody tr")
    expect(versions).to_have_count(1)
    expect(versions.locator(f'a[href="{plan}versjoner/1/"]')).to_have_count(1)
    check_page(page, "plan-version-1-finalised", shots)
    assert version_numbers(server, plan_pk) == [1]
    click_and_wait(page, versions.locator(f'a[href="{plan}versjoner/1/"]'))
    expect(page).to_have_url(server.url(f"{plan}versjoner/1/"))
    expect(page.locator("main")).to_contain_text(own_goal)
    expect(page.locator("main")).to_contain_text(old_extent)
    check_page(page, "plan-version-1", shots)

    # Nav writes its own part, and may not edit the rest.
    nav_part = f"Nav følger opp arbeidstreningen og søknad om bostøtte ({token})."
    act_as(context, session_of, "nav.demo")
    page.goto(plan)
    expect(page.locator(f'main a[href="{plan}endre/"]')).to_have_count(0)
    expect(page.locator("main form[action$='/fastsett/']")).to_have_count(0)
    # The internal note is for the plan's services, Nav among them.
    expect(page.locator("main")).to_contain_text(internal)
    part_form = page.locator(f"main form.tn-form[action='{plan}bidrag/']")
    expect(part_form).to_have_count(1)
    check_page(page, "plan-nav", shots)
    page.locator(f"#contribution-{demo['nav']}-text").fill(nav_part)
    click_and_wait(page, part_form.locator("button[type=submit]"))
    expect(page).to_have_url(server.url(f"{plan}#contributions-heading"))
    expect(page.locator(SUCCESS)).to_be_visible()
    parts = page.locator("section[aria-labelledby=contributions-heading]")
    expect(parts.locator("article").filter(has_text=nav_part)).to_contain_text(NAV)
    check_page(page, "plan-nav-part-saved", shots)
    response = page.goto(f"{plan}endre/")
    assert response.status == 403, f"nav.demo {plan}endre/: {response.status}"
    check_page(page, "plan-nav-edit-403", shots)

    # The coordinator revises: a new goal, and the measure's extent changed.
    new_goal = f"Stabil økonomi innen ett år ({token})."
    act_as(context, session_of, "slt.demo")
    page.goto(plan)
    click_and_wait(page, own_goals.locator(f'a[href="{plan}mal/nytt/"]'))
    page.locator("#id_text").fill(new_goal)
    submit(page)
    expect(page).to_have_url(server.url(f"{plan}#section-own_goals"))
    expect(own_goals).to_contain_text(new_goal)
    expect(own_goals.locator(".tn-plan-goal--own")).not_to_contain_text(new_goal)
    change = row.locator(f'a[href^="{plan}tiltak/"][href$="/endre/"]')
    expect(change).to_have_count(1)
    click_and_wait(page, change)
    expect(page.locator("#id_extent")).to_have_value(old_extent)
    expect(page.locator("#id_responsible_agency")).to_have_value(str(demo["nav"]))
    check_page(page, "plan-measure-change", shots)
    page.locator("#id_extent").fill(new_extent)
    submit(page)
    expect(page).to_have_url(server.url(f"{plan}#section-measures"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(row).to_contain_text(new_extent)
    finalise(page)
    expect(page).to_have_url(server.url(plan))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(versions).to_have_count(2)
    check_page(page, "plan-version-2-finalised", shots)
    assert version_numbers(server, plan_pk) == [1, 2]

    # What changed from version 1 to 2.
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{plan}sammenlign/"]'))
    expect(page).to_have_url(server.url(f"{plan}sammenlign/"))
    expect(page.locator("#id_fra")).to_have_value("1")
    expect(page.locator("#id_til")).to_have_value("2")
    goals_changed = page.locator("section[aria-labelledby=changed-goals-heading]")
    expect(goals_changed).to_contain_text(new_goal)
    expect(goals_changed).not_to_contain_text(own_goal)
    measures_changed = page.locator("section[aria-labelledby=changed-measures-heading]")
    expect(measures_changed.locator("dl dd")).to_have_count(2)
    expect(measures_changed.locator("dl dd").nth(0)).to_contain_text(old_extent)
    expect(measures_changed.locator("dl dd").nth(1)).to_contain_text(new_extent)
    # Nav's part came after version 1.
    expect(page.locator("section[aria-labelledby=changed-contributions-heading]")).to_contain_text(
        nav_part
    )
    check_page(page, "plan-compare", shots)

    # The meeting view: large type, the person's goals, nothing internal.
    page.goto(plan)
    click_and_wait(page, page.locator(f'main .tn-case-actions a[href="{plan}mote/"]'))
    expect(page).to_have_url(server.url(f"{plan}mote/"))
    large = page.locator("main .tn-plan-large")
    expect(large).to_contain_text(own_goal)
    expect(large).to_contain_text(new_extent)
    expect(page.locator("main")).not_to_contain_text(internal)
    expect(page.locator("main form")).to_have_count(0)
    body_size = large.locator(".ds-paragraph").first.evaluate(
        "element => parseFloat(getComputedStyle(element).fontSize)"
    )
    assert body_size >= 20, f"the meeting view's body text is {body_size} px"
    check_page(page, "plan-participation", shots)

    # The PDF, of the plan as it is and of version 1.
    page.goto(plan)
    pdf_href = f"{plan}individuell-plan.pdf"
    expect(page.locator(f'main .tn-case-actions a[href="{pdf_href}"]')).to_have_count(1)
    for path in (pdf_href, f"{pdf_href}?versjon=1"):
        response = page.request.get(server.url(path))
        assert response.status == 200, f"{path}: {response.status}"
        assert response.headers["content-type"] == "application/pdf", response.headers
        assert response.body().startswith(b"%PDF"), path


@pytest.fixture
def second_case_of_the_demo_person(server, demo):
    """A second open case for the person of the demo plan (its fields copied from the
    demo's exit case), with a consent that allows a plan; its pk.

    test_exitwork.py finds the demo exit case by the person's name with .get(): afterwards
    the second case is moved to a person of its own, so that one case is found again."""
    case_pk = shell(
        server,
        AS_SLT + "from tverrnett.cases.models import TeamMember\n"
        f"first = ConcernCase.objects.get(pk={demo['plan_case']})\n"
        "case = ConcernCase.objects.create(\n"
        "    subject=first.subject, created_by=slt,\n"
        "    observation='Ny bekymring om samme person (test).',\n"
        "    **{name: getattr(first, name) for name in (\n"
        "        'state', 'network', 'forum', 'audience', 'municipality', 'coordinator_role',\n"
        "        'observed_by', 'observed_on', 'source', 'urgency', 'created_agency',\n"
        "    )},\n"
        ")\n"
        "TeamMember.objects.create(\n"
        "    case=case, agency=case.coordinator_role.agency, contact_name='Siri Demo',\n"
        "    has_lead=True,\n"
        ")\n"
        "recipients = [case.coordinator_role.agency_id]\n"
        + GIVEN_PLAN_CONSENT
        + "print(json.dumps(case.pk))\n",
    )
    yield case_pk
    shell(
        server,
        "import json\n"
        "from tverrnett.cases.models import ConcernCase, Person\n"
        "person = Person.objects.create(name='Annen sak (fiktiv, test)', birth_year=1990)\n"
        f"ConcernCase.objects.filter(pk={case_pk}).update(subject=person)\n"
        "print(json.dumps(True))\n",
    )


def test_a_second_plan_for_the_same_person_is_refused_with_a_link_to_the_first(
    context, page, server, session_of, demo, second_case_of_the_demo_person, shots
):
    case_pk = second_case_of_the_demo_person
    create = f"/saker/{case_pk}/plan/ny/"
    first_plan = f"/saker/{demo['plan_case']}/plan/{demo['plan']}/"
    act_as(context, session_of, "slt.demo")

    # The case page's link finds the person's plan on the other case.
    page.goto(f"/saker/{case_pk}/")
    click_and_wait(page, page.locator(f'main a[href="/saker/{case_pk}/plan/"]'))
    expect(page).to_have_url(server.url(first_plan))

    # The page to make one says so at once, links to it and offers no form.
    page.goto(create)
    refusal = page.locator("main .ds-alert[data-color=warning][role=alert]")
    expect(refusal.locator(f'a[href="{first_plan}"]')).to_be_visible()
    expect(page.locator("main form.tn-form")).to_have_count(0)
    check_page(page, "plan-second-refused", shots)

    # A form sent anyway (opened before the first plan was made) gets the same answer.
    consent_pk = shell(
        server,
        "import json\n"
        "from tverrnett.consent.models import Consent\n"
        f"print(json.dumps(Consent.objects.get(case_id={case_pk}).pk))\n",
    )
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        server.url(create),
        form={"csrfmiddlewaretoken": token, "consent": str(consent_pk)},
        headers={"Referer": server.url(create)},
    )
    assert response.status == 200, response.status
    assert f'href="{first_plan}"' in response.text()
    assert current_plans_of_person_of(server, case_pk) == [demo["plan"]]


def test_plans_do_not_exist_for_outsiders(context, page, server, session_of, demo, shots):
    plan = f"/saker/{demo['plan_case']}/plan/{demo['plan']}/"
    paths = [plan, f"{plan}mote/", f"{plan}individuell-plan.pdf"]

    # The coordinator reaches them: the 404s below are about who asks.
    act_as(context, session_of, "slt.demo")
    for path in paths:
        response = page.request.get(server.url(path))
        assert response.status == 200, f"slt.demo {path}: {response.status}"

    # The school is not on the demo exit case's team; a voluntary organisation does no
    # case work at all.
    for username in ("skole.demo", "frivillig.demo"):
        act_as(context, session_of, username)
        for path in paths:
            response = page.request.get(server.url(path))
            assert response.status == 404, f"{username} {path}: {response.status}"
            assert DEMO_PERSON not in response.text()
        page.goto(plan)
        expect(page.locator('main a[href="/"]')).to_be_visible()
        check_page(page, f"plan-outsider-404-{username.split('.')[0]}", shots)


def test_the_start_page_shows_a_plan_past_its_revision_date(
    context, page, server, session_of, demo, shots
):
    token = secrets.token_hex(3)
    case_pk = adult_case_with_nav(server, demo, f"Rolf Testrevisjon {token} (fiktiv)")
    goal = f"Jeg vil fullføre fagbrevet ({token})."
    plan_pk, revision_pk = finalised_plan(server, case_pk, demo["nav"], goal)
    plan = f"/saker/{case_pk}/plan/{plan_pk}/"
    act_as(context, session_of, "slt.demo")

    # Before the date: not on the start page.
    page.goto("/")
    expect(page.locator(f'main a[href="{plan}"]')).to_have_count(0)

    # The revision date has passed without a new version.
    shell(
        server,
        "import datetime, json\n"
        "from django.utils import timezone\n"
        "from tverrnett.plans.models import PlanRevision\n"
        f"PlanRevision.objects.filter(pk={revision_pk}).update(\n"
        "    due_on=timezone.localdate() - datetime.timedelta(days=1)\n"
        ")\n"
        "print(json.dumps(True))\n",
    )
    page.goto("/")
    overdue = page.locator("section[aria-labelledby=overdue-revisions-heading] li").filter(
        has=page.locator(f'a[href="{plan}"]')
    )
    expect(overdue).to_have_count(1)
    expect(overdue.locator(".ds-tag[data-color=danger]")).to_have_count(1)
    check_page(page, "plan-start-page-overdue", shots)

    click_and_wait(page, overdue.locator(f'a[href="{plan}"]'))
    expect(page).to_have_url(server.url(plan))
    expect(page.locator("main")).to_contain_text(goal)
    period = page.locator("section[aria-labelledby=section-period]")
    expect(period.locator(".ds-tag[data-color=danger]")).to_have_count(1)
    check_page(page, "plan-overdue", shots)
