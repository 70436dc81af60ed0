"""Fictional demo cases for `seed_demo`: one anonymous discussion and two identified
cases in Drammen's municipal network. Every person here is made up."""

import datetime

from django.utils import timezone

from tverrnett.cases import services
from tverrnett.cases.models import ConcernCase, Source, Urgency
from tverrnett.geography.services import resolve_municipality
from tverrnett.networks.models import ForumAudience, Network, NetworkLevel, Role, RoleKind


def seed_cases(agencies, users):
    if ConcernCase.objects.exists():
        return  # Safe to run again: demo cases are made once.
    network = Network.objects.filter(
        level=NetworkLevel.MUNICIPAL, members__agency=agencies["Drammen kommune – SLT"]
    ).first()
    if network is None:
        return
    drammen = resolve_municipality("3301")
    slt_role = Role.objects.get(kind=RoleKind.SLT_COORDINATOR, municipality=drammen)
    police_role = Role.objects.filter(
        kind=RoleKind.POLICE_RADICALISATION_CONTACT, police_district=drammen.police_district
    ).first()
    for user in users.values():
        # The services act for users who have passed both factors; the demo seeding is
        # a development-only command acting for them (refused unless DEBUG).
        user.is_verified = lambda: True
    slt, school = users["slt.demo"], users["skole.demo"]
    today = timezone.localdate()

    services.register_concern(
        school,
        agencies["Drammen videregående skole"],
        network=network,
        audience=ForumAudience.YOUTH,
        municipality=drammen,
        coordinator_role=slt_role,
        observation="En elev på vg1 har over flere uker delt voldsforherligende innhold "
        "i en klassechat og snakket om at «systemet må knuses».",
        observed_by="Kontaktlærer",
        observed_on=today - datetime.timedelta(days=5),
        source=Source.SOCIAL_MEDIA,
        urgency=Urgency.SOON,
        anonymous=True,
    )

    identified = services.register_concern(
        slt,
        agencies["Drammen kommune – SLT"],
        network=network,
        audience=ForumAudience.YOUTH,
        municipality=drammen,
        coordinator_role=slt_role,
        observation="Foresatte forteller at sønnen har trukket seg unna venner, bruker "
        "mye tid i lukkede nettfora og har begynt å omtale andre grupper nedsettende.",
        observed_by="Foresatte, via helsesykepleier",
        observed_on=today - datetime.timedelta(days=20),
        source=Source.FAMILY,
        urgency=Urgency.ROUTINE,
        person={
            "name": "Demo Demosen (fiktiv)",
            "birth_year": today.year - 16,
            "gender_in_own_words": "Gutt",
            "languages": "Norsk",
        },
    )
    for name, asked_for in (
        ("Drammen videregående skole", "Følge opp i klassen og si fra om endringer."),
        (
            "Drammen kommune – barneverntjenesten",
            "Råd om foreldresamarbeid og om det bør sendes en bekymringsmelding.",
        ),
    ):
        # Joining the team opens nothing: each agency is asked to contribute (consent
        # demo data opens parts of the case to the school under the guardians' consent).
        services.add_team_member(
            slt,
            identified,
            agency=agencies[name],
            contact_name="Kontaktperson (demo)",
            asked_for=asked_for,
        )
    services.change_state(slt, identified, "security_clarification", version=identified.version)
    services.add_task(
        slt,
        identified,
        title="Avklare med politiets radikaliseringskontakt",
        owner_agency=agencies["Drammen kommune – SLT"],
        owner_role=slt_role,
        deadline=today - datetime.timedelta(days=2),
    )
    services.add_task(
        slt,
        identified,
        title="Samtale med kontaktlærer",
        owner_agency=agencies["Drammen videregående skole"],
        owner_name="Kontaktlærer (demo)",
        deadline=today + datetime.timedelta(days=10),
    )
    services.write_journal_entry(
        slt,
        identified,
        text="Drøftet i samarbeidsforum for unge. Enighet om å kartlegge videre.",
        confidentiality="confidential",
    )

    if police_role is not None:
        services.register_concern(
            users["politi.demo"],
            agencies["Sør-Øst politidistrikt"],
            network=network,
            audience=ForumAudience.ADULTS,
            municipality=drammen,
            coordinator_role=police_role,
            observation="En voksen mann har ved flere anledninger uttrykt støtte til "
            "voldelige handlinger i samtaler med Nav-veileder.",
            observed_by="Nav-veileder",
            source=Source.OTHER_AGENCY,
            urgency=Urgency.SOON,
            person={"name": "Test Testesen (fiktiv)", "birth_year": today.year - 34},
        )
