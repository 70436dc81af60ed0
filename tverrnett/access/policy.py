"""Who may do what. The one place such decisions are made."""

from django.db import models


def is_fully_authenticated(user):
    """Both factors passed in this session.

    django-otp marks the session verified after the TOTP step. When OIDC
    (ID-porten / Ansattporten) arrives, an eID login at substantial level or
    higher will mark the session the same way, and this stays the one check.
    """
    return user.is_authenticated and user.is_verified()


def acts_for_agency(request):
    """A fully authenticated user acting for one of their active agencies."""
    return is_fully_authenticated(request.user) and request.agency is not None


# Membership roles that may manage their agency's roles (hand them over, name deputies).
_AGENCY_MANAGERS = frozenset({"line_manager", "agency_admin"})


def manages_agency(user, agency_id):
    return user.memberships.filter(
        agency_id=agency_id, role__in=_AGENCY_MANAGERS, is_active=True, agency__is_active=True
    ).exists()


def can_hand_over_role(user, role):
    """The holder, the deputy, or a manager of the role's agency may hand a role over.

    The deputy may, because the usual case is a holder who has already left.
    """
    if role.holder_id == user.pk:
        return True
    if role.deputy_id == user.pk:
        return True
    return manages_agency(user, role.agency_id)


def _active_agency_ids(user):
    return list(
        user.memberships.filter(is_active=True, agency__is_active=True).values_list(
            "agency_id", flat=True
        )
    )


def visible_network_ids(user):
    """Networks a user may see: those an agency of theirs is a member of, and above them.

    Work at national and regional level flows down to the people who work
    locally (N6), so a member of a municipal network also sees the regional
    and national networks it hangs below. Two queries whatever the size: the
    network tree is small (hundreds of rows) and is walked in Python.
    """
    from tverrnett.networks.models import Network, NetworkMember

    own = set(
        NetworkMember.objects.filter(
            agency_id__in=_active_agency_ids(user), network__is_active=True
        ).values_list("network_id", flat=True)
    )
    if not own:
        return set()
    parent_of = dict(Network.objects.filter(is_active=True).values_list("id", "parent_id"))
    visible = set()
    for network_id in own:
        while network_id is not None and network_id not in visible:
            visible.add(network_id)
            network_id = parent_of.get(network_id)
    return visible


def member_network_ids(user):
    """Networks an agency of the user's is itself a member of (not those above)."""
    from tverrnett.networks.models import NetworkMember

    return set(
        NetworkMember.objects.filter(
            agency_id__in=_active_agency_ids(user), network__is_active=True
        ).values_list("network_id", flat=True)
    )


def administers_network(user, network):
    """The holder or deputy of the network's administrator role."""
    return (
        network.roles.filter(kind="network_administrator")
        .filter(models.Q(holder=user) | models.Q(deputy=user))
        .exists()
    )
