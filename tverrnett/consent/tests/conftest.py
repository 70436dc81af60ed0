"""Consent and disclosure, on the concern-case fixtures (one municipal network in Drammen).

`catalogue` loads a small made-up catalogue (tests/catalogue.json) so the tests
do not change when the shipped catalogue's wording does; `shipped_catalogue`
loads the real one.
"""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.audit.models import AuditEntry
from tverrnett.audit.services import append_generated
from tverrnett.cases import services as case_services
from tverrnett.cases.models import InformationCategory
from tverrnett.cases.tests.conftest import *  # noqa: F403  (the case fixtures)
from tverrnett.cases.tests.conftest import signed_in
from tverrnett.consent import services
from tverrnett.consent.catalogue import load_catalogue
from tverrnett.consent.models import ConsentCapacity, LegalBasis
from tverrnett.filestore.testing import use_file_storage
from tverrnett.networks.models import ForumAudience

TEST_CATALOGUE = Path(__file__).resolve().parent / "catalogue.json"


@pytest.fixture
def catalogue(db):
    load_catalogue(TEST_CATALOGUE)
    return {basis.code: basis for basis in LegalBasis.objects.all()}


@pytest.fixture
def shipped_catalogue(db):
    load_catalogue()
    return {basis.code: basis for basis in LegalBasis.objects.all()}


@pytest.fixture
def adult_case(register):
    """An identified case about an adult (consents are their own)."""
    return register(
        person={"name": "Kari Nordmann", "birth_year": 1990}, audience=ForumAudience.ADULTS
    )


@pytest.fixture
def team_case(adult_case, owner, partner_agency):
    """The owner's adult case with Nav Drammen (the partner) on the team, with the reduced
    view: nothing of the case is opened to it (`open_to` does that)."""
    case = adult_case
    case_services.add_team_member(owner, case, agency=partner_agency, contact_name="Paul Partner")
    return case


@pytest.fixture
def write(owner):
    """Write an information item as `actor` (default the owner)."""

    def write(case, text="Observasjon.", *, actor=None, **tags):
        return case_services.write_journal_entry(
            actor or owner, case, text=text, confidentiality="confidential", **tags
        )

    return write


@pytest.fixture
def give_consent(owner):
    """Prepare and record an oral consent for the case's (adult) person."""

    def give(
        case,
        *,
        recipients,
        categories=(InformationCategory.CONCERN,),
        actor=None,
        starts_on=None,
        ends_on=None,
        **fields,
    ):
        actor = actor or owner
        today = timezone.localdate()
        consent = services.prepare_consent(
            actor,
            case,
            consenter_name=case.subject.name,
            capacity=ConsentCapacity.THE_PERSON,
            purpose="Samordnet oppfølging",
            categories=list(categories),
            recipients=recipients,
            starts_on=starts_on or today,
            ends_on=ends_on or today + datetime.timedelta(days=180),
            language="norsk",
            interpreter_used=False,
            **fields,
        )
        return services.record_consent_answer(
            actor,
            consent,
            decision="given",
            form="oral",
            oral_recorded_by="Eva Eier",
            oral_record_reference="Journalnotat 12.11.",
        )

    return give


@pytest.fixture
def volunteer_agency(make_agency):
    return make_agency("Drammen idrettslag", AgencyType.VOLUNTARY_ORG)


@pytest.fixture
def volunteer(make_user, volunteer_agency):
    return signed_in(make_user("frivillig", volunteer_agency, first_name="Frida"))


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded declarations go to a directory of this test's own, on disk (tests of the
    database store: tverrnett/filestore/tests)."""
    use_file_storage(settings, "filesystem")
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def school_agency(make_agency):
    return make_agency("Fjell ungdomsskole", AgencyType.SCHOOL)


@pytest.fixture
def school_user(make_user, school_agency):
    return signed_in(make_user("laerer", school_agency, first_name="Siri"))


@pytest.fixture
def child_welfare_agency(make_agency):
    return make_agency("Barneverntjenesten i Drammen", AgencyType.CHILD_WELFARE)


@pytest.fixture
def child_welfare_user(make_user, child_welfare_agency):
    return signed_in(make_user("barnevern", child_welfare_agency, first_name="Berit"))


@pytest.fixture
def on_team(owner):
    """Put agencies on a case's team, as the owner (the coordinator) does."""

    def add(case, *agencies):
        for agency in agencies:
            case_services.add_team_member(owner, case, agency=agency, contact_name="Kontakt")
        return case

    return add


@pytest.fixture
def minor_case(register):
    """An identified case about a 15-year-old, whatever year the tests run in."""
    born = timezone.localdate().year - 15
    return register(person={"name": "Ola Nordmann", "birth_year": born})


# Reads of a case in bulk, for the access report at scale ----------------------------


def add_reads(case, count, by, start):
    """`count` reads of `case`, one a minute from `start`, by the (user, agency) pairs in
    `by` in turn: appended as the scale data generator does, authenticated like `record`."""
    entries = []
    for n in range(count):
        user, agency = by[n % len(by)]
        entries.append(
            AuditEntry(
                created_at=start + datetime.timedelta(minutes=n),
                action="case.viewed",
                actor_id=user.pk,
                actor_username=user.username,
                agency_id=agency.pk,
                agency_name=agency.name,
                target_type="cases.concerncase",
                target_id=str(case.pk),
                detail={"parts": ["summary"], "path": "team", "role": "case_worker"},
                request_id="test",
            )
        )
    append_generated(entries)


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) - datetime.timedelta(days=30)


@pytest.fixture
def read(team_case, owner, owner_agency, partner, partner_agency, start):
    """Reads of the case: `read(n)` adds n, alternately by the owner and by Nav Drammen."""

    def add(count):
        add_reads(team_case, count, [(owner, owner_agency), (partner, partner_agency)], start)

    return add
