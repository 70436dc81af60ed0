"""Joining the follow-up team is a disclosure (C1): slt.demo adds an agency to the demo
young person's case with no sharing yet, and its user sees the reduced view (the
reference, the coordinator, the team, what the agency is asked to contribute; nothing
about the person, and the person's and summary pages do not exist for it). The
coordinator then opens the case to it under a statutory basis (refused in Norwegian
until the necessity note is there), and the agency sees exactly the parts opened; a
second agency joins through the team form with a basis and parts; the consent overview
lists both team joins with their parts. On a new exit case the checklist's police
button leads on to the page that opens the case to the police. The demo school, to
which the guardians' consent opened the concern but not the identity, is told which
parts are open. Every page is checked with axe, at desktop width
and at 320 px.

The agencies, their user and the exit case are the module's own, so the demo's own
team, consents and disclosures stay as other browser modules expect them. The demo
young person's case gets two more team agencies and two disclosures to them; no other
module counts those.

Norwegian texts are looked for where the test is about them (the reduced view, the
validation errors, the overview's wording); everything else by id, name or URL.
"""

import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, act_as, shell, submit
from tests.browser.pagecheck import check_page, click_and_wait

pytestmark = pytest.mark.browser

# The module's own agencies: health services of Drammen, which § 13 b nr. 7 lets the
# SLT share with, and which no other browser module uses.
YOUTH_HEALTH = "Helsestasjon for ungdom Drammen (test)"
SCHOOL_HEALTH = "Skolehelsetjenesten Drammen (test)"
PERSON = "Demo Demosen (fiktiv)"
OBSERVATION = "Foresatte forteller at sønnen har trukket seg unna venner"
ASKED_FOR = "Råd om hvordan skolen kan snakke med eleven om søvn og stress (test)."
EXIT_PERSON = "Politi Knappesen (fiktiv)"
EXIT_OBSERVATION = "Ønsker hjelp til å komme seg ut av et ekstremt miljø (test)."
POLICE = "Sør-Øst politidistrikt"

SUCCESS = ".tn-messages .ds-alert[data-color=success]"
INFO_MESSAGE = ".tn-messages .ds-alert[data-color=info]"
REDUCED_ALERT = "main > .ds-alert[data-color=info]"
WITHHELD = "Ikke åpnet for din etat"
TEAM = "section[aria-labelledby=team-heading]"
CONCERN = "section[aria-labelledby=concern-heading]"
FACTS = "section[aria-labelledby=facts-heading]"
# The parts as the consent overview names them (lower case), and the team table's "Sees"
# column (short names).
IDENTITY_LABEL = "hvem personen er, og kontaktopplysninger"
INTAKE_LABEL = "bekymringen slik den ble registrert"
SEES_COLUMN = 4
REDUCED = "Begrenset innsyn"

SETUP = f"""
import json
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.cases import services as case_services
from tverrnett.cases.models import ConcernCase, Source, Urgency
from tverrnett.consent.models import LegalBasis
from tverrnett.exitwork import services as exit_services
from tverrnett.geography.models import Municipality
from tverrnett.networks.models import ForumAudience
drammen = Municipality.objects.get(number="3301")
agencies = {{}}
for name in ({YOUTH_HEALTH!r}, {SCHOOL_HEALTH!r}):
    agencies[name], _ = Agency.objects.get_or_create(
        name=name,
        defaults=dict(
            agency_type=AgencyType.HEALTH,
            municipality=drammen,
            police_district=drammen.police_district,
        ),
    )
user = get_user_model().objects.create_user(
    username=__USERNAME__, password={DEMO_PASSWORD!r}, first_name="Hanne", last_name="Helse (test)"
)
Membership.objects.create(
    user=user, agency=agencies[{YOUTH_HEALTH!r}], role=MembershipRole.CASE_WORKER
)
TOTPDevice.objects.create(user=user, name="Test", confirmed=True)

# An adult's case of the SLT's, in exit work, the police not yet on its team.
young = ConcernCase.objects.get(subject__name={PERSON!r})
slt = get_user_model().objects.get(username="slt.demo")
slt.is_verified = lambda: True
exit_case = case_services.register_concern(
    slt,
    Agency.objects.get(name="Drammen kommune – SLT"),
    network=young.network,
    audience=ForumAudience.ADULTS,
    municipality=drammen,
    coordinator_role=young.coordinator_role,
    observation={EXIT_OBSERVATION!r},
    source=Source.FAMILY,
    urgency=Urgency.ROUTINE,
    observed_by="Personen selv",
    person={{"name": {EXIT_PERSON!r}, "birth_year": 1990}},
)
exit_services.start_exit_work(slt, exit_case)
print(json.dumps({{
    "case": young.pk,
    "exit_case": exit_case.pk,
    "youth_health": agencies[{YOUTH_HEALTH!r}].pk,
    "school_health": agencies[{SCHOOL_HEALTH!r}].pk,
    "basis_13b6": LegalBasis.objects.get(code="fvl-13b-6").pk,
    "basis_13b7": LegalBasis.objects.get(code="fvl-13b-7").pk,
}}))
"""


