"""A fictional exit case for `seed_demo`: an adult returnee in Drammen who wants help to
leave, with exit work under way (some steps done, background and motivation written by
the SLT coordinator and the police). Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases import services as case_services
from tverrnett.cases.models import (
    CasePart,
    CaseState,
    ConcernCase,
    Confidentiality,
    Source,
    StepStatus,
    Urgency,
)
from tverrnett.consent import services as consent_services
from tverrnett.consent.models import LegalBasis
from tverrnett.conversations import services as conversation_services
from tverrnett.conversations.models import ContactChannel
from tverrnett.exitwork import services
from tverrnett.exitwork.models import ExitWork
from tverrnett.geography.services import resolve_municipality
from tverrnett.measures import services as measure_services
from tverrnett.measures.models import MeasureStatus, MeasureType
from tverrnett.networks.models import ForumAudience, Network, NetworkLevel, Role, RoleKind

PERSON = "Eksempel Exitsen (fiktiv)"


def seed_exit_work(agencies, users):
    if ExitWork.objects.exists() or ConcernCase.objects.filter(subject__name=PERSON).exists():
        return  # Safe to run again: made once.
    network = Network.objects.filter(
        level=NetworkLevel.MUNICIPAL, members__agency=agencies["Drammen kommune – SLT"]
    ).first()
    if network is None:
        return
    drammen = resolve_municipality("3301")
    slt_role = Role.objects.get(kind=RoleKind.SLT_COORDINATOR, municipality=drammen)
    slt, police = users["slt.demo"], users["politi.demo"]
    for user in (slt, police):
        user.is_verified = lambda: True  # development-only seeding acts for the demo users
    today = timezone.localdate()
    case = case_services.register_concern(
        slt,
        agencies["Drammen kommune – SLT"],
        network=network,
        audience=ForumAudience.ADULTS,
        municipality=drammen,
        coordinator_role=slt_role,
        observation="Personen tok selv kontakt med Nav-veileder etter hjemkomst og sier han "
        "vil ut av miljøet han har vært en del av, men er redd for reaksjonene.",
        observed_by="Nav-veileder",
        observed_on=today - datetime.timedelta(days=30),
        source=Source.THE_PERSON,
        urgency=Urgency.SOON,
        person={"name": PERSON, "birth_year": today.year - 27},
    )
    case_services.change_state(slt, case, CaseState.SECURITY_CLARIFICATION, version=case.version)
    case_services.record_security_clarification(
        slt,
        case,
        version=case.version,
        answers={
            "police_contact_consulted": "yes",
            "police_contact_note": "Radikaliseringskontakten kjenner saken og deltar i teamet.",
            "pst_to_be_told": "no",
            "pst_note": "PST er orientert av politiet; ingen ny informasjon.",
            "child_welfare_duty": "no",
            "child_welfare_reasoning": "Personen er voksen. Barna følges i egen sak.",
            "averting_duty": "no",
            "averting_reasoning": "Ingen opplysninger om planlagte handlinger.",
        },
    )
    case_services.change_state(slt, case, CaseState.MAPPING, version=case.version)
    services.start_exit_work(slt, case, is_returnee=True)
    item = services.step_item(case, 1)
    case_services.set_checklist_status(
        slt,
        item,
        status=StepStatus.DONE,
        version=item.version,
        note="Avklart med enhetsleder: SLT koordinerer, politiet har hovedansvar for trygghet.",
    )
    item = services.step_item(case, 2)
    case_services.set_checklist_status(
        slt,
        item,
        status=StepStatus.IN_PROGRESS,
        version=item.version,
        note="Skisse til plan er under arbeid.",
    )
    services.add_police_contact(slt, case)
    # Joining the team opened nothing: the SLT opens the case to the police under the
    # duty-of-confidentiality exception for preventing crime (fvl. § 13 b nr. 6).
    consent_services.open_case_to(
        slt,
        case,
        recipient=agencies["Sør-Øst politidistrikt"],
        parts=CasePart.values,
        purpose="Politiets radikaliseringskontakt deltar i exit-arbeidet og sikkerhetsvurderingen.",
        legal_basis=LegalBasis.objects.get(code="fvl-13b-6"),
        necessity_note="Politiet må kjenne personen og saken for å vurdere trusler og gi råd "
        "om trygg retur.",
    )
    services.write_background(
        slt,
        case,
        topic="push",
        factor="exclusion",
        text="Falt ut av videregående og hadde lite nettverk før han reiste.",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    services.write_background(
        slt,
        case,
        topic="motivation",
        factor="family",
        text="Vil være en god far for barna sine og ha et vanlig liv.",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    services.write_background(
        police,
        case,
        topic="resistance",
        factor="reprisals",
        text="Frykter reaksjoner fra tidligere venner i miljøet.",
        confidentiality=Confidentiality.CONFIDENTIAL,
        police_verification="unverified",
    )
    # NAV comes in for work and housing (step 5), with a measure past planning.
    services.start_nav_cooperation(slt, case)
    consent_services.open_case_to(
        slt,
        case,
        recipient=agencies["Nav Drammen"],
        parts=[CasePart.IDENTITY, CasePart.SUMMARY, CasePart.TASKS, CasePart.MEASURES],
        purpose="Nav har ansvar for arbeid og bolig i exit-arbeidet.",
        legal_basis=LegalBasis.objects.get(code="fvl-13b-7"),
        necessity_note="Nav trenger å vite hvem det gjelder og hva teamet har avtalt for å "
        "tilby arbeidstrening og bolig.",
        confirmations=["anonymised_not_enough", "minimum_information"],
    )
    measure_services.add_measure(
        slt,
        case,
        measure_type=MeasureType.objects.get(code="work_education_nav"),
        goal="Arbeidstrening tre dager i uken, med mål om fast jobb innen ett år.",
        responsible_agency=agencies["Nav Drammen"],
        contact_name="Nav-veileder (demo)",
        start_on=today - datetime.timedelta(days=10),
        status=MeasureStatus.ONGOING,
        evaluation_on=today + datetime.timedelta(days=50),
        person_view="Vil helst jobbe med hendene, gjerne på verksted.",
    )
    # Step 6: who meets him, and the first conversation, with an interpreter for his mother.
    conversation_services.add_contact_agreement(
        slt,
        case,
        agency=agencies["Drammen kommune – SLT"],
        contact_name="SLT-koordinator (demo)",
        channel=ContactChannel.IN_PERSON,
        when="Annenhver torsdag formiddag",
        next_contact_on=today + datetime.timedelta(days=6),
        where="Nav Drammen, møterom 2",
        not_to_contact="Ingen andre tar kontakt om miljøet uten avtale med koordinatoren.",
        note="Politiet deltar bare når han selv ønsker det.",
        agreed_on=today,
    )
    planned_at = (timezone.localtime() + datetime.timedelta(days=6)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    conversation_services.plan_conversation(
        slt,
        case,
        is_first=True,
        planned_at=planned_at,
        place="Nav Drammen, møterom 2",
        purpose="Bli enige om hva han ønsker hjelp til, og hvem som skal være med videre.",
        attendees="Eksempel Exitsen (fiktiv)\nSLT-koordinator (demo)\nNav-veileder (demo)",
        trusted_person="Mor (demo)",
        interpretation_needed=True,
        interpreter_language="arabisk",
    )
