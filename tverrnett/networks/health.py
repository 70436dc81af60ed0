"""Network health (N5): the gaps that make a network depend on one person, or on nobody.

Plain functions over one network, so the health page, a later report across
networks and the tests all ask the same questions. A role whose holder's
account is deactivated counts as held by nobody: the person has left.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from tverrnett.geography.models import Municipality, RvtsRegion
from tverrnett.networks.models import NetworkMember, Role, RoleKind


def network_roles(network):
    """The roles a network relies on: its own, its municipalities', and their police districts'."""
    municipalities = Municipality.objects.filter(networks=network)
    return (
        Role.objects.filter(
            Q(network=network)
            | Q(municipality__in=municipalities.values("pk"))
            | Q(police_district__in=municipalities.values("police_district"))
        )
        .select_related("agency", "holder", "deputy", "municipality", "police_district", "network")
        .order_by("kind", "agency__name", "pk")
    )


# The centre with the national guidance function on radicalisation and violent
# extremism (the seeds: "RVTS Øst har en nasjonal veiledningsfunksjon").
NATIONAL_GUIDANCE_REGION = "ost"


@dataclass
class RvtsHelp:
    """The RVTS centres serving a network's municipalities, and the national one."""

    regions: list
    national: object

    @property
    def refer_to_national(self):
        """No centre of the network's own has a phone or e-mail registered."""
        return not any(region.phone or region.email for region in self.regions)


def rvts_help(network):
    """The RVTS centres that can help establish and guide the network (the seeds): the
    regions of its municipalities, and RVTS Øst's national function; one query."""
    found = list(
        RvtsRegion.objects.annotate(
            served=Exists(Municipality.objects.filter(rvts_region=OuterRef("pk"), networks=network))
        )
        .filter(Q(served=True) | Q(code=NATIONAL_GUIDANCE_REGION))
        .order_by("name")
    )
    regions = [region for region in found if region.served]
    national = next((region for region in found if region.code == NATIONAL_GUIDANCE_REGION), None)
    return RvtsHelp(regions=regions, national=national)


def is_held(role):
    return role.holder_id is not None and role.holder.is_active


def has_deputy(role):
    return role.deputy_id is not None and role.deputy.is_active


def roles_without_holder(roles):
    return [role for role in roles if not is_held(role)]


def roles_without_deputy(roles):
    """Held roles with no deputy: the holder is a single point of failure.

    A role nobody holds is already listed as having no holder, so it is not
    listed here a second time.
    """
    return [role for role in roles if is_held(role) and not has_deputy(role)]


def municipalities_without_police_contact(municipalities, roles):
    """Municipalities whose police district has no radicalisation contact with a holder."""
    covered = {
        role.police_district_id
        for role in roles
        if role.kind == RoleKind.POLICE_RADICALISATION_CONTACT and is_held(role)
    }
    return [m for m in municipalities if m.police_district_id not in covered]


def municipalities_without_slt_coordinator(municipalities, roles):
    covered = {
        role.municipality_id
        for role in roles
        if role.kind == RoleKind.SLT_COORDINATOR and is_held(role)
    }
    return [m for m in municipalities if m.pk not in covered]


def confirmation_deadline(today=None):
    """Member rows confirmed before this date are overdue."""
    today = today or timezone.localdate()
    return today - timedelta(days=settings.NETWORK_MEMBER_CONFIRMATION_DAYS)


def unconfirmed_members(network, today=None):
    return list(
        NetworkMember.objects.filter(network=network)
        .filter(Q(confirmed_at__isnull=True) | Q(confirmed_at__lt=confirmation_deadline(today)))
        .select_related("agency", "person")
        .order_by("agency__name", "pk")
    )


@dataclass
class NetworkHealth:
    roles_without_holder: list = field(default_factory=list)
    roles_without_deputy: list = field(default_factory=list)
    municipalities_without_police_contact: list = field(default_factory=list)
    municipalities_without_slt_coordinator: list = field(default_factory=list)
    unconfirmed_members: list = field(default_factory=list)

    @property
    def count(self):
        return (
            len(self.roles_without_holder)
            + len(self.roles_without_deputy)
            + len(self.municipalities_without_police_contact)
            + len(self.municipalities_without_slt_coordinator)
            + len(self.unconfirmed_members)
        )


def network_health(network, today=None):
    """Every finding for one network, in four queries whatever its size."""
    roles = list(network_roles(network))
    municipalities = list(network.municipalities.select_related("police_district").order_by("name"))
    return NetworkHealth(
        roles_without_holder=roles_without_holder(roles),
        roles_without_deputy=roles_without_deputy(roles),
        municipalities_without_police_contact=municipalities_without_police_contact(
            municipalities, roles
        ),
        municipalities_without_slt_coordinator=municipalities_without_slt_coordinator(
            municipalities, roles
        ),
        unconfirmed_members=unconfirmed_members(network, today),
    )