@pytest.fixture(scope="module")
def demo(server):
    """The module's agencies, a user of the first, an exit case; the demo case's pk."""
    username = f"helse.{secrets.token_hex(3)}"
    ids = shell(server, SETUP.replace("__USERNAME__", repr(username)))
    return {**ids, "username": username}


def team_member_pk(server, case_pk, agency_pk):
    return shell(
        server,
        "import json\n"
        "from tverrnett.cases.models import TeamMember\n"
        f"print(json.dumps(TeamMember.objects.get(case_id={case_pk}, agency_id={agency_pk}).pk))\n",
    )


def team_row(page, agency):
    return page.locator(f"{TEAM} tbody tr", has_text=agency)


def sees(page, agency):
    """The team table's "Sees" cell for the agency (the coordinator's view)."""
    return team_row(page, agency).locator("td").nth(SEES_COLUMN)


def choose_basis(page, basis_pk, parts, purpose, necessity_note=""):
    """Fill in the opening fields (prefix "opening"): a statutory basis, every statement
    it asks for confirmed."""
    page.locator(f"input[name=opening-ground][value=basis-{basis_pk}]").check()
    for part in parts:
        page.locator(f"input[name=opening-parts][value={part}]").check()
    page.locator("#id_opening-purpose").fill(purpose)
    page.locator("#id_opening-necessity_note").fill(necessity_note)
    for box in page.locator("input[name=opening-confirmations]").all():
        box.check()


def test_an_agency_added_without_a_basis_sees_the_reduced_view(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['case']}/"
    act_as(context, session_of, "slt.demo")

    # The team form, from the case page; "no sharing yet" is the default ground.
    page.goto(case)
    click_and_wait(page, page.locator(f'main a[href="{case}team/"]'))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Legg til en etat i oppfølgingsteamet"
    )
    expect(page.locator("input[name=opening-ground][value=none]")).to_be_checked()
    expect(
        page.locator("fieldset", has=page.locator("input[name=opening-ground]"))
    ).to_contain_text("Ingen deling ennå: etaten blir bedt om å bidra uten å se personen")
    check_page(page, "team-join-form", shots)

    page.locator("#id_agency").select_option(label=YOUTH_HEALTH)
    page.locator("#id_contact_name").fill("Helsesykepleier (test)")
    page.locator("#id_asked_for").fill(ASKED_FOR)
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_contain_text("med begrenset innsyn")
    row = team_row(page, YOUTH_HEALTH)
    expect(row).to_contain_text("Helsesykepleier (test)")
    expect(row.locator(".ds-tag")).to_have_text(REDUCED)

    # The agency's user: the reduced view.
    act_as(context, session_of, demo["username"])
    page.goto(case)
    expect(page.get_by_role("heading", level=1)).not_to_contain_text(PERSON)
    expect(page.locator("main")).not_to_contain_text(PERSON)
    expect(page.locator("main")).not_to_contain_text(OBSERVATION)
    alert = page.locator(REDUCED_ALERT)
    expect(alert).to_contain_text("Etaten din er med i oppfølgingsteamet")
    expect(alert).to_contain_text(f"Etaten din er bedt om å bidra med: {ASKED_FOR}")
    # Who the person is, the case forum (young people or adults) and how the concern came
    # in (the intake's source) are withheld.
    expect(page.locator(FACTS).locator(".ds-tag", has_text=WITHHELD)).to_have_count(3)
    expect(page.locator("main")).not_to_contain_text("Familie eller venner")
    expect(page.locator("main")).not_to_contain_text("Samarbeidsforum for unge")
    expect(page.locator(CONCERN).locator(".ds-tag", has_text=WITHHELD)).to_have_count(2)
    # The coordination: the coordinator and the team.
    expect(page.locator(FACTS)).to_contain_text("Drammen kommune – SLT")
    expect(team_row(page, YOUTH_HEALTH)).to_be_visible()
    # No "Sees" column, no team changes: the agency does not manage the case.
    expect(page.locator(f"{TEAM} th", has_text="Ser")).to_have_count(0)
    expect(page.locator(f'main a[href="{case}team/"]')).to_have_count(0)
    check_page(page, "team-join-reduced-case", shots)

    # The person's and the summary's pages do not exist for it.
    for path in (f"{case}person/", f"{case}sammendrag/"):
        response = page.goto(path)
        assert response.status == 404, f"{path}: {response.status}"


