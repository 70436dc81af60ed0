from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import DEMO_PASSWORD, refuse_unless_debug
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.demo import seed_special_categories
from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.announcements.demo import seed_announcements
from tverrnett.assessments.demo import seed_assessments
from tverrnett.cases.demo import seed_cases
from tverrnett.consent.catalogue import load_catalogue
from tverrnett.consent.demo import seed_consents
from tverrnett.conversations.demo import seed_conversations
from tverrnett.events.demo import seed_events
from tverrnett.exitwork.demo import seed_exit_work
from tverrnett.geography.loader import load_reference_data
from tverrnett.geography.models import Municipality, PoliceDistrict, RvtsRegion
from tverrnett.guidance.library import load_library
from tverrnett.measures.catalogue import load_measure_types
from tverrnett.measures.demo import seed_measures
from tverrnett.meetings.demo import seed_meetings
from tverrnett.networks.demo import seed_networks
from tverrnett.notices.demo import seed_notices
from tverrnett.plans.demo import seed_plans
from tverrnett.records.services import load_schedule

DRAMMEN = "3301"
OSLO = "0301"
SOR_OST = "sor_ost"

# Real agency types and places; every person below is fictional.
# name, type, municipality number, police district code, RVTS region code, directory fields
AGENCIES = [
    (
        "Drammen kommune – SLT",
        AgencyType.SLT,
        DRAMMEN,
        SOR_OST,
        "",
        {
            "mandate": "Samordner det kriminalitetsforebyggende arbeidet i Drammen kommune "
            "og leder SLT-nettverket.",
            "working_methods": "Ta kontakt ved bekymring for radikalisering eller voldelig "
            "ekstremisme. Vi hjelper med å vurdere bekymringen, finner riktig instans og kaller "
            "inn samarbeidsforum ved behov.",
            "phone": "32 04 00 00",
            "email": "slt@drammen.example",
            "website": "https://www.drammen.kommune.no/",
        },
    ),
    (
        "Sør-Øst politidistrikt",
        AgencyType.POLICE_DISTRICT,
        "",
        SOR_OST,
        "",
        {
            "mandate": "Forebygging, etterretning og etterforskning i Sør-Øst politidistrikt.",
            "working_methods": "Radikaliseringskontakten tar imot bekymringer, gir råd og kan "
            "gjennomføre bekymringssamtaler.",
            "phone": "02800",
        },
    ),
    ("PST", AgencyType.PST, "", "", "", {}),
    ("Nav Drammen", AgencyType.NAV, DRAMMEN, SOR_OST, "", {"phone": "55 55 33 33"}),
    (
        "RVTS Sør",
        AgencyType.RVTS,
        "",
        "",
        "sor",
        {
            "mandate": "Regionalt ressurssenter om vold, traumatisk stress og "
            "selvmordsforebygging.",
            "working_methods": "Veiledning og kompetanseheving for tjenester som jobber med "
            "radikalisering og voldelig ekstremisme.",
        },
    ),
    ("Drammen kommune – barneverntjenesten", AgencyType.CHILD_WELFARE, DRAMMEN, SOR_OST, "", {}),
    ("Drammen videregående skole", AgencyType.SCHOOL, DRAMMEN, SOR_OST, "", {}),
    ("Kriminalomsorgen region sør", AgencyType.CORRECTIONAL_SERVICE, "", "", "", {}),
    ("Konfliktrådet i Buskerud", AgencyType.CONFLICT_COUNCIL, "", SOR_OST, "", {}),
    ("Drammen kommune – helsetjenesten", AgencyType.HEALTH, DRAMMEN, SOR_OST, "", {}),
    ("Fiktiv idrettsklubb (demo)", AgencyType.VOLUNTARY_ORG, DRAMMEN, SOR_OST, "", {}),
    (
        "RVTS Øst",
        AgencyType.RVTS,
        "",
        "",
        "ost",
        {
            "mandate": "Regionalt ressurssenter om vold, traumatisk stress og "
            "selvmordsforebygging, med nasjonal veiledningsfunksjon om radikalisering og "
            "voldelig ekstremisme.",
            "phone": "22 58 60 00",
            "email": "post@rvtsost.no",
        },
    ),
    ("Nav Grünerløkka", AgencyType.NAV, OSLO, "oslo", "", {}),
]

