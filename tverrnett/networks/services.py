"""What users do with networks and roles. Each function takes the acting user first,
checks permission, changes data and writes the audit entry in one transaction."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from tverrnett.access import policy
from tverrnett.audit import actions
from tverrnett.audit.services import record
from tverrnett.core.versions import changed_message, claim
from tverrnett.geography.models import Municipality, PoliceDistrict
from tverrnett.networks.models import (
    _LEVEL_RANK,
    Forum,
    ForumAudience,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleHandover,
    RoleKind,
)

actions.register(
    "networks.role_handed_over", gettext_noop("Handed a role over to a new holder or deputy")
)

# Passed as new_deputy to leave the deputy as it is.
KEEP = object()


class StaleRole(ValidationError):
    """The role changed since the user loaded it; their handover would overwrite that."""


def hand_over_role(
    actor, role, *, new_holder, reason, expected_version, new_deputy=KEEP, request=None
):
    """Move `role` to `new_holder` (and optionally a new deputy) in one step.

    Everything assigned to the role stays with the role. The previous holder's
    account can be deactivated afterwards without losing anything.
    """
    if not policy.can_hand_over_role(actor, role):
        raise PermissionDenied(_("Only the holder, the deputy or a manager can hand over a role."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write why the role is handed over.")})

    with transaction.atomic():
        locked = Role.objects.select_for_update().get(pk=role.pk)
        if locked.version != expected_version:
            raise StaleRole(
                _(
                    "Someone changed this role while you were working. "
                    "Reload the page to see the change, then try again."
                )
            )
        deputy = locked.deputy if new_deputy is KEEP else new_deputy
        _check_people(locked, new_holder, deputy)

        handover = RoleHandover.objects.create(
            role=locked,
            previous_holder=locked.holder,
            new_holder=new_holder,
            previous_deputy=locked.deputy,
            new_deputy=deputy,
            handed_over_by=actor,
            handed_over_at=timezone.now(),
            reason=reason,
        )
        locked.holder = new_holder
        locked.deputy = deputy
        locked.holder_since = handover.handed_over_at
        locked.version += 1
        locked.save(update_fields=["holder", "deputy", "holder_since", "version"])
        record(
            "networks.role_handed_over",
            actor=actor,
            target=locked,
            request=request,
            detail={
                "previous_holder": handover.previous_holder_id,
                "new_holder": handover.new_holder_id,
                "previous_deputy": handover.previous_deputy_id,
                "new_deputy": handover.new_deputy_id,
                "handover": handover.pk,
            },
        )
    return locked


def _check_people(role, holder, deputy):
    errors = {}
    for field, person in (("new_holder", holder), ("new_deputy", deputy)):
        if person is None:
            continue
        if (
            not person.is_active
            or not person.memberships.filter(agency_id=role.agency_id, is_active=True).exists()
        ):
            errors[field] = _("%(person)s does not work for %(agency)s.") % {
                "person": person.get_full_name() or person.get_username(),
                "agency": role.agency,
            }
    if holder is not None and deputy is not None and holder.pk == deputy.pk:
        errors["new_deputy"] = _("The deputy must be someone other than the holder.")
    if errors:
        raise ValidationError(errors)


# Keeping a network up to date (N4) -------------------------------------------

actions.register(
    "networks.network_updated", gettext_noop("Changed a network's mandate or meeting rhythm")
)
actions.register("networks.member_added", gettext_noop("Added a member agency to a network"))
actions.register("networks.member_removed", gettext_noop("Removed a member from a network"))
actions.register(
    "networks.member_confirmed", gettext_noop("Confirmed that a network membership is still right")
)
actions.register("networks.role_created", gettext_noop("Created a role in a network"))


def _require_administrator(actor, network):
    if not policy.administers_network(actor, network):
        raise PermissionDenied(_("Only the network's administrators can change the network."))


def update_network(actor, network, *, version, mandate, meeting_rhythm, request=None):
    """Change the network's mandate and meeting rhythm, if the network is still at the
    `version` the user read (C5)."""
    _require_administrator(actor, network)
    with transaction.atomic():
        locked = Network.objects.select_for_update().get(pk=network.pk)
        changed = sorted(
            name
            for name, value in (("mandate", mandate), ("meeting_rhythm", meeting_rhythm))
            if getattr(locked, name) != value
        )
        claim(
            locked,
            version,
            message=changed_message(),
            mandate=mandate,
            meeting_rhythm=meeting_rhythm,
        )
        record(
            "networks.network_updated",
            actor=actor,
            target=locked,
            request=request,
            detail={"changed": changed},
        )
    return locked


def add_network_member(actor, network, *, agency, person=None, request=None):
    """Bring an agency (and optionally its named representative) into the network.

    Adding a member confirms it: the administrator has just checked it is right.
    """
    _require_administrator(actor, network)
    errors = {}
    if not agency.is_active:
        errors["agency"] = _("%(agency)s is no longer active.") % {"agency": agency}
    elif NetworkMember.objects.filter(network=network, agency=agency).exists():
        errors["agency"] = _("%(agency)s is already a member of the network.") % {"agency": agency}
    if (
        person is not None
        and not errors
        and not (
            person.is_active and person.memberships.filter(agency=agency, is_active=True).exists()
        )
    ):
        errors["person"] = _("%(person)s does not work for %(agency)s.") % {
            "person": person.get_full_name() or person.get_username(),
            "agency": agency,
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        member = NetworkMember.objects.create(
            network=network, agency=agency, person=person, confirmed_at=timezone.localdate()
        )
        record(
            "networks.member_added",
            actor=actor,
            target=network,
            request=request,
            detail={"member": member.pk, "agency": agency.pk, "person": person and person.pk},
        )
    return member


def remove_network_member(actor, member, *, request=None):
    """Take a member row out of the network. The agency's roles are not touched."""
    _require_administrator(actor, member.network)
    with transaction.atomic():
        detail = {"member": member.pk, "agency": member.agency_id, "person": member.person_id}
        NetworkMember.objects.filter(pk=member.pk).delete()
        record(
            "networks.member_removed",
            actor=actor,
            target=member.network,
            request=request,
            detail=detail,
        )