def test_the_coordinator_opens_parts_of_the_case_under_a_basis(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['case']}/"
    act_as(context, session_of, "slt.demo")
    page.goto(case)
    # test_an_agency_added_without_a_basis... may have run before; if not, add the
    # agency the same way through the service, so this test stands on its own.
    if not team_row(page, YOUTH_HEALTH).count():
        shell(
            server,
            "import json\n"
            "from django.contrib.auth import get_user_model\n"
            "from tverrnett.agencies.models import Agency\n"
            "from tverrnett.cases.models import ConcernCase\n"
            "from tverrnett.consent import services\n"
            "slt = get_user_model().objects.get(username='slt.demo')\n"
            "slt.is_verified = lambda: True\n"
            "services.join_team(\n"
            f"    slt, ConcernCase.objects.get(pk={demo['case']}),\n"
            f"    agency=Agency.objects.get(pk={demo['youth_health']}),\n"
            f"    contact_name='Helsesykepleier (test)', asked_for={ASKED_FOR!r},\n"
            ")\n"
            "print(json.dumps(True))\n",
        )
        page.goto(case)
    member = team_member_pk(server, demo["case"], demo["youth_health"])
    open_path = f"{case}team/{member}/open/"

    # From the team table to the page that opens the case.
    click_and_wait(page, team_row(page, YOUTH_HEALTH).locator(f'a[href="{open_path}"]'))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Åpne saken for {YOUTH_HEALTH}")
    expect(page.locator("main")).to_contain_text(
        "Den har nå begrenset innsyn: ingenting om personen."
    )
    expect(page.locator("main")).to_contain_text(f"Bedt om å bidra med: {ASKED_FOR}")
    check_page(page, "team-join-open", shots)

    # Nothing chosen: the ground is required here (no "no sharing yet" on this page).
    expect(page.locator("input[name=opening-ground][value=none]")).to_have_count(0)
    submit(page)
    expect(page).to_have_url(server.url(open_path))
    expect(page.locator("#id_opening-ground_error")).to_have_text(
        "Velg et samtykke eller et rettslig grunnlag fra hjemmelskatalogen."
    )

    # § 13 b nr. 7 with parts and a purpose, but no necessity note.
    choose_basis(
        page,
        demo["basis_13b7"],
        ["identity", "intake"],
        purpose="Helsestasjonen skal gi råd til skolen om søvn og stress (test).",
    )
    submit(page)
    expect(page).to_have_url(server.url(open_path))
    expect(page.locator("#id_opening-necessity_note")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_opening-necessity_note_error")).to_have_text(
        "Forklar hvorfor det er nødvendig å dele opplysningene."
    )
    # What was chosen is kept.
    expect(page.locator(f"input[value=basis-{demo['basis_13b7']}]")).to_be_checked()
    expect(page.locator("input[name=opening-parts][value=identity]")).to_be_checked()
    check_page(page, "team-join-open-error", shots)

    page.locator("#id_opening-necessity_note").fill(
        "Fare for helsen: eleven sover lite og trekker seg unna (test)."
    )
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_contain_text(
        f"Saken er åpnet for {YOUTH_HEALTH}. Utleveringen er registrert."
    )
    expect(sees(page, YOUTH_HEALTH)).to_have_text(re.compile(r"^\s*person, bekymring"))
    page.locator(TEAM).screenshot(path=str(shots / "team-join-team-table.png"))

    # A second agency through the team form, with the basis and parts at once; the
    # parts are required with a basis.
    click_and_wait(page, page.locator(f'main a[href="{case}team/"]'))
    page.locator("#id_agency").select_option(label=SCHOOL_HEALTH)
    page.locator("#id_contact_name").fill("Skolehelsesykepleier (test)")
    page.locator(f"input[name=opening-ground][value=basis-{demo['basis_13b7']}]").check()
    page.locator("#id_opening-purpose").fill("Oppfølging av søvn på skolen (test).")
    submit(page)
    expect(page).to_have_url(server.url(f"{case}team/"))
    expect(page.locator("#id_opening-parts_error")).to_have_text("Velg hva etaten får se.")
    check_page(page, "team-join-form-error", shots)
    page.locator("input[name=opening-parts][value=intake]").check()
    page.locator("#id_opening-necessity_note").fill("Fare for helsen (test).")
    for box in page.locator("input[name=opening-confirmations]").all():
        box.check()
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_contain_text("utleveringen er registrert")
    expect(sees(page, SCHOOL_HEALTH)).to_have_text(re.compile(r"^\s*bekymring\w*\s*$"))
    check_page(page, "team-join-case-coordinator", shots)

    # The consent overview lists both team joins with their parts and the basis.
    page.goto(f"{case}samtykke/")
    disclosures = page.locator("section[aria-labelledby=disclosures-heading] tbody tr")
    opened = disclosures.filter(has_text=YOUTH_HEALTH)
    expect(opened).to_have_count(1)
    expect(opened).to_contain_text(f"Lagt til i teamet, åpnet: {IDENTITY_LABEL}, {INTAKE_LABEL}")
    expect(opened).to_contain_text("forvaltningsloven § 13 b første ledd nr. 7")
    joined = disclosures.filter(has_text=SCHOOL_HEALTH)
    expect(joined).to_have_count(1)
    expect(joined).to_contain_text(f"Lagt til i teamet, åpnet: {INTAKE_LABEL}")
    check_page(page, "team-join-consent-overview", shots)

    # The agency's user sees exactly what was opened: who and the concern, not the
    # summary, and no longer the reduced view's alert.
    act_as(context, session_of, demo["username"])
    page.goto(case)
    expect(page.get_by_role("heading", level=1)).to_contain_text(PERSON)
    expect(page.locator(FACTS)).to_contain_text(PERSON)
    expect(page.locator(CONCERN)).to_contain_text(OBSERVATION)
    expect(page.locator(FACTS)).to_contain_text("Familie eller venner")
    expect(page.locator(CONCERN).locator(".ds-tag", has_text=WITHHELD)).to_have_count(1)
    expect(page.locator(REDUCED_ALERT).filter(has_text="Etaten din er med i")).to_have_count(0)
    expect(page.locator(REDUCED_ALERT)).to_contain_text(
        re.compile(r"Deler av saken er åpnet for etaten din: person, bekymring")
    )
    check_page(page, "team-join-opened-case", shots)
    response = page.goto(f"{case}sammendrag/")
    assert response.status == 404, f"summary: {response.status}"


