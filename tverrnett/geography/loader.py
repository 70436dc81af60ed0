"""Bringing the database in step with the reference data files in `data/`.

`read_reference_data` parses and checks the three files and raises
ReferenceDataError naming the file and record at the first problem it can
describe; nothing is written until everything has been checked.
`load_reference_data` then creates, updates and removes rows in one
transaction, saving only rows that differ, so a second run changes nothing.
"""

import datetime
import json
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError

from tverrnett.geography.models import Municipality, PoliceDistrict, RvtsRegion

DATA_DIR = Path(__file__).resolve().parent / "data"
MUNICIPALITIES_FILE = "municipalities.json"
POLICE_DISTRICTS_FILE = "police_districts.json"
RVTS_REGIONS_FILE = "rvts_regions.json"

# How many offending numbers an error message lists before "and N more".
_SHOWN = 10


class ReferenceDataError(Exception):
    pass


@dataclass
class Counts:
    total: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0


def read_reference_data(data_dir=DATA_DIR):
    """Parse and check the three files; return the records, ready to load."""
    data_dir = Path(data_dir)
    municipalities = _read_municipalities(
        _read_file(data_dir, MUNICIPALITIES_FILE, "municipalities")
    )
    current = {number for number, record in municipalities.items() if record["valid_to"] is None}
    districts = _read_police_districts(
        _read_file(data_dir, POLICE_DISTRICTS_FILE, "police_districts"), municipalities, current
    )
    regions = _read_rvts_regions(_read_file(data_dir, RVTS_REGIONS_FILE, "rvts_regions"), current)
    return municipalities, districts, regions


def load_reference_data(data_dir=DATA_DIR):
    """Check the files, then make the database match them. Returns Counts per table."""
    municipalities, districts, regions = read_reference_data(data_dir)
    with transaction.atomic():
        district_counts, district_rows = _sync(
            PoliceDistrict, "code", {code: fields for code, (fields, _) in districts.items()}
        )
        region_counts, region_rows = _sync(
            RvtsRegion, "code", {code: fields for code, (fields, _) in regions.items()}
        )
        municipality_counts = _sync_municipalities(
            municipalities, districts, district_rows, regions, region_rows
        )
        # Districts and regions last: only now does no municipality point to a removed one.
        district_counts.removed = _remove_absent(PoliceDistrict, "code", districts)
        region_counts.removed = _remove_absent(RvtsRegion, "code", regions)
    return {
        "municipalities": municipality_counts,
        "police_districts": district_counts,
        "rvts_regions": region_counts,
    }


# Reading and checking


def _read_file(data_dir, filename, records_key):
    path = data_dir / filename
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReferenceDataError(f"{filename}: file not found in {data_dir}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReferenceDataError(f"{filename}: not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ReferenceDataError(f"{filename}: the top level must be a JSON object")
    for key in ("source", "note"):
        if not isinstance(document.get(key), str) or not document[key].strip():
            raise ReferenceDataError(f"{filename}: '{key}' must name where the data comes from")
    _date(document.get("as_of"), f"{filename}: 'as_of'")
    records = document.get(records_key)
    if not isinstance(records, list) or not records:
        raise ReferenceDataError(f"{filename}: '{records_key}' must be a non-empty list")
    for position, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise ReferenceDataError(f"{filename}: record {position} is not a JSON object")
    return filename, document, records


def _date(value, where):
    if value is None:
        raise ReferenceDataError(f"{where} is missing; give a date such as 2024-01-01")
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ReferenceDataError(f"{where}: {value!r} is not a date such as 2024-01-01") from None


def _text(record, key, where, *, required=True):
    value = record.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise ReferenceDataError(f"{where}: '{key}' must be a non-empty string")
    # The longest column is 100 characters; the longest name today is 34.
    if len(value.strip()) > 100:
        raise ReferenceDataError(f"{where}: '{key}' is longer than 100 characters")
    return value.strip()


def _municipality_number(value, where):
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value):
        raise ReferenceDataError(
            f"{where}: municipality number {value!r} must be a string of exactly four digits, "
            'with the leading zero (e.g. "0301")'
        )
    return value


def _some(numbers):
    numbers = sorted(numbers)
    shown = ", ".join(numbers[:_SHOWN])
    return shown if len(numbers) <= _SHOWN else f"{shown} and {len(numbers) - _SHOWN} more"


