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


def can_see_role(user, role):
    """Members of the role's agency, and members of a network the role belongs to or covers.

    A role covers a network when it is the network's own role, when it is the
    role of one of the network's municipalities, or when it is the role of the
    police district one of those municipalities lies in.
    """
    from tverrnett.networks.models import Network

    agency_ids = _active_agency_ids(user)
    if role.agency_id in agency_ids:
        return True
    if not agency_ids:
        return False
    covered = models.Q(pk=role.network_id) if role.network_id else models.Q(pk__in=[])
    if role.municipality_id:
        covered |= models.Q(municipalities=role.municipality_id)
    if role.police_district_id:
        covered |= models.Q(municipalities__police_district=role.police_district_id)
    return Network.objects.filter(
        covered, is_active=True, members__agency_id__in=agency_ids
    ).exists()


# Events (competence building, N8) --------------------------------------------


def event_agency_ids(user):
    """The agencies a user works for now; their events are the ones the user manages."""
    return _active_agency_ids(user)


def can_manage_event(user, event):
    """A user of the organiser agency (an active membership there) may edit the event,
    upload material and mark attendance."""
    return event.organiser_id in _active_agency_ids(user)


def event_network_ids(user, agency):
    """Networks `user` may hold an event in on behalf of `agency` (their current agency):
    those the agency itself is a member of."""
    from tverrnett.networks.models import NetworkMember

    if agency is None:
        return set()
    # member_network_ids(user) narrowed to this one agency, in a single query.
    return set(
        NetworkMember.objects.filter(
            agency_id=agency.pk,
            agency__is_active=True,
            agency__memberships__user=user,
            agency__memberships__is_active=True,
            network__is_active=True,
        ).values_list("network_id", flat=True)
    )


def announcement_posting_agencies(user):
    """{network id: ids of the user's agencies through which they may post there} (N6).

    A user may post an announcement in a network when an agency of theirs is a
    member of it and they either hold a role in that network (as holder or
    deputy) or manage that member agency. Three queries, whatever the size.
    """
    from tverrnett.networks.models import NetworkMember, Role

    memberships = list(
        user.memberships.filter(is_active=True, agency__is_active=True).values_list(
            "agency_id", "role"
        )
    )
    if not memberships:
        return {}
    agency_ids = {agency_id for agency_id, _role in memberships}
    managed = {agency_id for agency_id, role in memberships if role in _AGENCY_MANAGERS}
    role_networks = set(
        Role.objects.filter(network__isnull=False)
        .filter(models.Q(holder=user) | models.Q(deputy=user))
        .values_list("network_id", flat=True)
    )
    posting = {}
    for network_id, agency_id in NetworkMember.objects.filter(
        agency_id__in=agency_ids, network__is_active=True
    ).values_list("network_id", "agency_id"):
        if network_id in role_networks or agency_id in managed:
            posting.setdefault(network_id, set()).add(agency_id)
    return posting


def can_post_announcement(user, network):
    return network.pk in announcement_posting_agencies(user)


def can_see_read_receipts(user, announcement):
    """The author, and the administrators of the announcement's network."""
    if announcement.author_id == user.pk:
        return True
    return administers_network(user, announcement.network)


# Guidance requests (N7, X10) -------------------------------------------------


def works_for_agency(user, agency):
    """The user has an active membership in `agency` (an Agency or its id)."""
    agency_id = getattr(agency, "pk", agency)
    return agency_id is not None and agency_id in _active_agency_ids(user)


def can_see_guidance_request(user, guidance_request):
    """The sender's agency and the receiving agency; nobody else."""
    agency_ids = _active_agency_ids(user)
    if guidance_request.sender_agency_id in agency_ids:
        return True
    if guidance_request.recipient_agency_id in agency_ids:
        return True
    return False


def can_answer_guidance_request(user, guidance_request):
    """Only users of the receiving agency answer."""
    return guidance_request.recipient_agency_id in _active_agency_ids(user)


# Network administration (N4) -------------------------------------------------


def can_confirm_network_member(user, member):
    """A membership is confirmed as still right by the network's administrators, or by
    the member agency itself (a user with an active membership there)."""
    if member.agency_id in _active_agency_ids(user):
        return True
    return administers_network(user, member.network)