def confirm_network_member(actor, member, *, request=None):
    """Mark a membership as still right today; the health page stops flagging it."""
    if not policy.can_confirm_network_member(actor, member):
        raise PermissionDenied(
            _("Only the network's administrators or the member agency can confirm a membership.")
        )
    today = timezone.localdate()
    with transaction.atomic():
        NetworkMember.objects.filter(pk=member.pk).update(confirmed_at=today)
        member.confirmed_at = today
        record(
            "networks.member_confirmed",
            actor=actor,
            target=member.network,
            request=request,
            detail={"member": member.pk, "agency": member.agency_id},
        )
    return member


def role_scopes(network):
    """What a role created in `network` may cover: the network itself, its
    municipalities and their police districts."""
    municipalities = list(network.municipalities.select_related("police_district"))
    districts = {m.police_district for m in municipalities if m.police_district_id}
    return [network, *municipalities, *sorted(districts, key=lambda d: d.pk)]


def create_role(actor, network, *, kind, agency, scope, phone="", email="", request=None):
    """Create a role for a member agency, covering the network, one of its
    municipalities or their police district. It starts with no holder: the
    holder and deputy are set by a handover, which records who and why."""
    _require_administrator(actor, network)
    errors = {}
    if kind not in RoleKind.values:
        errors["kind"] = _("Choose one of the roles in the list.")
    if not NetworkMember.objects.filter(network=network, agency=agency).exists():
        errors["agency"] = _("%(agency)s is not a member of the network.") % {"agency": agency}
    if scope not in role_scopes(network):
        errors["scope"] = _(
            "A role in this network covers the network, one of its "
            "municipalities or their police district."
        )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        role = Role.objects.create(
            kind=kind,
            agency=agency,
            network=scope if isinstance(scope, Network) else None,
            municipality=scope if isinstance(scope, Municipality) else None,
            police_district=scope if isinstance(scope, PoliceDistrict) else None,
            phone=phone,
            email=email,
        )
        record(
            "networks.role_created",
            actor=actor,
            target=role,
            request=request,
            detail={"network": network.pk, "kind": kind, "agency": agency.pk},
        )
    return role


