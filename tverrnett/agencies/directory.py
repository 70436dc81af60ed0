"""The agency directory's one question: who should I contact about a need in a municipality?

`who_to_contact(municipality, need)` answers with the contact points that
matter for a concern about radicalisation (issue 3, item 3): the
municipality's SLT coordinator, the police district's radicalisation
contact, the RVTS region and its centre, NAV, the correctional service and
the conflict council; a need adds the contacts it calls for (child welfare
and school, PST). A contact point is a role (networks.Role) with a holder
and a deputy; a role nobody holds is still listed, so a gap is visible.

Two queries whatever the size of the data: the roles of the municipality and
its police district, and the agencies there. The caller resolves the
municipality (geography.services.resolve_municipality), which selects the
police district and RVTS region with it.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tverrnett.agencies.models import Agency, AgencyType
from tverrnett.networks.models import Role, RoleKind


class Need(models.TextChoices):
    """What the user needs help with; each points to the contacts that fit it."""

    GENERAL = "general", _("General concern about radicalisation")
    WORK = "work", _("Work, education or income (NAV)")
    HOUSING = "housing", _("Housing (NAV)")
    CHILD = "child", _("A child or young person (child welfare, school)")
    PRISON = "prison", _("Prison or probation (correctional service)")
    RESTORATIVE = "restorative", _("Restorative meeting (conflict council)")
    GUIDANCE = "guidance", _("Guidance or assessment (RVTS)")
    SECURITY = "security", _("Security or threat (police, PST)")


@dataclass(frozen=True)
class Slot:
    """One line of the answer: a role kind and the agency type that fills it."""

    key: str
    kind: str
    agency_type: str
    title: str


SLT = Slot("slt", RoleKind.SLT_COORDINATOR, AgencyType.SLT, _("SLT coordinator"))
POLICE = Slot(
    "police",
    RoleKind.POLICE_RADICALISATION_CONTACT,
    AgencyType.POLICE_DISTRICT,
    _("Radicalisation contact in the police district"),
)
RVTS = Slot("rvts", RoleKind.RVTS_ADVISOR, AgencyType.RVTS, _("RVTS (regional resource centre)"))
NAV = Slot("nav", RoleKind.NAV_CONTACT, AgencyType.NAV, _("NAV contact"))
CORRECTIONAL = Slot(
    "correctional",
    RoleKind.CORRECTIONAL_CONTACT,
    AgencyType.CORRECTIONAL_SERVICE,
    _("Radicalisation contact in the correctional service"),
)
CONFLICT_COUNCIL = Slot(
    "conflict_council",
    RoleKind.CONFLICT_COUNCIL_CONTACT,
    AgencyType.CONFLICT_COUNCIL,
    _("Conflict council contact"),
)
CHILD_WELFARE = Slot(
    "child_welfare",
    RoleKind.CHILD_WELFARE_CONTACT,
    AgencyType.CHILD_WELFARE,
    _("Child welfare contact"),
)
SCHOOL = Slot("school", RoleKind.SCHOOL_CONTACT, AgencyType.SCHOOL, _("School contact"))
PST = Slot("pst", RoleKind.PST_CONTACT, AgencyType.PST, _("PST contact"))

# Always in the answer, in this order.
STANDARD_SLOTS = (SLT, POLICE, RVTS, NAV, CORRECTIONAL, CONFLICT_COUNCIL)
# A need puts these first; those not in STANDARD_SLOTS are added only for that need.
SLOTS_FOR_NEED = {
    Need.GENERAL: (SLT,),
    Need.WORK: (NAV,),
    Need.HOUSING: (NAV,),
    Need.CHILD: (CHILD_WELFARE, SCHOOL),
    Need.PRISON: (CORRECTIONAL,),
    Need.RESTORATIVE: (CONFLICT_COUNCIL,),
    Need.GUIDANCE: (RVTS,),
    Need.SECURITY: (POLICE, PST),
}
_ALL_SLOTS = (*STANDARD_SLOTS, CHILD_WELFARE, SCHOOL, PST)


@dataclass
class Contact:
    """Whom to call for one slot: the role (if any), its agency, and how to reach them."""

    slot: Slot
    role: Role | None = None
    agency: Agency | None = None
    rvts_region: object = None
    matches_need: bool = False

    @property
    def title(self):
        return self.slot.title

    @property
    def holder(self):
        """The holder, if the role has one whose account is active."""
        holder = self.role.holder if self.role else None
        return holder if holder is not None and holder.is_active else None

    @property
    def deputy(self):
        deputy = self.role.deputy if self.role else None
        return deputy if deputy is not None and deputy.is_active else None

    @property
    def contact_point(self):
        """Where phone and e-mail come from, both from one place so they never mix:
        the role's own contact point, else the agency's, else (RVTS) the region's."""
        for source in (self.role, self.agency, self.rvts_region):
            if source is not None and (source.phone or source.email):
                return source
        return None

    @property
    def phone(self):
        return self.contact_point.phone if self.contact_point else ""

    @property
    def email(self):
        return self.contact_point.email if self.contact_point else ""


