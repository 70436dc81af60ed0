"""Chain templates as data (data/chains.json): who may start a chain, and the role each
hop goes to, found from the chain's municipality (L26: the police district from the
municipality → district table)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.translation import get_language

from tverrnett.agencies.models import AgencyType
from tverrnett.networks.models import Role, RoleKind

CHAINS_PATH = Path(__file__).resolve().parent / "data" / "chains.json"
SCOPES = ("municipality", "police_district")


@dataclass(frozen=True)
class Hop:
    role: str
    scope: str
    deadline_hours: int
    decision: bool = False


@dataclass(frozen=True)
class ChainTemplate:
    code: str
    name_nb: str
    name_en: str
    starters: tuple
    hops: tuple
    decision_to: Hop | None

    @property
    def name(self):
        return self.name_en if (get_language() or "").startswith("en") else self.name_nb


def _hop(raw, where):
    if raw["role"] not in RoleKind.values:
        raise ValueError(f"{where}: unknown role {raw['role']!r}")
    if raw["scope"] not in SCOPES:
        raise ValueError(f"{where}: scope must be one of {SCOPES}")
    hours = raw["deadline_hours"]
    if not isinstance(hours, int) or hours < 1:
        raise ValueError(f"{where}: deadline_hours must be a whole number of hours, at least 1")
    return Hop(raw["role"], raw["scope"], hours, bool(raw.get("decision", False)))


def parse_chains(data):
    templates = {}
    for raw in data["chains"]:
        code = raw["code"]
        if code in templates:
            raise ValueError(f"chain {code!r} is listed twice")
        starters = tuple(raw["from"])
        unknown = set(starters) - set(AgencyType.values)
        if unknown:
            raise ValueError(f"chain {code!r}: unknown agency types {sorted(unknown)}")
        hops = tuple(_hop(hop, f"chain {code!r} hop {n}") for n, hop in enumerate(raw["hops"], 1))
        if not hops:
            raise ValueError(f"chain {code!r} has no hops")
        decision_to = raw.get("decision_to")
        templates[code] = ChainTemplate(
            code=code,
            name_nb=raw["name"]["nb"],
            name_en=raw["name"]["en"],
            starters=starters,
            hops=hops,
            decision_to=_hop(decision_to, f"chain {code!r} decision_to") if decision_to else None,
        )
    return templates


@cache
def templates():
    with open(CHAINS_PATH, encoding="utf-8") as handle:
        return parse_chains(json.load(handle))


def template(code):
    return templates()[code]


def templates_for(agency):
    """The chains an agency may start."""
    return [chain for chain in templates().values() if agency.agency_type in chain.starters]


def role_for(hop, municipality):
    """The role a hop goes to for `municipality`, or None when nobody has that role there."""
    roles = Role.objects.filter(kind=hop.role).select_related("agency", "holder", "deputy")
    if hop.scope == "municipality":
        roles = roles.filter(municipality=municipality)
    else:
        roles = roles.filter(police_district_id=municipality.police_district_id)
    return roles.order_by("pk").first()