def _read_municipalities(file):
    filename, document, records = file
    municipalities = {}
    for position, record in enumerate(records, start=1):
        where = f"{filename}: record {position}"
        number = _municipality_number(record.get("number"), where)
        where = f"{filename}: municipality {number}"
        if number in municipalities:
            raise ReferenceDataError(f"{where} appears twice")
        valid_from = _date(record.get("valid_from"), f"{where}: 'valid_from'")
        if "valid_to" not in record:
            raise ReferenceDataError(f"{where}: 'valid_to' is missing; use null for a current one")
        valid_to = None
        if record["valid_to"] is not None:
            valid_to = _date(record["valid_to"], f"{where}: 'valid_to'")
            if valid_to < valid_from:
                raise ReferenceDataError(f"{where}: 'valid_to' is before 'valid_from'")
        split_into = record.get("split_into") or []
        if not isinstance(split_into, list):
            raise ReferenceDataError(f"{where}: 'split_into' must be a list of numbers")
        municipalities[number] = {
            "name": _text(record, "name", where),
            "valid_from": valid_from,
            "valid_to": valid_to,
            "successor": record.get("successor"),
            "split_into": [
                _municipality_number(part, f"{where}: 'split_into'") for part in split_into
            ],
        }

    for number, record in municipalities.items():
        where = f"{filename}: municipality {number}"
        successor, parts = record["successor"], record["split_into"]
        if record["valid_to"] is None:
            if successor is not None or parts:
                raise ReferenceDataError(
                    f"{where} is current (valid_to is null) but has a successor or split_into"
                )
            continue
        if successor is None and not parts:
            raise ReferenceDataError(
                f"{where} ended on {record['valid_to']} but has neither 'successor' nor "
                "'split_into', so its number could not be resolved"
            )
        if successor is not None and parts:
            raise ReferenceDataError(f"{where} has both 'successor' and 'split_into'; give one")
        for target in [successor] if successor is not None else parts:
            _municipality_number(target, f"{where}: successor")
            if target not in municipalities:
                raise ReferenceDataError(f"{where}: successor {target} is not in the file")
            if municipalities[target]["valid_to"] is not None:
                raise ReferenceDataError(
                    f"{where}: successor {target} is itself historical; point to the current one"
                )

    counties = document.get("counties")
    if counties is not None:
        if not isinstance(counties, dict):
            raise ReferenceDataError(f"{filename}: 'counties' must map county codes to names")
        outside = [
            number
            for number, record in municipalities.items()
            if record["valid_to"] is None and number[:2] not in counties
        ]
        if outside:
            raise ReferenceDataError(
                f"{filename}: current municipalities in no listed county: {_some(outside)}"
            )
    return municipalities


def _code(record, where):
    code = record.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z_]+", code):
        raise ReferenceDataError(f"{where}: code {code!r} must be lower-case letters and _")
    return code


def _read_police_districts(file, municipalities, current):
    filename, _document, records = file
    districts = {}
    served_by = {}
    for position, record in enumerate(records, start=1):
        code = _code(record, f"{filename}: record {position}")
        where = f"{filename}: police district {code}"
        if code in districts:
            raise ReferenceDataError(f"{where} appears twice")
        numbers = record.get("municipalities")
        if not isinstance(numbers, list) or not numbers:
            raise ReferenceDataError(f"{where}: 'municipalities' must be a non-empty list")
        for number in numbers:
            _municipality_number(number, where)
            if number not in municipalities:
                raise ReferenceDataError(
                    f"{where}: municipality {number} is not in {MUNICIPALITIES_FILE}"
                )
            if number not in current:
                raise ReferenceDataError(
                    f"{where}: municipality {number} is historical; list its successor instead"
                )
            if number in served_by:
                raise ReferenceDataError(
                    f"{where}: municipality {number} is also listed under {served_by[number]}"
                )
            served_by[number] = code
        fields = {"name": _text(record, "name", where), "name_nn": _text(record, "name_nn", where)}
        districts[code] = (fields, numbers)
    unserved = current - served_by.keys()
    if unserved:
        raise ReferenceDataError(
            f"{filename}: current municipalities in no police district: {_some(unserved)}"
        )
    return districts


