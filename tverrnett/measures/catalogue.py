"""The catalogue of measure types: editable data, not code (X4, X9).

`data/measure_types.json` is the catalogue. To change it, edit the file and run
`manage.py load_measure_types` (`make run` and `seed_demo` run it too; in
production, after each release). Nobody edits types in the application: not
agency or network administrators either, so no page or role is needed for it.

`load_measure_types` is idempotent: a type is matched by its code and updated,
the file's order is the order shown, and a type that has left the file is set
inactive, never deleted (measures keep pointing at it).
"""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tverrnett.measures.models import MeasureGroup, MeasureType

CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "measure_types.json"

_TYPE_KEYS = {"code", "group", "name", "description"}


def _texts(raw, key, where, *, required):
    value = raw[key]
    if not isinstance(value, dict) or set(value) != {"nb", "en"}:
        raise ValidationError(f"{where}: {key} needs exactly the languages nb and en")
    if required and not all(str(value[language]).strip() for language in ("nb", "en")):
        raise ValidationError(f"{where}: {key} is empty")
    return str(value["nb"]).strip(), str(value["en"]).strip()


def parse_measure_types(data):
    """Check the file's shape and return (version, types) with types as field dicts."""
    version = data["catalogue_version"]
    types = []
    codes = set()
    for position, raw in enumerate(data["types"], start=1):
        where = f"type {raw.get('code')!r}"
        if set(raw) != _TYPE_KEYS:
            raise ValidationError(f"{where}: keys differ from {sorted(_TYPE_KEYS)}")
        code = raw["code"]
        if not isinstance(code, str) or not code or code in codes:
            raise ValidationError(f"{where}: missing or listed twice")
        codes.add(code)
        if raw["group"] not in MeasureGroup.values:
            raise ValidationError(f"{where}: unknown group {raw['group']!r}")
        name_nb, name_en = _texts(raw, "name", where, required=True)
        description_nb, description_en = _texts(raw, "description", where, required=False)
        types.append(
            {
                "code": code,
                "group": raw["group"],
                "name_nb": name_nb,
                "name_en": name_en,
                "description_nb": description_nb,
                "description_en": description_en,
                "position": position,
                "is_active": True,
            }
        )
    return version, types


@transaction.atomic
def load_measure_types(path=None):
    """Bring MeasureType in step with the file; return the catalogue version.

    Running it twice changes nothing. A type no longer in the file is set
    inactive; one that comes back is active again.
    """
    with open(path or CATALOGUE_PATH, encoding="utf-8") as handle:
        version, types = parse_measure_types(json.load(handle))
    codes = [fields["code"] for fields in types]
    for fields in types:
        MeasureType.objects.update_or_create(code=fields.pop("code"), defaults=fields)
    MeasureType.objects.exclude(code__in=codes).update(is_active=False)
    return version
