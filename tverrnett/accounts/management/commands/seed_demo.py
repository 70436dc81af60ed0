from base64 import b32encode

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.management.commands._demo import DEMO_PASSWORD, refuse_unless_debug
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.agencies.models import Agency, AgencyType, PoliceDistrict
from tverrnett.geography.loader import load_reference_data
from tverrnett.networks.demo import seed_networks

DRAMMEN = {"municipality_number": "3301", "municipality_name": "Drammen"}
SOR_OST = PoliceDistrict.SOR_OST

# Real agency types and places; every person below is fictional.
AGENCIES = [
    ("Drammen kommune – SLT", AgencyType.SLT, DRAMMEN, SOR_OST),
    ("Sør-Øst politidistrikt", AgencyType.POLICE_DISTRICT, {}, SOR_OST),
    ("PST", AgencyType.PST, {}, ""),
    ("Nav Drammen", AgencyType.NAV, DRAMMEN, SOR_OST),
    ("RVTS Sør", AgencyType.RVTS, {}, ""),
    ("Drammen kommune – barneverntjenesten", AgencyType.CHILD_WELFARE, DRAMMEN, SOR_OST),
    ("Drammen videregående skole", AgencyType.SCHOOL, DRAMMEN, SOR_OST),
    ("Kriminalomsorgen region sør", AgencyType.CORRECTIONAL_SERVICE, {}, ""),
    ("Konfliktrådet i Buskerud", AgencyType.CONFLICT_COUNCIL, {}, ""),
    ("Drammen kommune – helsetjenesten", AgencyType.HEALTH, DRAMMEN, SOR_OST),
    ("Fiktiv idrettsklubb (demo)", AgencyType.VOLUNTARY_ORG, DRAMMEN, SOR_OST),
    ("RVTS Øst", AgencyType.RVTS, {}, ""),
    (
        "Nav Grünerløkka",
        AgencyType.NAV,
        {"municipality_number": "0301", "municipality_name": "Oslo"},
        "oslo",
    ),
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
    # No authenticator yet: shows the enrolment with a QR code on first login.
    ("ny.demo", "Nora", "Demo (ny bruker)", [("Nav Drammen", MembershipRole.CASE_WORKER)], False),
]


class Command(BaseCommand):
    help = "Create fictional demo agencies and users (development only). Safe to run again."

    def handle(self, *args, **options):
        refuse_unless_debug()
        with transaction.atomic():
            load_reference_data()
            agencies = self._agencies()
            users = {}
            rows = []
            for spec in USERS:
                user, row = self._user(agencies, *spec)
                users[user.username] = user
                rows.append(row)
            seed_networks(agencies, users)
        self._print(rows)

    def _agencies(self):
        agencies = {}
        for name, agency_type, place, district in AGENCIES:
            agency, _ = Agency.objects.update_or_create(
                name=name,
                defaults={"agency_type": agency_type, "police_district": district, **place},
            )
            agencies[name] = agency
        return agencies

    def _user(self, agencies, username, first_name, last_name, memberships, has_device):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first_name, "last_name": last_name}
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
