"""Network pages: the list, one network, its health, and a role with its handovers.

Who sees what is decided in `tverrnett.access.policy`; a network or role a
user may not see answers 404, exactly like one that does not exist.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tverrnett.access import policy
from tverrnett.access.rules import member
from tverrnett.core.versions import StaleEdit
from tverrnett.geography.models import Municipality
from tverrnett.meetings.models import ForumMeeting
from tverrnett.networks import health
from tverrnett.networks.forms import (
    NETWORK_SORTS,
    AddMemberForm,
    ChildNetworkForm,
    ForumForm,
    HandOverRoleForm,
    MemberSearchForm,
    NetworkEditForm,
    NetworkFilterForm,
    RoleCreateForm,
    handover_candidates,
)
from tverrnett.networks.models import (
    Forum,
    Network,
    NetworkLevel,
    NetworkMember,
    Role,
    RoleHandover,
)
from tverrnett.networks.services import (
    add_network_member,
    child_levels,
    confirm_network_member,
    create_child_network,
    create_role,
    hand_over_role,
    remove_network_member,
    role_scopes,
    save_forum,
    update_network,
)
from tverrnett.records import services as records_services

NETWORKS_PER_PAGE = 25
# The network page lists a forum's meetings from this many days back, and all ahead.
MEETINGS_SHOWN_DAYS = 90

_LEVEL_RANK = Case(
    *(
        When(level=level, then=Value(rank))
        for rank, level in enumerate(
            [
                NetworkLevel.NATIONAL,
                NetworkLevel.REGIONAL,
                NetworkLevel.INTERMUNICIPAL,
                NetworkLevel.MUNICIPAL,
            ]
        )
    ),
    output_field=IntegerField(),
)


def _visible_networks(user):
    return Network.objects.filter(pk__in=policy.visible_network_ids(user), is_active=True)


@member
@require_GET
def network_list(request):
    form = NetworkFilterForm(request.GET)
    query, level, sort = form.filters()
    networks = (
        _visible_networks(request.user)
        .select_related("parent")
        .annotate(
            agency_count=Count("members__agency", distinct=True),
            level_rank=_LEVEL_RANK,
        )
        .order_by(*NETWORK_SORTS[sort], "pk")
    )
    if query:
        networks = networks.filter(name__icontains=query)
    if level:
        networks = networks.filter(level=level)
    page = Paginator(networks, NETWORKS_PER_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "networks/network_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(query or level),
        },
    )


@member
@require_GET
def network_detail(request, pk):
    visible = policy.visible_network_ids(request.user)
    network = get_object_or_404(
        Network.objects.filter(pk__in=visible, is_active=True).select_related("parent"), pk=pk
    )
    children = network.children.filter(pk__in=visible, is_active=True).order_by("name")
    municipalities = Municipality.objects.filter(networks=network).select_related("police_district")
    members = list(
        NetworkMember.objects.filter(network=network)
        .select_related("agency", "person")
        .order_by("agency__name", "person__first_name", "person__last_name", "pk")
    )
    # Forum meetings (tverrnett.meetings) show to members of this network only.
    sees_meetings = policy.sees_network_meetings(
        request.user, [member.agency_id for member in members]
    )
    forums = Forum.objects.filter(network=network).prefetch_related(
        Prefetch("agencies", to_attr="member_agencies"),
        Prefetch(
            "meetings",
            queryset=ForumMeeting.objects.filter(
                starts_at__gte=timezone.now() - timedelta(days=MEETINGS_SHOWN_DAYS)
            ).order_by("starts_at", "pk")
            if sees_meetings
            else ForumMeeting.objects.none(),
            to_attr="recent_meetings",
        ),
    )
    roles = sorted(
        health.network_roles(network), key=lambda role: (role.get_kind_display(), role.agency.name)
    )
    # Role pages are open to members of this network and of the role's agency
    # (policy.can_see_role); decided here for all rows at once.
    own_agencies = {membership.agency_id for membership in request.user.active_memberships()}
    is_member = any(member.agency_id in own_agencies for member in members)
    for role in roles:
        role.linked = is_member or role.agency_id in own_agencies
    # policy.can_confirm_network_member, decided for all rows at once.
    administers = policy.administers_network(request.user, network)
    for row in members:
        row.may_confirm = administers or row.agency_id in own_agencies
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "children": children,
            "municipalities": municipalities,
            "members": members,
            "forums": forums,
            "roles": roles,
            "administers": administers,
            "may_create_child": administers and bool(child_levels(network)),
            "may_edit_forums": administers and network.level == NetworkLevel.MUNICIPAL,
            "sees_meetings": sees_meetings,
            "may_plan_meetings": sees_meetings
            and policy.manages_forum_meetings(request.user, network, is_member=True),
            "may_confirm_any": any(row.may_confirm for row in members),
            "rvts": health.rvts_help(network),
        },
    )


@member
@require_GET
def network_health(request, pk):
    network = get_object_or_404(Network.objects.filter(is_active=True), pk=pk)
    if not policy.administers_network(request.user, network):
        raise Http404
    return render(
        request,
        "networks/network_health.html",
        {
            "network": network,
            "health": health.network_health(network),
            "rvts": health.rvts_help(network),
            "awaiting_rules": records_services.rules_awaiting_confirmation(),
        },
    )


@member
@require_http_methods(["GET", "POST"])
def role_detail(request, pk):
    role = get_object_or_404(
        Role.objects.select_related(
            "agency", "holder", "deputy", "municipality", "police_district", "network"
        ),
        pk=pk,
    )
    if not policy.can_see_role(request.user, role):
        raise Http404
    may_hand_over = policy.can_hand_over_role(request.user, role)
    if request.method == "POST" and not may_hand_over:
        raise PermissionDenied

    form = None
    if may_hand_over:
        form = HandOverRoleForm(
            request.POST or None, role=role, candidates=handover_candidates(role)
        )
    if request.method == "POST" and form.is_valid():
        try:
            handed = hand_over_role(
                request.user,
                role,
                new_holder=form.cleaned_data["new_holder"],
                new_deputy=form.cleaned_data["new_deputy"],
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
                request=request,
            )
        except ValidationError as error:
            # Field errors land on their fields; StaleRole is a message for the whole form.
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(role)s is handed over to %(person)s.")
                % {
                    "role": handed.get_kind_display(),
                    "person": handed.holder.get_full_name() or handed.holder.get_username(),
                },
            )
            return redirect("networks:role", pk=role.pk)

    handovers = RoleHandover.objects.filter(role=role).select_related(
        "previous_holder", "new_holder", "previous_deputy", "new_deputy", "handed_over_by"
    )
    return render(
        request,
        "networks/role_detail.html",
        {"role": role, "form": form, "handovers": handovers},
    )


# Keeping a network up to date (N4) -------------------------------------------

MEMBERS_PER_PAGE = 50


def _administered_network(request, pk):
    """The network, if the user may see it (else 404) and administers it (else 403)."""
    network = get_object_or_404(_visible_networks(request.user), pk=pk)
    if not policy.administers_network(request.user, network):
        raise PermissionDenied
    return network


@member
@require_http_methods(["GET", "POST"])
def network_edit(request, pk):
    network = _administered_network(request, pk)
    initial = {
        "version": network.version,
        "mandate": network.mandate,
        "meeting_rhythm": network.meeting_rhythm,
    }
    form = NetworkEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_network(request.user, network, **form.cleaned_data, request=request)
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("The network is updated."))
            return redirect("networks:detail", pk=network.pk)
    return render(request, "networks/network_edit.html", {"network": network, "form": form})


@member
@require_http_methods(["GET", "POST"])
def network_members(request, pk):
    network = _administered_network(request, pk)
    form = AddMemberForm(request.POST or None, network=network)
    if request.method == "POST" and form.is_valid():
        try:
            added = add_network_member(request.user, network, **form.cleaned_data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(agency)s is added to the network.") % {"agency": added.agency.name},
            )
            return redirect("networks:members", pk=network.pk)

    search = MemberSearchForm(request.GET)
    query = search.query()
    members = (
        NetworkMember.objects.filter(network=network)
        .select_related("agency", "person")
        .order_by("agency__name", "person__first_name", "person__last_name", "pk")
    )
    if query:
        members = members.filter(
            Q(agency__name__icontains=query)
            | Q(person__first_name__icontains=query)
            | Q(person__last_name__icontains=query)
        )
    page = Paginator(members, MEMBERS_PER_PAGE).get_page(request.GET.get("side"))
    return render(
        request,
        "networks/network_members.html",
        {"network": network, "form": form, "search": search, "query": query, "page": page},
    )


@member
@require_http_methods(["GET", "POST"])
def network_member_remove(request, pk, member_pk):
    """GET asks to confirm the removal (issue 21 item 10); POST removes."""
    network = _administered_network(request, pk)
    row = get_object_or_404(
        NetworkMember.objects.filter(network=network).select_related("agency", "person"),
        pk=member_pk,
    )
    if request.method == "GET":
        member_name = row.agency.name
        if row.person:
            member_name += ", " + (row.person.get_full_name() or row.person.username)
        return render(
            request,
            "confirm_removal.html",
            {
                "heading": _("Remove %(member)s from %(network)s?")
                % {"member": member_name, "network": network.name},
                "text": _(
                    "The agency no longer sees the network's pages through this membership, "
                    "and is no longer counted among its members. To undo it, add the agency "
                    "again on the members page."
                ),
                "button": _("Remove from the network"),
                "action": request.path,
                "back": reverse("networks:members", args=[network.pk]),
            },
        )
    remove_network_member(request.user, row, request=request)
    messages.success(
        request, _("%(agency)s is removed from the network.") % {"agency": row.agency.name}
    )
    return redirect("networks:members", pk=network.pk)


@member
@require_POST
def network_member_confirm(request, pk, member_pk):
    network = get_object_or_404(_visible_networks(request.user), pk=pk)
    row = get_object_or_404(
        NetworkMember.objects.filter(network=network).select_related("agency", "network"),
        pk=member_pk,
    )
    confirm_network_member(request.user, row, request=request)  # PermissionDenied → 403
    messages.success(
        request,
        _("The membership of %(agency)s is confirmed as still right.")
        % {"agency": row.agency.name},
    )
    return redirect(reverse("networks:detail", args=[network.pk]) + "#medlemmer")


@member
@require_http_methods(["GET", "POST"])
def role_create(request, pk):
    network = _administered_network(request, pk)
    form = RoleCreateForm(request.POST or None, network=network, scopes=role_scopes(network))
    if request.method == "POST" and form.is_valid():
        try:
            role = create_role(request.user, network, **form.cleaned_data, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The role is created. Choose its holder and deputy below."))
            return redirect("networks:role", pk=role.pk)
    return render(request, "networks/role_create.html", {"network": network, "form": form})


# Creating child networks and case forums --------------------------------------


@member
@require_http_methods(["GET", "POST"])
def network_create_child(request, pk):
    parent = _administered_network(request, pk)
    form = ChildNetworkForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        try:
            network = create_child_network(
                request.user, parent, agency=request.agency, **form.cleaned_data, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is created. You administer it.") % {"name": network.name},
            )
            return redirect("networks:detail", pk=network.pk)
    return render(request, "networks/network_create_child.html", {"network": parent, "form": form})


def _forum_form_page(request, network, forum):
    if network.level != NetworkLevel.MUNICIPAL:
        raise PermissionDenied
    initial = {}
    if forum is not None:
        initial = {
            "version": forum.version,
            "name": forum.name,
            "audience": forum.audience,
            "meeting_rhythm": forum.meeting_rhythm,
            "agencies": list(forum.agencies.all()),
        }
    form = ForumForm(request.POST or None, network=network, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_forum(request.user, network, **form.cleaned_data, forum=forum, request=request)
        except ValidationError as error:
            form.add_error(None, error)
        except StaleEdit as stale:
            form.add_error(None, str(stale))
        else:
            messages.success(request, _("The case forum is saved."))
            return redirect(reverse("networks:detail", args=[network.pk]) + "#forum")
    return render(
        request,
        "networks/forum_form.html",
        {"network": network, "forum": forum, "form": form},
    )


@member
@require_http_methods(["GET", "POST"])
def forum_create(request, pk):
    network = _administered_network(request, pk)
    return _forum_form_page(request, network, None)


@member
@require_http_methods(["GET", "POST"])
def forum_edit(request, forum_pk):
    forum = get_object_or_404(
        Forum.objects.filter(network__in=_visible_networks(request.user)), pk=forum_pk
    )
    network = _administered_network(request, forum.network_id)
    return _forum_form_page(request, network, forum)
