"""The legal-basis catalogue: versioned data, not code (L03).

`data/legal_bases.json` is the catalogue. `load_catalogue` brings the database
in step with it (run by `migrate`'s follower `load_legal_bases`, by `make run`
and in production after each release). A basis whose valid_from lies in the
future is loaded at once and becomes selectable on that day, without a code
change.
"""

import datetime
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tverrnett.agencies.models import AgencyType
from tverrnett.consent.models import Confirmation, LegalBasis, LegalBasisKind, SectorProfile

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "legal_bases.json"
PERSON_FIELDS = ("name", "birth_date", "address", "occupation")

_BASIS_KEYS = {
    "code",
    "kind",
    "law",
    "section",
    "title",
    "text",
    "source_url",
    "agency_types",
    "recipient_agency_types",
    "confirmations",
    "review_task",
    "valid_from",
    "valid_to",
}


def _date(value, where):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError) as error:
        raise ValidationError(f"{where}: {value!r} is not an ISO date") from error


def _agency_types(values, where):
    known = set(AgencyType.values)
    unknown = set(values) - known
    if unknown:
        raise ValidationError(f"{where}: unknown agency types {sorted(unknown)}")
    return list(values)


def parse_catalogue(data):
    """Check the catalogue's shape and return (version, bases, profiles) as field dicts."""
    version = data["catalogue_version"]
    bases = []
    codes = set()
    for raw in data["bases"]:
        where = f"basis {raw.get('code')!r}"
        if set(raw) != _BASIS_KEYS:
            raise ValidationError(f"{where}: keys differ from {sorted(_BASIS_KEYS)}")
        if raw["code"] in codes:
            raise ValidationError(f"{where}: listed twice")
        codes.add(raw["code"])
        if raw["kind"] not in LegalBasisKind.values:
            raise ValidationError(f"{where}: unknown kind {raw['kind']!r}")
        if set(raw["confirmations"]) - set(Confirmation.values):
            raise ValidationError(f"{where}: unknown confirmation")
        valid_from = _date(raw["valid_from"], where)
        valid_to = _date(raw["valid_to"], where)
        if valid_to is not None and valid_to < valid_from:
            raise ValidationError(f"{where}: valid_to before valid_from")
        bases.append(
            {
                "code": raw["code"],
                "kind": raw["kind"],
                "law": raw["law"],
                "section": raw["section"],
                "title_nb": raw["title"]["nb"],
                "title_en": raw["title"]["en"],
                "text_nb": raw["text"]["nb"],
                "text_en": raw["text"]["en"],
                "source_url": raw["source_url"] or "",
                "agency_types": _agency_types(raw["agency_types"], where),
                "recipient_agency_types": _agency_types(raw["recipient_agency_types"], where),
                "confirmations": list(raw["confirmations"]),
                "review_task": bool(raw["review_task"]),
                "valid_from": valid_from,
                "valid_to": valid_to,
                "catalogue_version": version,
            }
        )
    profiles = []
    for sector, raw in data.get("sector_profiles", {}).items():
        _agency_types([sector], f"profile {sector!r}")
        unknown = set(raw["excluded_bases"]) - codes
        if unknown:
            raise ValidationError(f"profile {sector!r}: unknown bases {sorted(unknown)}")
        if set(raw["confidential_person_fields"]) - set(PERSON_FIELDS):
            raise ValidationError(f"profile {sector!r}: unknown person fields")
        profiles.append(
            {
                "sector": sector,
                "excluded_bases": list(raw["excluded_bases"]),
                "confidential_person_fields": list(raw["confidential_person_fields"]),
                "note_nb": raw.get("note", {}).get("nb", ""),
                "note_en": raw.get("note", {}).get("en", ""),
                "catalogue_version": version,
            }
        )
    return version, bases, profiles


@transaction.atomic
def load_catalogue(path=CATALOGUE_PATH):
    """Bring LegalBasis and SectorProfile in step with the file; return the version.

    A basis that has left the file is not deleted (disclosures point to it);
    it is closed the day before the load, so it can no longer be chosen (one
    that had not started yet never starts).
    """
    with open(path, encoding="utf-8") as handle:
        version, bases, profiles = parse_catalogue(json.load(handle))
    codes = [fields["code"] for fields in bases]
    sectors = [fields["sector"] for fields in profiles]
    for fields in bases:
        LegalBasis.objects.update_or_create(code=fields.pop("code"), defaults=fields)
    gone = LegalBasis.objects.exclude(code__in=codes)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    for basis in gone.exclude(valid_to__lte=yesterday):
        # Yesterday, even before a valid_from still to come: then it never starts.
        basis.valid_to = yesterday
        basis.save(update_fields=["valid_to"])
    for fields in profiles:
        SectorProfile.objects.update_or_create(sector=fields.pop("sector"), defaults=fields)
    SectorProfile.objects.exclude(sector__in=sectors).delete()
    return version


def bases_valid_on(day):
    return LegalBasis.objects.filter(valid_from__lte=day).exclude(valid_to__lt=day)


def statutory_bases_for(sender_type, recipient_type, day):
    """The statutory bases a sender of `sender_type` may choose on `day` (L03)."""
    return [
        basis
        for basis in bases_valid_on(day).filter(kind=LegalBasisKind.STATUTORY)
        if sender_type in basis.agency_types
        and (recipient_type is None or recipient_type in basis.recipient_agency_types)
    ]


def consent_basis_for(sender_type, day):
    """The consent basis of the sender's sector on `day`, or None."""
    for basis in bases_valid_on(day).filter(kind=LegalBasisKind.CONSENT):
        if sender_type in basis.agency_types:
            return basis
    return None


def profiles_by_sector():
    return {profile.sector: profile for profile in SectorProfile.objects.all()}


def sector_excludes(profiles, sector, basis):
    """The sector's profile (from `profiles_by_sector`) forbids its information to go
    out under `basis` (L04)."""
    profile = profiles.get(sector)
    return profile is not None and basis.code in profile.excluded_bases


def bases_usable_by(agency_type, day):
    """Every basis, consent or statutory, an agency of `agency_type` may use on `day`."""
    ids = [basis.pk for basis in bases_valid_on(day) if agency_type in basis.agency_types]
    return LegalBasis.objects.filter(pk__in=ids)