# Creating child networks and case forums --------------------------------------

actions.register(
    "networks.network_created", gettext_noop("Created a network below another network")
)
actions.register("networks.forum_saved", gettext_noop("Created or changed a case forum"))


def child_levels(parent):
    """The levels a network below `parent` may have: every level below the parent's."""
    rank = _LEVEL_RANK[parent.level]
    return [level for level in NetworkLevel if _LEVEL_RANK[level] > rank]


def create_child_network(
    actor,
    parent,
    *,
    agency,
    name,
    level,
    mandate="",
    meeting_rhythm="",
    municipalities=(),
    request=None,
):
    """Create a network below `parent`. The creator's agency becomes a confirmed member
    and gets the new network's administrator role, held by the creator."""
    _require_administrator(actor, parent)
    name = (name or "").strip()
    errors = {}
    if level not in child_levels(parent):
        errors["level"] = _("Choose a level below the parent network's.")
    if not name:
        errors["name"] = _("Write the network's name.")
    elif Network.objects.filter(name__iexact=name).exists():
        errors["name"] = _("A network with this name already exists.")
    if agency is None or not actor.memberships.filter(agency=agency, is_active=True).exists():
        errors[NON_FIELD_ERRORS] = _("Choose the agency you act for before creating a network.")
    if errors:
        raise ValidationError(errors)
    local = level in (NetworkLevel.MUNICIPAL, NetworkLevel.INTERMUNICIPAL)
    with transaction.atomic():
        network = Network.objects.create(
            name=name,
            level=level,
            parent=parent,
            mandate=mandate,
            meeting_rhythm=meeting_rhythm,
        )
        if local:
            network.municipalities.set(municipalities)
        NetworkMember.objects.create(
            network=network, agency=agency, confirmed_at=timezone.localdate()
        )
        now = timezone.now()
        Role.objects.create(
            kind=RoleKind.NETWORK_ADMINISTRATOR,
            agency=agency,
            network=network,
            holder=actor,
            holder_since=now,
        )
        record(
            "networks.network_created",
            actor=actor,
            target=network,
            request=request,
            detail={
                "parent": parent.pk,
                "level": level,
                "agency": agency.pk,
                "municipalities": sorted(m.pk for m in municipalities) if local else [],
            },
        )
    return network


def save_forum(
    actor,
    network,
    *,
    name,
    audience,
    meeting_rhythm="",
    agencies=(),
    forum=None,
    version=None,
    request=None,
):
    """Create a standing case forum in a municipal network, or change `forum` if it is
    still at the `version` the user read (C5). Its fixed member agencies must be
    members of the network."""
    if forum is not None:
        network = forum.network
    _require_administrator(actor, network)
    name = (name or "").strip()
    errors = {}
    if network.level != NetworkLevel.MUNICIPAL:
        raise PermissionDenied(_("Case forums belong to a municipal network."))
    if audience not in ForumAudience.values:
        errors["audience"] = _("Choose one of the options in the list.")
    if not name:
        errors["name"] = _("Write the forum's name.")
    elif (
        Forum.objects.filter(network=network, name__iexact=name)
        .exclude(pk=forum.pk if forum else None)
        .exists()
    ):
        errors["name"] = _("The network already has a forum with this name.")
    member_ids = set(
        NetworkMember.objects.filter(network=network).values_list("agency_id", flat=True)
    )
    outside = [agency for agency in agencies if agency.pk not in member_ids]
    if outside:
        errors["agencies"] = _("%(agency)s is not a member of the network.") % {
            "agency": outside[0]
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fields = {"name": name, "audience": audience, "meeting_rhythm": meeting_rhythm}
        if forum is None:
            forum = Forum.objects.create(network=network, **fields)
        else:
            claim(forum, version, message=changed_message(), **fields)
        forum.agencies.set(agencies)
        record(
            "networks.forum_saved",
            actor=actor,
            target=forum,
            request=request,
            detail={
                "network": network.pk,
                "audience": audience,
                "agencies": sorted(agency.pk for agency in agencies),
            },
        )
    return forum