def _read_rvts_regions(file, current):
    filename, _document, records = file
    regions = {}
    region_of_county = {}
    for position, record in enumerate(records, start=1):
        code = _code(record, f"{filename}: record {position}")
        where = f"{filename}: RVTS region {code}"
        if code in regions:
            raise ReferenceDataError(f"{where} appears twice")
        email = _text(record, "email", where, required=False)
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise ReferenceDataError(f"{where}: {email!r} is not an e-mail address") from None
        counties = record.get("counties")
        if not isinstance(counties, list) or not counties:
            raise ReferenceDataError(f"{where}: 'counties' must be a non-empty list")
        for county in counties:
            if not isinstance(county, str) or not re.fullmatch(r"\d{2}", county):
                raise ReferenceDataError(
                    f'{where}: county {county!r} must be a string of two digits (e.g. "03")'
                )
            if county in region_of_county:
                raise ReferenceDataError(
                    f"{where}: county {county} is also listed under {region_of_county[county]}"
                )
            if not any(number.startswith(county) for number in current):
                raise ReferenceDataError(f"{where}: no current municipality is in county {county}")
            region_of_county[county] = code
        fields = {
            "name": _text(record, "name", where),
            "phone": _text(record, "phone", where, required=False),
            "email": email,
            "counties": sorted(counties),
        }
        regions[code] = (fields, counties)
    unserved = [number for number in current if number[:2] not in region_of_county]
    if unserved:
        raise ReferenceDataError(
            f"{filename}: current municipalities in no RVTS region: {_some(unserved)}"
        )
    return regions


# Writing


def _sync(model, key, wanted):
    """Create or update `model` rows so they hold `wanted` ({key value: fields})."""
    counts = Counts(total=len(wanted))
    rows = {getattr(row, key): row for row in model.objects.all()}
    for value, fields in wanted.items():
        row = rows.get(value)
        if row is None:
            rows[value] = model.objects.create(**{key: value}, **fields)
            counts.created += 1
        elif _assign(row, fields):
            row.save()
            counts.updated += 1
    return counts, rows


def _assign(row, fields):
    """Set the fields that differ; return whether any did."""
    changed = False
    for name, value in fields.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def _remove_absent(model, key, wanted):
    absent = model.objects.exclude(**{f"{key}__in": list(wanted)})
    labels = sorted(str(getattr(row, key)) for row in absent)
    try:
        absent.delete()
    except ProtectedError:
        raise ReferenceDataError(
            f"{model.__name__} {', '.join(labels)} is no longer in the data but other records "
            "still refer to it"
        ) from None
    return len(labels)


def _sync_municipalities(municipalities, districts, district_rows, regions, region_rows):
    district_of = {
        number: district_rows[code]
        for code, (_, numbers) in districts.items()
        for number in numbers
    }
    region_of_county = {
        county: region_rows[code] for code, (_, counties) in regions.items() for county in counties
    }

    def fields(number, record, rows):
        current = record["valid_to"] is None
        return {
            "name": record["name"],
            "valid_from": record["valid_from"],
            "valid_to": record["valid_to"],
            # Ids rather than objects, so comparing does not fetch the related rows.
            "successor_id": rows[record["successor"]].pk if record["successor"] else None,
            "police_district_id": district_of[number].pk if current else None,
            "rvts_region_id": region_of_county[number[:2]].pk if current else None,
        }

    counts = Counts(total=len(municipalities))
    rows = {row.number: row for row in Municipality.objects.all()}
    touched = set()
    # Current rows first: the historical rows point to them.
    for want_current in (True, False):
        new = []
        for number, record in municipalities.items():
            if (record["valid_to"] is None) != want_current:
                continue
            wanted = fields(number, record, rows)
            row = rows.get(number)
            if row is None:
                new.append(Municipality(number=number, **wanted))
            elif _assign(row, wanted):
                row.save()
                counts.updated += 1
                touched.add(number)
        # One INSERT for a first load instead of hundreds.
        for row in Municipality.objects.bulk_create(new):
            rows[row.number] = row
            touched.add(row.number)
        counts.created += len(new)
    stored_parts = {}
    for whole, part in Municipality.split_into.through.objects.values_list(
        "from_municipality_id", "to_municipality_id"
    ):
        stored_parts.setdefault(whole, set()).add(part)
    for number, record in municipalities.items():
        row = rows[number]
        wanted = {rows[part].pk for part in record["split_into"]}
        if stored_parts.get(row.pk, set()) != wanted:
            row.split_into.set(wanted)
            if number not in touched:
                counts.updated += 1

    absent = Municipality.objects.exclude(number__in=list(municipalities))
    labels = sorted(absent.values_list("number", flat=True))
    # A removed number may still be the successor of another removed one; clear
    # those links first so the deletion does not trip over its own rows.
    absent.update(successor=None)
    try:
        absent.delete()
    except ProtectedError:
        raise ReferenceDataError(
            f"municipalities {_some(labels)} are no longer in the data but other records "
            "still refer to them"
        ) from None
    counts.removed = len(labels)
    return counts
