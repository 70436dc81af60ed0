"""The legal-basis catalogue: versioned data, loaded without a code change (L03, L04, L06).

The first tests check the shipped catalogue (data/legal_bases.json); the rest run
the loader on files written for the test, made from the small test catalogue.
"""

import copy
import datetime
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.consent import catalogue as catalogue_module
from tverrnett.consent import services
from tverrnett.consent.catalogue import CATALOGUE_PATH, load_catalogue, statutory_bases_for
from tverrnett.consent.models import (
    Confirmation,
    Disclosure,
    LegalBasis,
    LegalBasisKind,
    SectorProfile,
)
from tverrnett.consent.tests.conftest import TEST_CATALOGUE

PUBLIC_AGENCY_TYPES = [value for value in AgencyType.values if value != AgencyType.VOLUNTARY_ORG]
NECESSITY = "NAV må vite om bekymringen for å tilpasse tiltaket."


def days_from_today(days):
    return timezone.localdate() + datetime.timedelta(days=days)


def offered(day, sender="slt", recipient="nav"):
    return {basis.code for basis in statutory_bases_for(sender, recipient, day)}


def catalogue_data():
    return json.loads(TEST_CATALOGUE.read_text(encoding="utf-8"))


def basis_entry(data, code):
    [entry] = [entry for entry in data["bases"] if entry["code"] == code]
    return entry


def new_basis(data, code, **changes):
    """A statutory basis shaped like the test catalogue's `statutory-open`."""
    entry = copy.deepcopy(basis_entry(data, "statutory-open"))
    entry.update(code=code, section=f"§ {code}", **changes)
    return entry


