"""Test helpers shared by every app.

Every view test has three actors (STYLE.md): a user in the agency that owns
the object (`owner`), a user in a partner agency on the same team
(`partner`), and a user in an agency outside it (`outsider`). `login_as`
gives a client a fully authenticated session (password and second factor)
acting for the user's first agency.

Note: the audit table refuses DELETE and TRUNCATE at the database, so
`transactional_db` (which empties tables by flushing) cannot be used. Browser
tests run the server in a subprocess on a database of their own instead.
"""

import datetime
import functools
import json
import time

import pytest
from django.contrib.auth import get_user_model
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tverrnett.accounts.middleware import SESSION_MEMBERSHIP_KEY
from tverrnett.accounts.models import Membership, MembershipRole
from tverrnett.accounts.sessions import TOUCHED_KEY
from tverrnett.agencies.models import Agency, AgencyType

PASSWORD = "Et-langt-testpassord-42"  # noqa: S105  (test users only)


@pytest.fixture(autouse=True)
def audit_anchors_of_this_test(settings, tmp_path):
    """Anchors are files outside the database: each test gets its own directory, so an
    anchor one test wrote never names a seal another test's database lacks."""
    settings.AUDIT_ANCHOR_DIR = str(tmp_path / "audit-anchors")
    settings.RECORDS_ARCHIVE_DIR = str(tmp_path / "archive-packages")
    settings.RECORDS_TOMBSTONE_LEDGER = str(tmp_path / "records" / "tombstones.jsonl")


@pytest.fixture
def reference_data(db):
    """The shipped municipalities, police districts and RVTS regions, loaded."""
    from tverrnett.geography.loader import load_reference_data

    return load_reference_data()


@functools.cache
def _police_district_names():
    """Code -> (name, nynorsk name) from the shipped file; read once, no database."""
    from tverrnett.geography.loader import DATA_DIR, POLICE_DISTRICTS_FILE

    document = json.loads((DATA_DIR / POLICE_DISTRICTS_FILE).read_text(encoding="utf-8"))
    return {
        record["code"]: (record["name"], record["name_nn"])
        for record in document["police_districts"]
    }


def police_district_row(code):
    """The PoliceDistrict with this code, created if missing (not the whole reference data)."""
    from tverrnett.geography.models import PoliceDistrict

    if not isinstance(code, str):
        return code
    name, name_nn = _police_district_names().get(code, (code, code))
    district, _ = PoliceDistrict.objects.get_or_create(
        code=code, defaults={"name": name, "name_nn": name_nn}
    )
    return district


def municipality_row(number, name, district=None):
    """The current Municipality with this number, created if missing."""
    from tverrnett.geography.models import Municipality

    municipality, _ = Municipality.objects.get_or_create(
        number=number,
        defaults={
            "name": name,
            "valid_from": datetime.date(2024, 1, 1),
            "police_district": district,
        },
    )
    return municipality


@pytest.fixture
def make_agency(db):
    """An agency. `municipality` is a (number, name) pair, a Municipality or None;
    `police_district` a code such as "oslo", a PoliceDistrict or None (default Sør-Øst).
    Only the geography rows it needs are created."""

    def make(name, agency_type=AgencyType.SLT, municipality=("3301", "Drammen"), **extra):
        district = extra.pop("police_district", "sor_ost")
        district = police_district_row(district) if district else None
        if isinstance(municipality, tuple):
            municipality = municipality_row(*municipality, district=district)
        return Agency.objects.create(
            name=name,
            agency_type=agency_type,
            municipality=municipality,
            police_district=district,
            **extra,
        )

    return make


@pytest.fixture
def make_user(db):
    def make(username, agency=None, role=MembershipRole.CASE_WORKER, *, with_device=True, **fields):
        user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
        if agency is not None:
            Membership.objects.create(user=user, agency=agency, role=role)
        if with_device:
            TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


@pytest.fixture
def owner_agency(make_agency):
    return make_agency("Drammen kommune – SLT", AgencyType.SLT)


@pytest.fixture
def partner_agency(make_agency):
    return make_agency("Nav Drammen", AgencyType.NAV)


@pytest.fixture
def outsider_agency(make_agency):
    return make_agency(
        "Nav Oslo", AgencyType.NAV, municipality=("0301", "Oslo"), police_district="oslo"
    )


@pytest.fixture
def owner(make_user, owner_agency):
    return make_user("eier", owner_agency, MembershipRole.SLT_COORDINATOR, first_name="Eva")


@pytest.fixture
def partner(make_user, partner_agency):
    return make_user("partner", partner_agency, MembershipRole.CASE_WORKER, first_name="Paul")


@pytest.fixture
def outsider(make_user, outsider_agency):
    return make_user("utenfor", outsider_agency, MembershipRole.CASE_WORKER, first_name="Ulla")


def current_code(user):
    device = TOTPDevice.objects.devices_for_user(user, confirmed=None).order_by("-id").first()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def login_as():
    """Give `client` a session that has passed both factors, acting for the user's first agency."""

    def login(client, user):
        client.force_login(user)
        session = client.session
        device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        membership = user.active_memberships().first()
        if membership is not None:
            session[SESSION_MEMBERSHIP_KEY] = membership.pk
        # As a real login's response does: the session was saved just now.
        session[TOUCHED_KEY] = int(time.time())
        session.save()
        return client

    return login


@pytest.fixture
def open_to(db):
    """Open parts of a case (default: every part) to a team agency, as a coordinator who
    joined it under a legal basis would (consent.services.open_case_to is tested on its
    own; this records the same immutable disclosure without its form)."""
    from tverrnett.cases.models import CasePart
    from tverrnett.consent.models import Disclosure, LegalBasis, LegalBasisKind

    def open_to(case, agency, parts=None):
        basis, _created = LegalBasis.objects.get_or_create(
            code="test-team-join",
            defaults={
                "kind": LegalBasisKind.STATUTORY,
                "law": "Testloven",
                "section": "§ 1",
                "title_nb": "Testgrunnlag",
                "title_en": "Test basis",
                "text_nb": "",
                "text_en": "",
                "agency_types": list(AgencyType.values),
                "recipient_agency_types": list(AgencyType.values),
                # Ended long ago, so no form ever offers it; the disclosure stays.
                "valid_from": datetime.date(2000, 1, 1),
                "valid_to": datetime.date(2000, 1, 1),
                "catalogue_version": "test",
            },
        )
        return Disclosure.objects.record(
            parts=parts or CasePart.values,
            case=case,
            sender_agency=case.coordinator_role.agency,
            recipient_agency=agency,
            shared_by=case.created_by,
            purpose="Oppfølging i teamet.",
            legal_basis=basis,
            legal_basis_citation="Testloven § 1 (test)",
            necessity_note="Nødvendig for oppfølgingen.",
        )

    return open_to


@pytest.fixture
def grant_special_categories(db):
    """Give `user` the permission to read items tagged GDPR Art. 9 or 10 (L34) for
    `agency` (default: their first agency), as a manager would, until `ends_on`."""
    import datetime as _datetime

    from django.utils import timezone

    from tverrnett.agencies.models import SpecialCategoryPermission

    def grant(user, agency=None, ends_on=None, granted_by=None):
        agency = agency or user.active_memberships().first().agency
        return SpecialCategoryPermission.objects.create(
            user=user,
            agency=agency,
            granted_by=granted_by or user,
            ends_on=ends_on or timezone.localdate() + _datetime.timedelta(days=30),
            reason="Test",
        )

    return grant