# username, first name, last name, [(agency, role)], has an authenticator already
USERS = [
    (
        "slt.demo",
        "Siri",
        "Demo (SLT)",
        [("Drammen kommune – SLT", MembershipRole.SLT_COORDINATOR)],
        True,
    ),
    (
        "politi.demo",
        "Per",
        "Demo (politi)",
        [("Sør-Øst politidistrikt", MembershipRole.POLICE_RADICALISATION_CONTACT)],
        True,
    ),
    ("pst.demo", "Pia", "Demo (PST)", [("PST", MembershipRole.CASE_WORKER)], True),
    ("nav.demo", "Nils", "Demo (Nav)", [("Nav Drammen", MembershipRole.CASE_WORKER)], True),
    ("rvts.demo", "Rita", "Demo (RVTS)", [("RVTS Sør", MembershipRole.ADVISOR)], True),
    # RVTS Øst serves Drammen (rvts_regions.json): someone there answers the demo's
    # guidance requests, which are refused where nobody would (issue 21 item 7).
    ("rvtsost.demo", "Øystein", "Demo (RVTS Øst)", [("RVTS Øst", MembershipRole.ADVISOR)], True),
    (
        "barnevern.demo",
        "Bjørn",
        "Demo (barnevern)",
        [("Drammen kommune – barneverntjenesten", MembershipRole.CASE_WORKER)],
        True,
    ),
    (
        "skole.demo",
        "Sara",
        "Demo (skole)",
        [("Drammen videregående skole", MembershipRole.CASE_WORKER)],
        True,
    ),
    (
        "frivillig.demo",
        "Frida",
        "Demo (frivillig)",
        [("Fiktiv idrettsklubb (demo)", MembershipRole.BRIDGE_BUILDER)],
        True,
    ),
    (
        "leder.demo",
        "Lars",
        "Demo (leder)",
        [
            ("Drammen kommune – SLT", MembershipRole.LINE_MANAGER),
            ("Drammen kommune – barneverntjenesten", MembershipRole.AGENCY_ADMIN),
        ],
        True,
    ),
    # Reviews the SLT's access log (L45); sees no case.
    (
        "personvern.demo",
        "Petra",
        "Demo (personvern)",
        [("Drammen kommune – SLT", MembershipRole.PRIVACY_OFFICER)],
        True,
    ),
    # Keeps the SLT's records (issue 20): cases due for deletion, holds, archive packages.
    (
        "arkiv.demo",
        "Arne",
        "Demo (arkiv)",
        [("Drammen kommune – SLT", MembershipRole.RECORDS_OFFICER)],
        True,
    ),
    # No authenticator yet: shows the enrolment with a QR code on first login.
    ("ny.demo", "Nora", "Demo (ny bruker)", [("Nav Drammen", MembershipRole.CASE_WORKER)], False),
]


class Command(BaseCommand):
    help = "Create fictional demo agencies and users (development only). Safe to run again."

    def handle(self, *args, **options):
        refuse_unless_debug()
        with transaction.atomic():
            load_reference_data()
            load_catalogue()
            load_measure_types()
            load_schedule()
            load_library()
            agencies = self._agencies()
            users = {}
            rows = []
            for spec in USERS:
                user, row = self._user(agencies, *spec)
                users[user.username] = user
                rows.append(row)
            seed_networks(agencies, users)
            seed_events(agencies, users)
            seed_announcements(agencies, users)
            seed_cases(agencies, users)
            seed_meetings(agencies, users)
            seed_consents(agencies, users)
            seed_measures(agencies, users)
            seed_conversations(agencies, users)
            seed_exit_work(agencies, users)
            seed_plans(agencies, users)
            seed_assessments(agencies, users)
            seed_notices(agencies, users)
            seed_special_categories(agencies, users)
        self._print(rows)

    def _agencies(self):
        municipalities = Municipality.objects.in_bulk(
            {row[2] for row in AGENCIES if row[2]}, field_name="number"
        )
        districts = PoliceDistrict.objects.in_bulk(field_name="code")
        regions = RvtsRegion.objects.in_bulk(field_name="code")
        agencies = {}
        for name, agency_type, number, district, region, directory in AGENCIES:
            agency, _ = Agency.objects.update_or_create(
                name=name,
                defaults={
                    "agency_type": agency_type,
                    "municipality": municipalities[number] if number else None,
                    "police_district": districts[district] if district else None,
                    "rvts_region": regions[region] if region else None,
                    **directory,
                },
            )
            agencies[name] = agency
        return agencies

    def _user(self, agencies, username, first_name, last_name, memberships, has_device):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                # A reserved example domain: the e-mails the worker sends go nowhere real.
                "email": f"{username}@demo.example",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        for agency_name, role in memberships:
            Membership.objects.get_or_create(user=user, agency=agencies[agency_name], role=role)
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        if device is None and has_device and created:
            device = TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
        secret = b32encode(device.bin_key).decode("ascii").rstrip("=") if device else ""
        return user, (username, user.get_full_name(), memberships[0][0], secret)

    def _print(self, rows):
        out = self.stdout
        out.write(self.style.SUCCESS("Demo users (fictional). Password for all: " + DEMO_PASSWORD))
        out.write("Second factor: `python manage.py demo_code USERNAME` prints the current code,")
        out.write("or add the TOTP secret to an authenticator app.\n")
        for username, full_name, agency, secret in rows:
            totp = secret or "(enrols an authenticator app at first login)"
            out.write(f"  {username:<16} {full_name:<24} {agency:<38} TOTP {totp}")