def test_the_exit_checklists_police_button_goes_on_to_opening_the_case(
    context, page, server, session_of, demo, shots
):
    case = f"/saker/{demo['exit_case']}/"
    checklist = f"{case}exit/sjekkliste/"
    act_as(context, session_of, "slt.demo")
    page.goto(checklist)
    click_and_wait(
        page, page.locator("#step-3 form[action$='/exit/politikontakt/'] button[type=submit]")
    )
    expect(page).to_have_url(re.compile(rf"{re.escape(case)}team/\d+/open/$"))
    expect(page.locator(SUCCESS)).to_be_visible()
    expect(page.locator(INFO_MESSAGE)).to_contain_text(f"{POLICE} ser ingenting om personen ennå")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Åpne saken for {POLICE}")
    check_page(page, "team-join-exit-police", shots)

    # § 13 b nr. 6: the SLT tells the police about the case (no statements to confirm).
    choose_basis(
        page,
        demo["basis_13b6"],
        ["identity", "intake"],
        purpose="Radikaliseringskontakten følger opp exitarbeidet (test).",
        necessity_note="Politiet må vite hvem det gjelder for å kunne bidra (test).",
    )
    submit(page)
    expect(page).to_have_url(server.url(case))
    expect(page.locator(SUCCESS)).to_contain_text(f"Saken er åpnet for {POLICE}.")
    expect(sees(page, POLICE)).to_have_text(re.compile(r"^\s*person, bekymring"))

    # Step 3 is done on the checklist.
    page.goto(checklist)
    expect(page.locator("#step-3 h2 .ds-tag[data-color=success]")).to_have_count(1)
    expect(page.locator("#step-3 form[action$='/exit/politikontakt/']")).to_have_count(0)


def test_the_school_sees_the_parts_the_guardians_consent_opened(
    context, page, session_of, demo, shots
):
    """The demo opened the concern, the summary, the tasks and the measures to the school
    under the guardians' consent, not who the boy is."""
    case = f"/saker/{demo['case']}/"
    act_as(context, session_of, "skole.demo")
    page.goto(case)
    expect(page.get_by_role("heading", level=1)).not_to_contain_text(PERSON)
    alert = page.locator(REDUCED_ALERT)
    expect(alert).to_contain_text("Deler av saken er åpnet for etaten din:")
    expect(alert).not_to_contain_text("saken er ikke åpnet for den")
    # The person and the case forum, which says the person is young.
    expect(page.locator(FACTS).locator(".ds-tag", has_text=WITHHELD)).to_have_count(2)
    expect(page.locator(CONCERN)).to_contain_text(OBSERVATION)
    expect(page.locator(CONCERN).locator(".ds-tag", has_text=WITHHELD)).to_have_count(0)
    check_page(page, "team-join-school-case", shots)
    response = page.goto(f"{case}person/")
    assert response.status == 404, f"person: {response.status}"
