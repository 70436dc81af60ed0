"""Fictional consent and sharing for `seed_demo`, on the demo cases: a consent from the
guardians of the young person in Drammen's case, one item shared under it with the
school, and the sports club named as a recipient (its user still has to accept the
confidentiality declaration). Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases import services as case_services
from tverrnett.cases.models import CasePart, ConcernCase, Guardian, InformationCategory
from tverrnett.consent import services
from tverrnett.consent.models import Consent, ConsentCapacity


def seed_consents(agencies, users):
    if Consent.objects.exists():
        return  # Safe to run again: made once.
    case = ConcernCase.objects.filter(subject__name="Demo Demosen (fiktiv)").first()
    if case is None:
        return
    slt = users["slt.demo"]
    slt.is_verified = lambda: True  # development-only seeding acts for the demo user
    today = timezone.localdate()
    mother = Guardian.objects.create(
        person=case.subject, name="Dina Demosen (fiktiv)", relation="Mor"
    )
    club = agencies["Fiktiv idrettsklubb (demo)"]
    school = agencies["Drammen videregående skole"]
    if not case.team.filter(agency=club).exists():
        case_services.add_team_member(slt, case, agency=club, contact_name="Trener (demo)")
    consent = services.prepare_consent(
        slt,
        case,
        consenter_name=mother.name,
        capacity=ConsentCapacity.GUARDIANS,
        guardians=[mother],
        child_views="Demo sier han vil fortsette på fotballaget og at treneren kan vite "
        "at han får hjelp.",
        purpose="Samordnet oppfølging mellom skole, SLT og idrettslaget, så Demo får riktig "
        "hjelp og kan fortsette på fotballaget.",
        categories=[InformationCategory.CONCERN, InformationCategory.MEASURES],
        recipients=[school, club],
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=20),
        language="norsk",
        interpreter_used=False,
    )
    services.record_consent_answer(
        slt,
        consent,
        decision="given",
        form="oral",
        oral_recorded_by="SLT-koordinator (demo)",
        oral_record_reference="Samtale med mor 26.11., notat i kommunens journal",
    )
    # The school joined the team with the reduced view; the guardians' consent covers the
    # concern and the measures, so that much opens to it (not who the boy is).
    services.open_case_to(
        slt,
        case,
        recipient=school,
        parts=[CasePart.INTAKE, CasePart.SUMMARY, CasePart.TASKS, CasePart.MEASURES],
        purpose="Skolen følger opp i klassen.",
        consent=consent,
    )
    entry = case.journal.filter(agency__name="Drammen kommune – SLT").first()
    if entry is not None:
        services.disclose(
            slt,
            case,
            items=[entry],
            recipient=school,
            purpose="Skolen følger opp i klassen og trenger å vite hva forumet ble enige om.",
            consent=consent,
        )