def write_file(tmp_path, data, name="katalog.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def snapshot():
    return (
        list(LegalBasis.objects.order_by("code").values()),
        list(SectorProfile.objects.order_by("sector").values()),
    )


# The shipped catalogue --------------------------------------------------------------------


def test_the_shipped_catalogue_loads(shipped_catalogue):
    data = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    assert set(shipped_catalogue) == {entry["code"] for entry in data["bases"]}
    assert {basis.catalogue_version for basis in shipped_catalogue.values()} == {
        data["catalogue_version"]
    }
    assert set(SectorProfile.objects.values_list("sector", flat=True)) == set(
        data["sector_profiles"]
    )


def test_loading_the_shipped_catalogue_again_changes_nothing(shipped_catalogue):
    before = snapshot()
    load_catalogue()
    assert snapshot() == before


@pytest.mark.parametrize("agency_type", PUBLIC_AGENCY_TYPES)
def test_every_public_agency_type_has_exactly_one_consent_basis_today(
    shipped_catalogue, agency_type
):
    today = timezone.localdate()
    consent_bases = [
        basis
        for basis in shipped_catalogue.values()
        if basis.kind == LegalBasisKind.CONSENT
        and basis.is_valid_on(today)
        and agency_type in basis.agency_types
    ]
    assert len(consent_bases) == 1, consent_bases
    assert catalogue_module.consent_basis_for(agency_type, today) == consent_bases[0]


def test_fvl_13_b_nr_7_needs_both_confirmations_and_a_review(shipped_catalogue):
    [nr7] = [
        basis
        for basis in shipped_catalogue.values()
        if basis.law.lower() == "forvaltningsloven"
        and "13 b" in basis.section
        and basis.section.rstrip(".").endswith("nr. 7")
    ]
    assert nr7.kind == LegalBasisKind.STATUTORY
    assert set(nr7.confirmations) == {
        Confirmation.ANONYMISED_NOT_ENOUGH,
        Confirmation.MINIMUM_INFORMATION,
    }
    assert nr7.review_task
    assert nr7.is_valid_on(timezone.localdate())


def test_no_statutory_basis_lets_information_go_to_a_voluntary_organisation(shipped_catalogue):
    statutory = [b for b in shipped_catalogue.values() if b.kind == LegalBasisKind.STATUTORY]
    assert statutory
    assert [b.code for b in statutory if AgencyType.VOLUNTARY_ORG in b.recipient_agency_types] == []


# The loader (L03) ---------------------------------------------------------------------------


def test_a_basis_valid_from_a_future_day_is_offered_from_that_day(db, tmp_path):
    starts = days_from_today(30)
    data = catalogue_data()
    data["bases"].append(new_basis(data, "statutory-2026", valid_from=starts.isoformat()))

    load_catalogue(write_file(tmp_path, data))

    assert LegalBasis.objects.filter(code="statutory-2026").exists()
    assert "statutory-2026" not in offered(timezone.localdate())
    assert "statutory-2026" not in offered(starts - datetime.timedelta(days=1))
    assert "statutory-2026" in offered(starts)
    assert "statutory-2026" in offered(starts + datetime.timedelta(days=365))


def test_a_basis_with_an_end_date_is_offered_until_that_day(db, tmp_path):
    ends = days_from_today(10)
    data = catalogue_data()
    data["bases"].append(new_basis(data, "statutory-until", valid_to=ends.isoformat()))
    load_catalogue(write_file(tmp_path, data))
    assert "statutory-until" in offered(ends)
    assert "statutory-until" not in offered(ends + datetime.timedelta(days=1))


def test_a_basis_removed_from_the_file_is_closed_and_kept(
    tmp_path, catalogue, team_case, owner, partner_agency, write
):
    item = write(team_case, "Kari har uteblitt.")
    disclosure = services.disclose(
        owner,
        team_case,
        items=[item],
        recipient=partner_agency,
        purpose="Samordnet oppfølging",
        legal_basis=catalogue["statutory-open"],
        necessity_note=NECESSITY,
    )
    data = catalogue_data()
    data["bases"].remove(basis_entry(data, "statutory-open"))
    data["sector_profiles"]["child_welfare"]["excluded_bases"] = []

    load_catalogue(write_file(tmp_path, data))

    closed = LegalBasis.objects.get(code="statutory-open")
    assert closed.valid_to == days_from_today(-1)
    assert "statutory-open" not in offered(timezone.localdate())
    assert Disclosure.objects.get(pk=disclosure.pk).legal_basis == closed
    with pytest.raises(ValidationError) as refused:
        services.disclose(
            owner,
            team_case,
            items=[item],
            recipient=partner_agency,
            purpose="Samordnet oppfølging",
            legal_basis=closed,
            necessity_note=NECESSITY,
        )
    assert set(refused.value.message_dict) == {"legal_basis"}


def test_a_removed_basis_that_had_not_started_is_never_offered(tmp_path, catalogue):
    data = catalogue_data()
    data["bases"].remove(basis_entry(data, "statutory-future"))

    load_catalogue(write_file(tmp_path, data))

    assert LegalBasis.objects.filter(code="statutory-future").exists()
    for day in (datetime.date(2099, 1, 1), datetime.date(2099, 1, 2), datetime.date(2100, 1, 1)):
        assert "statutory-future" not in offered(day), day


def test_a_removed_profile_is_removed(tmp_path, catalogue):
    data = catalogue_data()
    del data["sector_profiles"]["child_welfare"]
    load_catalogue(write_file(tmp_path, data))
    assert not SectorProfile.objects.exists()


def test_a_new_version_of_the_file_updates_the_rows(tmp_path, catalogue):
    data = catalogue_data()
    data["catalogue_version"] = "test-2"
    basis_entry(data, "statutory-open")["title"]["nb"] = "Ny tittel"
    assert load_catalogue(write_file(tmp_path, data)) == "test-2"
    changed = LegalBasis.objects.get(code="statutory-open")
    assert changed.title_nb == "Ny tittel"
    assert changed.catalogue_version == "test-2"


def _unknown_agency_type(data):
    data["bases"][-1]["agency_types"].append("sheriff")


def _unknown_recipient_type(data):
    data["bases"][-1]["recipient_agency_types"].append("sheriff")


def _unknown_confirmation(data):
    data["bases"][-1]["confirmations"].append("trust_me")


def _duplicate_code(data):
    data["bases"].append(copy.deepcopy(basis_entry(data, "statutory-open")))


def _valid_to_before_valid_from(data):
    data["bases"][-1].update(valid_from="2030-01-01", valid_to="2029-12-31")


def _unknown_excluded_basis(data):
    data["sector_profiles"]["child_welfare"]["excluded_bases"].append("statutory-nowhere")


def _profile_for_unknown_sector(data):
    data["sector_profiles"]["sheriff"] = copy.deepcopy(data["sector_profiles"]["child_welfare"])


def _unknown_kind(data):
    data["bases"][-1]["kind"] = "hunch"


def _not_a_date(data):
    data["bases"][-1]["valid_from"] = "1. januar 2030"


def _unknown_person_field(data):
    data["sector_profiles"]["child_welfare"]["confidential_person_fields"].append("shoe_size")


def _extra_key(data):
    data["bases"][-1]["priority"] = 1


MALFORMED = {
    "unknown agency type": _unknown_agency_type,
    "unknown recipient type": _unknown_recipient_type,
    "unknown confirmation": _unknown_confirmation,
    "duplicate code": _duplicate_code,
    "valid_to before valid_from": _valid_to_before_valid_from,
    "unknown excluded basis": _unknown_excluded_basis,
    "profile for an unknown sector": _profile_for_unknown_sector,
    "unknown kind": _unknown_kind,
    "not a date": _not_a_date,
    "unknown person field": _unknown_person_field,
    "a key the loader does not know": _extra_key,
}


def malformed_file(tmp_path, mistake):
    """A file that also changes and adds valid rows, so a half-done load would show."""
    data = catalogue_data()
    data["catalogue_version"] = "test-2"
    basis_entry(data, "statutory-open")["title"]["nb"] = "Endret tittel"
    data["bases"].remove(basis_entry(data, "statutory-ended"))
    data["bases"].append(new_basis(data, "statutory-new"))
    MALFORMED[mistake](data)
    return write_file(tmp_path, data)


@pytest.mark.parametrize("mistake", list(MALFORMED))
def test_a_malformed_file_is_refused_and_changes_nothing(tmp_path, catalogue, mistake):
    before = snapshot()
    with pytest.raises(ValidationError):
        load_catalogue(malformed_file(tmp_path, mistake))
    assert snapshot() == before


# The management command -----------------------------------------------------------------


def test_the_command_loads_a_file(db, tmp_path):
    out = io.StringIO()
    call_command(
        "load_legal_bases", "--file", str(write_file(tmp_path, catalogue_data())), stdout=out
    )
    assert "test-1" in out.getvalue()
    assert LegalBasis.objects.count() == len(catalogue_data()["bases"])
    assert SectorProfile.objects.get(sector="child_welfare").excluded_bases == ["statutory-open"]


@pytest.mark.parametrize("mistake", ["unknown agency type", "duplicate code", "unknown kind"])
def test_the_command_refuses_a_malformed_file(tmp_path, catalogue, mistake):
    before = snapshot()
    with pytest.raises(CommandError):
        call_command(
            "load_legal_bases",
            "--file",
            str(malformed_file(tmp_path, mistake)),
            stdout=io.StringIO(),
        )
    assert snapshot() == before


def test_the_command_refuses_a_file_that_is_not_json(tmp_path, catalogue):
    path = tmp_path / "katalog.json"
    path.write_text("{ dette er ikke json", encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError):
        call_command("load_legal_bases", "--file", str(path), stdout=io.StringIO())
    assert snapshot() == before


def test_the_command_refuses_a_file_without_bases(tmp_path, catalogue):
    before = snapshot()
    with pytest.raises(CommandError):
        call_command(
            "load_legal_bases",
            "--file",
            str(write_file(tmp_path, {"catalogue_version": "test-2"})),
            stdout=io.StringIO(),
        )
    assert snapshot() == before


def test_the_command_refuses_a_file_that_does_not_exist(tmp_path, catalogue):
    with pytest.raises(CommandError):
        call_command(
            "load_legal_bases", "--file", str(tmp_path / "finnes-ikke.json"), stdout=io.StringIO()
        )