@dataclass
class Directions:
    """The answer for one municipality and need, the contacts for the need first."""

    municipality: object
    need: str = ""
    contacts: list = field(default_factory=list)

    @property
    def police_district(self):
        return self.municipality.police_district

    @property
    def rvts_region(self):
        return self.municipality.rvts_region

    @property
    def need_label(self):
        return Need(self.need).label if self.need else ""


def who_to_contact(municipality, need=""):
    """The contact points for `need` in `municipality` (a current Municipality).

    For each slot the role scoped to the municipality wins over one scoped to
    its police district; without a role, the slot still names the local
    agency of that type (if the directory has one), with "no holder".
    """
    district = municipality.police_district
    region = municipality.rvts_region
    roles = _roles(municipality, district)
    agencies = _agencies(municipality, district, region)

    wanted = SLOTS_FOR_NEED.get(need, ())
    slots = [*wanted, *(slot for slot in STANDARD_SLOTS if slot not in wanted)]
    contacts = []
    for slot in slots:
        role = roles.get(slot.kind)
        agency = role.agency if role else agencies.get(slot.agency_type)
        if slot is RVTS:
            # The region the municipality lies in decides the centre; a role
            # held elsewhere does not change which centre serves it.
            agency = agencies.get(slot.agency_type) or agency
        contacts.append(
            Contact(
                slot=slot,
                role=role,
                agency=agency,
                rvts_region=region if slot is RVTS else None,
                matches_need=slot in wanted,
            )
        )
    return Directions(municipality=municipality, need=need, contacts=contacts)


def every_contact(municipality):
    """Every slot the directory knows for `municipality` (the standard ones, then child
    welfare, school and PST): whom a team could bring in (exit work, step 4)."""
    district = municipality.police_district
    region = municipality.rvts_region
    roles = _roles(municipality, district)
    agencies = _agencies(municipality, district, region)
    contacts = []
    for slot in _ALL_SLOTS:
        role = roles.get(slot.kind)
        agency = agencies.get(slot.agency_type) if slot is RVTS else None
        agency = agency or (role.agency if role else agencies.get(slot.agency_type))
        contacts.append(
            Contact(
                slot=slot, role=role, agency=agency, rvts_region=region if slot is RVTS else None
            )
        )
    return contacts


def _roles(municipality, district):
    """{role kind: the role that covers the municipality}, one query."""
    scope = Q(municipality=municipality)
    if district is not None:
        scope |= Q(police_district=district)
    found = {}
    for role in (
        Role.objects.filter(scope, kind__in=[slot.kind for slot in _ALL_SLOTS])
        .filter(agency__is_active=True)
        .select_related("agency", "holder", "deputy")
        .order_by("kind", "agency__name", "pk")
    ):
        current = found.get(role.kind)
        # A municipality's own role is closer than the district's.
        if current is None or (current.municipality_id is None and role.municipality_id):
            found[role.kind] = role
    return found


def _agencies(municipality, district, region):
    """{agency type: the closest active agency of that type}, one query.

    Closest: in the municipality, then (for an agency without a municipality)
    in the police district; an RVTS centre by the region it serves.
    """
    scope = Q(municipality=municipality)
    if district is not None:
        scope |= Q(police_district=district, municipality__isnull=True)
    if region is not None:
        scope |= Q(rvts_region=region, agency_type=AgencyType.RVTS)
    found = {}
    for agency in Agency.objects.filter(scope, is_active=True).order_by("name", "pk"):
        rank = _closeness(agency, municipality, region)
        current = found.get(agency.agency_type)
        if current is None or rank < _closeness(current, municipality, region):
            found[agency.agency_type] = agency
    return found


def _closeness(agency, municipality, region):
    if agency.agency_type == AgencyType.RVTS:
        return 0 if region is not None and agency.rvts_region_id == region.pk else 2
    return 0 if agency.municipality_id == municipality.pk else 1
