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


# Membership roles that manage their agency: its roles (hand them over, name deputies),
# its directory entry, special-category permissions, and the review of its users'
# break-glass access. Its people (the member list, ending a membership) are account
# administration: `administers_accounts_of`.
AGENCY_MANAGER_ROLES = frozenset({"line_manager", "agency_admin"})


def managed_agencies(user):
    """The user's memberships as a manager, as a subquery-ready queryset of agency ids."""
    return user.memberships.filter(
        role__in=AGENCY_MANAGER_ROLES, is_active=True, agency__is_active=True
    ).values("agency_id")


def managed_acting_agencies(user):
    """`managed_agencies` narrowed to the agency the user acts for (in a request): for
    what concerns case data, such as break-glass reviews and escalated notices."""
    return _for_acting_membership(
        user.memberships.filter(
            role__in=AGENCY_MANAGER_ROLES, is_active=True, agency__is_active=True
        ),
        user,
    ).values("agency_id")


def manages_agency(user, agency_id):
    return managed_agencies(user).filter(agency_id=agency_id).exists()


def manages_any_agency(user):
    return managed_agencies(user).exists()


def administers_accounts_of(user, agency):
    """Account administration of `agency` (the member list, invite, change membership
    roles, end memberships, reset an authenticator, lift a lockout): an agency
    administrator of it, acting for it. Everyone else gets what a missing page gets.

    The stricter of the two rules the agency once had for its people (issue 19, item 4):
    the old people page let any manager (line managers too, whichever agency they acted
    for) list the people and end memberships, with a 403 for others. Now one list and
    one way to end a membership, for the agency's administrators acting for it; a line
    manager asks an administrator."""
    if agency is None or not getattr(agency, "is_active", False):
        return False
    return _for_acting_membership(
        user.memberships.filter(
            role="agency_admin", is_active=True, agency__is_active=True, agency=agency
        ),
        user,
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


# The agency a user acts for (issue 16, item 3) ---------------------------------------
#
# A user with several memberships acts for one at a time: the session's membership,
# which `CurrentAgencyMiddleware` also sets as `user.acting_membership` (None when the
# session names no active membership). Every decision about case data is made for that
# membership only: the agencies counted for case work, the coordinator path (the
# coordinator role's agency must be the acting agency) and break-glass (only for the
# agency it was granted for). Outside a request (management commands, workers,
# service-level unit tests) the user has no `acting_membership` attribute and all their
# active memberships count.

_OUTSIDE_REQUEST = object()


def acting_membership(user):
    """The membership `user` acts for in this request: a Membership, None (acts for
    nobody), or `_OUTSIDE_REQUEST` when no request set it (all memberships count)."""
    return getattr(user, "acting_membership", _OUTSIDE_REQUEST)


def _for_acting_membership(memberships, user):
    """`memberships` (a queryset of the user's memberships) narrowed to the acting one."""
    acting = acting_membership(user)
    if acting is _OUTSIDE_REQUEST:
        return memberships
    if acting is None:
        return memberships.none()
    return memberships.filter(pk=acting.pk)


def acts_for(user, agency_id):
    """In a request: `agency_id` is the acting agency. Outside one: always true."""
    acting = acting_membership(user)
    if acting is _OUTSIDE_REQUEST:
        return True
    return acting is not None and acting.agency_id == agency_id


def may_undo(user, removal):
    """Only the user who removed something, acting for the agency they acted for then,
    may undo it (`tverrnett.cases.undo`); the kind's own rule is checked again too."""
    if removal.removed_by_id != user.pk:
        return False
    if removal.agency_id is None:
        return acting_membership(user) is _OUTSIDE_REQUEST
    return acts_for(user, removal.agency_id)


def acting_agency_id(user):
    """The acting agency's id in a request; None outside one or acting for nobody."""
    acting = acting_membership(user)
    if acting is _OUTSIDE_REQUEST or acting is None:
        return None
    return acting.agency_id


def _acting_agency_ids(user):
    """The user's active agencies for case data (notices, guidance): the acting one in a
    request, all of them outside one."""
    return set(
        _for_acting_membership(
            user.memberships.filter(is_active=True, agency__is_active=True), user
        ).values_list("agency_id", flat=True)
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
    managed = {agency_id for agency_id, role in memberships if role in AGENCY_MANAGER_ROLES}
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
    """The sender's agency and the receiving agency (the one the user acts for); nobody
    else."""
    agency_ids = _acting_agency_ids(user)
    if guidance_request.sender_agency_id in agency_ids:
        return True
    if guidance_request.recipient_agency_id in agency_ids:
        return True
    return False


def can_answer_guidance_request(user, guidance_request):
    """Only users of the receiving agency answer, acting for it."""
    return guidance_request.recipient_agency_id in _acting_agency_ids(user)


# Network administration (N4) -------------------------------------------------


def can_confirm_network_member(user, member):
    """A membership is confirmed as still right by the network's administrators, or by
    the member agency itself (a user with an active membership there)."""
    if member.agency_id in _active_agency_ids(user):
        return True
    return administers_network(user, member.network)


# Concern cases (C1, L05, L42, L43) -------------------------------------------

# Agency administrators run their agency's accounts and directory entry; they
# do not do case work, so membership in that role opens no case (L42). Neither does
# the privacy and security officer, who reviews the agency's access log (L45) and
# sees of a case only its reference there (`reviews_log_of`).
_NO_CASE_WORK_ROLES = frozenset({"agency_admin", "privacy_officer", "records_officer"})


def case_agency_ids(user):
    """The user's agencies through which they do case work.

    Voluntary organisations take part as bridge builders with limited access
    (N9): they reach a case only through a consent (`volunteer_agency_ids`). An
    agency administrator's membership opens none. `does_case_work` says the same
    of one membership already loaded.
    """
    return case_memberships(user)[0]


def volunteer_agency_ids(user):
    """The user's voluntary organisations whose confidentiality declaration (the current
    text) the user has accepted. Only through these can a consent open a case (L49)."""
    return case_memberships(user)[1]


def case_memberships(user):
    """(case-work agency ids, declared voluntary organisation ids), in one query.

    In a request only the membership the user acts for counts (`acting_membership`):
    a user acting for agency X never reaches a case through their membership in Y.
    Outside a request (commands, workers, service tests) all memberships count.
    """
    from django.conf import settings

    from tverrnett.agencies.models import AgencyType

    declared = user.confidentiality_declarations.filter(
        agency_id=models.OuterRef("agency_id"),
        text_version=settings.CONFIDENTIALITY_DECLARATION_VERSION,
    )
    memberships = _for_acting_membership(
        user.memberships.filter(is_active=True, agency__is_active=True), user
    )
    rows = (
        memberships.exclude(role__in=_NO_CASE_WORK_ROLES)
        .annotate(declared=models.Exists(declared))
        .values_list("agency_id", "agency__agency_type", "declared")
    )
    case_work, volunteer = set(), set()
    for agency_id, agency_type, has_declared in rows:
        if agency_type != AgencyType.VOLUNTARY_ORG:
            case_work.add(agency_id)
        elif has_declared:
            volunteer.add(agency_id)
    return case_work, volunteer


def agencies_awaiting_declaration(user):
    """Ids of the user's voluntary organisations that a consent could open a case to once
    the user accepts the current confidentiality declaration (L49)."""
    from tverrnett.agencies.models import AgencyType

    return (
        user.memberships.filter(
            is_active=True,
            agency__is_active=True,
            agency__agency_type=AgencyType.VOLUNTARY_ORG,
        )
        .exclude(role__in=_NO_CASE_WORK_ROLES)
        .exclude(agency_id__in=list(volunteer_agency_ids(user)))
        .values("agency_id")
    )


def does_case_work(membership):
    """The rule of `case_agency_ids` for one membership, without a query."""
    from tverrnett.agencies.models import AgencyType

    return (
        membership.role not in _NO_CASE_WORK_ROLES
        and membership.agency.agency_type != AgencyType.VOLUNTARY_ORG
    )


def _consents_naming(agency_ids, day):
    """Cases with a consent, valid on `day`, that names one of `agency_ids` (L49)."""
    from tverrnett.consent.models import Consent

    return Consent.objects.valid_on(day).filter(recipients__in=agency_ids).values("case_id")


def holds_coordinator_role(user, role):
    """The holder or deputy of a case's coordinator role, acting for the role's agency
    (in a request; outside one, holding the role is enough)."""
    if user.pk not in (role.holder_id, role.deputy_id):
        return False
    return acts_for(user, role.agency_id)


def holds_role_filter(user, role="coordinator_role"):
    """Q for rows whose `role` (a path to a Role, e.g. "case__coordinator_role") the user
    holds or deputises, narrowed to the acting agency as `holds_coordinator_role`: the
    start page's lists of what a coordinator must do follow the agency acted for."""
    condition = models.Q(**{f"{role}__holder": user}) | models.Q(**{f"{role}__deputy": user})
    acting = acting_membership(user)
    if acting is None:
        return models.Q(pk__in=[])
    if acting is not _OUTSIDE_REQUEST:
        condition &= models.Q(**{f"{role}__agency_id": acting.agency_id})
    return condition


def _break_glass_accesses(user, now):
    """The user's unexpired break-glass accesses that count now: in a request only those
    granted for the agency they act for."""
    from tverrnett.cases.models import BreakGlassAccess

    accesses = BreakGlassAccess.objects.filter(user=user, expires_at__gt=now)
    acting = acting_membership(user)
    if acting is None:
        return accesses.none()
    if acting is not _OUTSIDE_REQUEST:
        accesses = accesses.filter(agency_id=acting.agency_id)
    return accesses


def _case_access_filter(user, agency_ids, now):
    from tverrnett.cases.models import TeamMember

    on_team = models.Q(pk__in=TeamMember.objects.filter(agency_id__in=agency_ids).values("case_id"))
    coordinates = holds_role_filter(user)
    broke_glass = models.Q(pk__in=_break_glass_accesses(user, now).values("case_id"))
    return on_team | coordinates | broke_glass


def visible_cases(user, now=None, memberships=None):
    """Every concern case the user may see: their agency is on its team, they hold or
    deputise the coordinator role, they have unexpired break-glass access, or (for a
    voluntary organisation whose declaration they accepted) a valid consent names
    their organisation.

    For anyone else a case does not exist, so every list, count, search and
    lookup of cases starts here.
    """
    from django.utils import timezone

    from tverrnett.cases.models import ConcernCase

    if not is_fully_authenticated(user):
        return ConcernCase.objects.none()
    now = now or timezone.now()
    # `memberships`: what case_memberships(user) gave, when the caller already asked.
    agency_ids, volunteer_ids = memberships or case_memberships(user)
    access = models.Q(pk__in=[])
    # Coordinator roles and break-glass are case work too: no case-work
    # membership, none of those, whatever else the user holds.
    if agency_ids:
        access |= _case_access_filter(user, agency_ids, now)
    if volunteer_ids:
        access |= models.Q(
            pk__in=_consents_naming(volunteer_ids, timezone.localdate(now)),
            is_anonymous=False,
        )
    if not (agency_ids or volunteer_ids):
        return ConcernCase.objects.none()
    # A case merged into another exists no more: its URL leads to the survivor for
    # those who see it (tverrnett.duplicates).
    return ConcernCase.objects.filter(access, merged_into__isnull=True)


def case_for_access(user, pk, memberships, now=None):
    """The case `pk` (a queryset of at most one case), looked up by its id and annotated
    with what `case_access_path(..., annotated=True)` and `can_manage_case` need, so that
    one query finds the case and answers how the user reaches it: a page opens one case
    without building the user's whole visible set (`visible_cases`). A merged case is
    not found (it exists no more, tverrnett.duplicates); neither is any case for a user
    with no case-work or declared membership. The caller decides from the path: None is
    the same 404 as a missing case."""
    from django.utils import timezone

    from tverrnett.cases.models import ConcernCase, TeamMember

    agency_ids, volunteer_ids = memberships
    if not is_fully_authenticated(user) or not (agency_ids or volunteer_ids):
        return ConcernCase.objects.none()
    now = now or timezone.now()
    this_case = models.OuterRef("pk")
    no = models.Value(False)
    on_team = TeamMember.objects.filter(case=this_case, agency_id__in=agency_ids)
    return ConcernCase.objects.filter(pk=pk, merged_into__isnull=True).annotate(
        access_on_team=models.Exists(on_team) if agency_ids else no,
        access_has_lead=models.Exists(on_team.filter(has_lead=True)) if agency_ids else no,
        access_break_glass=(
            models.Exists(_break_glass_accesses(user, now).filter(case=this_case))
            if agency_ids
            else no
        ),
        access_consent=(
            models.Exists(
                _consents_naming(volunteer_ids, timezone.localdate(now)).filter(case=this_case)
            )
            if volunteer_ids
            else no
        ),
    )


def case_access_path(user, case, now=None, memberships=None, annotated=False):
    """How the user reaches `case`: "team", "coordinator", "break_glass", "consent"
    (a voluntary organisation named in a valid consent), or None.

    Recorded in the read audit (L44), so a reviewer sees why someone looked.
    `annotated`: `case` came from `case_for_access` in this request, with the same
    `memberships`; its annotations answer the questions below without a query.
    """
    from django.utils import timezone

    if not is_fully_authenticated(user):
        return None
    now = now or timezone.now()
    agency_ids, volunteer_ids = memberships or case_memberships(user)
    if agency_ids:
        if (
            case.access_on_team
            if annotated
            else case.team.filter(agency_id__in=agency_ids).exists()
        ):
            return "team"
        if holds_coordinator_role(user, case.coordinator_role):
            return "coordinator"
        if (
            case.access_break_glass
            if annotated
            else _break_glass_accesses(user, now).filter(case=case).exists()
        ):
            return "break_glass"
    if (
        volunteer_ids
        and not case.is_anonymous
        and (
            case.access_consent
            if annotated
            else _consents_naming(volunteer_ids, timezone.localdate(now)).filter(case=case).exists()
        )
    ):
        return "consent"
    return None


def can_work_on_case(user, case, access_path):
    """Write journal entries, tasks and the person's details: the team and the coordinator,
    while the case is open. Break-glass access reads; it does not write; a voluntary
    organisation reads what was disclosed to it."""
    return access_path in ("team", "coordinator") and not case.is_closed


def can_manage_case(user, case, access_path, agency_ids=None, annotated=False):
    """Change state, coordinator, team and responsibilities: the coordinator role's holder
    and deputy, and users of the agency holding the coordinator role or the lead.
    `annotated`: as for `case_access_path`."""
    if access_path not in ("team", "coordinator"):
        return False
    role = case.coordinator_role
    if holds_coordinator_role(user, role):
        return True
    if agency_ids is None:
        agency_ids = case_agency_ids(user)
    if role.agency_id in agency_ids:
        return True
    if annotated:
        return case.access_has_lead
    return case.team.filter(agency_id__in=agency_ids, has_lead=True).exists()


def can_change_agency_work(user, case, agency_id, access_path, agency_ids=None, manages=None):
    """Tasks and measures belong to the agency that does them (`Task.owner_agency`,
    `Measure.responsible_agency`). They are added for, and changed by, that agency
    (acting for it), and by the coordinator's side (`can_manage_case`); another team
    agency does not move them (a teacher does not change the coordinator's task). Only
    while the user may work on the case at all. `agency_ids` and `manages`: what
    case_agency_ids and can_manage_case gave, when the caller already asked."""
    if not can_work_on_case(user, case, access_path):
        return False
    if agency_ids is None:
        agency_ids = case_agency_ids(user)
    if agency_id in agency_ids:
        return True
    if manages is None:
        manages = can_manage_case(user, case, access_path, agency_ids)
    return manages


def own_journal(user, case):
    """The current versions of the entries the user's agencies wrote on `case`: the
    items they may correct and disclose."""
    return case.journal.filter(
        agency_id__in=case_agency_ids(user), superseded_by__isnull=True
    ).select_related("agency", "author")


def _still_open(prefix=""):
    """A disclosure still opens its items to its recipient: it was not made under a
    consent that has since been withdrawn (L13), or the recipient recorded its own
    basis for keeping them (consent.RecipientBasis). `prefix`: the path to the
    disclosure ("disclosure__" from a DisclosedItem)."""
    return models.Q(**{f"{prefix}consent__withdrawal__isnull": True}) | models.Q(
        **{f"{prefix}recipient_basis__isnull": False}
    )


def disclosure_opens_items(disclosure):
    """`_still_open` for one disclosure already loaded (with consent__withdrawal and
    recipient_basis selected, no query)."""
    from tverrnett.consent.models import RecipientBasis

    if disclosure.consent is None or not disclosure.consent.is_withdrawn:
        return True
    try:
        return disclosure.recipient_basis is not None
    except RecipientBasis.DoesNotExist:
        return False


def _disclosed_to(agency_ids, **case_filter):
    """Ids of the item versions disclosed to one of `agency_ids` (consent.Disclosure)
    by a disclosure that still opens them (`_still_open`).

    Matched on the item's case, not the disclosure's: a merge moves the items to the
    surviving case while the disclosure record, which never changes, keeps naming the
    merged one (tverrnett.duplicates)."""
    from tverrnett.consent.models import DisclosedItem

    return DisclosedItem.objects.filter(
        _still_open("disclosure__"),
        disclosure__recipient_agency_id__in=agency_ids,
        **{f"entry__{key}": value for key, value in case_filter.items()},
    ).values("entry_id")


def visible_journal(user, case, access_path=None, memberships=None):
    """The information items the user may read on `case` (C1, L05): the current
    versions of their own agencies' entries, and exactly the versions another agency
    disclosed to one of their agencies (tverrnett.consent). Nothing else of another
    agency's journal, whatever the team or the municipality; nothing at all for a
    user who cannot reach the case (`access_path` and `memberships`: what
    case_access_path and case_memberships gave, when the caller already asked).
    """
    memberships = memberships or case_memberships(user)
    if access_path is None:
        access_path = case_access_path(user, case, memberships=memberships)
    if access_path is None:
        return case.journal.none()
    own, volunteer = memberships
    disclosed = _disclosed_to(own | volunteer, case=case)
    return case.journal.filter(
        models.Q(agency_id__in=own, superseded_by__isnull=True) | models.Q(pk__in=disclosed)
    ).select_related("agency", "author")


def visible_assessments(user, case, access_path=None, memberships=None):
    """The risk and needs assessments (tverrnett.assessments) the user may read on `case`:
    an assessment is an information item of the assessor's agency, so that agency's users
    read its drafts and signed ones, and another agency reads a signed one only when its
    item was disclosed to it. Nothing for a user who cannot reach the case."""
    memberships = memberships or case_memberships(user)
    if access_path is None:
        access_path = case_access_path(user, case, memberships=memberships)
    if access_path is None:
        return case.assessments.none()
    own, volunteer = memberships
    disclosed = _disclosed_to(own | volunteer, case=case)
    return case.assessments.filter(
        models.Q(agency_id__in=own) | models.Q(entry_id__in=disclosed, status="signed")
    )


def visible_document_versions(user, case, access_path=None, memberships=None):
    """The document versions (tverrnett.documents) the user may read on `case`: exactly
    those whose information item the user may read (`visible_journal`). A document is an
    item of the uploading agency like any journal entry, each version carried by its own
    entry, so it reaches another agency only through a disclosure of that entry; there is
    no rule of its own. Nothing for a user who cannot reach the case."""
    from tverrnett.documents.models import DocumentVersion

    entries = visible_journal(user, case, access_path, memberships)
    return DocumentVersion.objects.filter(document__case=case, entry_id__in=entries.values("pk"))


# Parts of a case (C1, L05, L04) -------------------------------------------------------
#
# Besides its own items, an agency on the follow-up team sees only the parts of the
# case that were opened to it: the coordinator role's agency sees every part, the agency
# that registered the concern the identity and intake it gave, and any other agency what
# a team-join disclosure (a consent or a legal basis, tverrnett.consent) named. Without
# one it has the reduced view: the case's reference, state, municipality, coordinator,
# team and responsibilities, what it is asked to contribute, and its own tasks, measures
# and items. A break-glass access reads every part; a voluntary organisation reaches
# only the consent page of its own.


def _all_case_parts():
    from tverrnett.cases.models import CasePart

    return frozenset(CasePart.values)


def _opening_disclosures(agency_ids, day):
    """Disclosures to `agency_ids` still in force on `day`: a legal basis holds until the
    record says otherwise; a consent only while it is valid (withdrawn or ended, the
    parts it opened close again)."""
    from tverrnett.consent.models import Consent, Disclosure

    return Disclosure.objects.filter(recipient_agency_id__in=agency_ids).filter(
        models.Q(consent__isnull=True) | models.Q(consent__in=Consent.objects.valid_on(day))
    )


def _may_have_opened_parts(case):
    """False only when the case page's query of the case found that no disclosure ever
    opened a part of it (`has_opened_parts`): then none is in force, with no query."""
    return getattr(case, "has_opened_parts", True)


def opened_case_parts(case, agency_ids, day=None):
    """The parts of `case` disclosures in force opened to one of `agency_ids`."""
    from django.utils import timezone

    from tverrnett.consent.models import DisclosedPart

    if not agency_ids or not _may_have_opened_parts(case):
        return frozenset()
    opening = _opening_disclosures(agency_ids, day or timezone.localdate()).filter(case=case)
    return frozenset(
        DisclosedPart.objects.filter(disclosure__in=opening).values_list("part", flat=True)
    )


def case_parts(user, case, access_path, agency_ids, day=None):
    """The parts of `case` (cases.CasePart) the user sees, reaching it by `access_path`
    for `agency_ids` (their case-work agencies). The one rule; pages only ask it."""
    if access_path in ("coordinator", "break_glass"):
        return _all_case_parts()
    if access_path != "team":
        return frozenset()
    if case.coordinator_role.agency_id in agency_ids:
        return _all_case_parts()
    return _team_parts(case, agency_ids, opened_case_parts(case, agency_ids, day))


def _team_parts(case, agency_ids, opened):
    """What `agency_ids` see of `case` as team agencies, given the parts disclosures in
    force `opened` to them."""
    from tverrnett.cases.models import CasePart

    if case.coordinator_role.agency_id in agency_ids:
        return _all_case_parts()
    parts = set(opened)
    if case.created_agency_id in agency_ids:
        parts |= {CasePart.IDENTITY, CasePart.INTAKE}
    return frozenset(parts)


def agency_sees_every_part(case, agency_id, day=None):
    """Whether `agency_id` (not a user) would see every part of `case` as a team agency:
    the coordinator role may move to an agency only then."""
    if case.coordinator_role.agency_id == agency_id:
        return True
    return opened_case_parts(case, {agency_id}, day) >= _all_case_parts()


def team_parts(case, team=None, day=None):
    """{agency id: the parts it sees} for every agency on the case's team (`team`: their
    ids, when the caller has them), in one query: what the coordinator sees of who sees
    what."""
    from django.utils import timezone

    from tverrnett.consent.models import DisclosedPart

    if team is None:
        team = list(case.team.values_list("agency_id", flat=True))
    rows = (
        DisclosedPart.objects.filter(
            disclosure__in=_opening_disclosures(team, day or timezone.localdate()).filter(case=case)
        ).values_list("disclosure__recipient_agency_id", "part")
        if _may_have_opened_parts(case)
        else []
    )
    opened = {}
    for agency_id, part in rows:
        opened.setdefault(agency_id, set()).add(part)
    return {
        agency_id: _team_parts(case, {agency_id}, opened.get(agency_id, ())) for agency_id in team
    }


# The pages' read-entry parts that show a gated part of the case. A page that shows one
# of these without the part being open does not exist for the user (404).
PAGE_PART_GATES = {
    "person": "identity",
    "guardians": "identity",
    "identity_number": "identity",
    "consents": "identity",
    "declaration": "identity",
    "signed_declaration": "identity",
    "child_cases": "identity",
    "access_report": "identity",
    "intake": "intake",
    "summary": "summary",
    "security_clarification": "clarification",
    "resources": "own_network",
    "measures": "measures",
    "contact": "conversations",
    "contact_agreements": "conversations",
    "conversations": "conversations",
}


def gated_parts(page_parts):
    """The parts of the case a page shows, from its read-entry parts."""
    return {PAGE_PART_GATES[part] for part in page_parts if part in PAGE_PART_GATES}


def hidden_person_fields(agency, access_path, parts, confidential=None):
    """The person's fields the user does not see (L04): all of them when the identity is
    not open to their agency; under break-glass, which has no recorded basis, the fields
    their own sector's profile marks confidential (child welfare: name, birth date,
    address, occupation). `confidential`: those fields, when the caller already read
    them."""
    from tverrnett.cases.models import CasePart
    from tverrnett.consent.models import SectorProfile

    if CasePart.IDENTITY not in parts:
        return frozenset(PERSON_FIELDS)
    if access_path != "break_glass" or agency is None:
        return frozenset()
    if confidential is not None:
        return frozenset(confidential)
    profile = SectorProfile.objects.filter(sector=agency.agency_type).first()
    return frozenset(profile.confidential_person_fields) if profile else frozenset()


PERSON_FIELDS = (
    "name",
    "birth_date",
    "address",
    "occupation",
    "identity_number",
    "gender_in_own_words",
    "languages",
    "interpreter",
    "guardians",
)


def part_shown(user, agency_ids, part, now=None):
    """`part` is in `case_parts(...)`, as a condition on ConcernCase, for lists and
    search: one subquery, whatever the number of cases."""
    from django.utils import timezone

    from tverrnett.cases.models import CasePart, TeamMember
    from tverrnett.consent.models import DisclosedPart

    now = now or timezone.now()
    if not agency_ids:
        return models.Q(pk__in=[])
    opened = DisclosedPart.objects.filter(
        part=part,
        disclosure__in=_opening_disclosures(agency_ids, timezone.localdate(now)),
    ).values("disclosure__case_id")
    # The coordinator and break-glass paths, as case_access_path takes them: for the
    # membership acted for, and only where the team path does not come first.
    on_team = models.Q(pk__in=TeamMember.objects.filter(agency_id__in=agency_ids).values("case_id"))
    shown = (
        models.Q(coordinator_role__agency_id__in=agency_ids)
        | models.Q(pk__in=opened)
        | (
            ~on_team
            & (
                holds_role_filter(user)
                | models.Q(pk__in=_break_glass_accesses(user, now).values("case_id"))
            )
        )
    )
    if part in (CasePart.IDENTITY, CasePart.INTAKE):
        shown |= models.Q(created_agency_id__in=agency_ids)
    return shown


def visible_disclosures(user, case, agency_ids):
    """The disclosure records a user sees on a case they reach: all of them for the
    coordinator (oversight of the case), otherwise those their agencies (`agency_ids`)
    sent or received."""
    from tverrnett.consent.models import Disclosure

    disclosures = Disclosure.objects.filter(case=case)
    if can_see_case_readers(user, case):
        return disclosures
    return disclosures.filter(
        models.Q(sender_agency_id__in=agency_ids) | models.Q(recipient_agency_id__in=agency_ids)
    )


def disclosures_awaiting_own_basis(user, case, agency_ids, memberships=None):
    """The item disclosures on `case` to `agency_ids` (pass the one the user acts for, to
    record) that a consent's withdrawal closed and for which the recipient has recorded
    no basis of its own: the ones a user of the recipient may record an own basis for
    (L13). Only the user's case-work agencies record one. A team join's parts are not
    kept this way: a withdrawal closes them (`_opening_disclosures`). `case` None: on
    every case the user reaches (`memberships`: what case_memberships gave, when the
    caller already asked)."""
    from tverrnett.consent.models import DisclosedItem, Disclosure

    memberships = memberships or case_memberships(user)
    agency_ids = set(agency_ids) & memberships[0]
    if not agency_ids:
        return Disclosure.objects.none()
    on_case = (
        {"case": case}
        if case is not None
        else {"case__in": visible_cases(user, memberships=memberships)}
    )
    return Disclosure.objects.filter(
        models.Exists(DisclosedItem.objects.filter(disclosure=models.OuterRef("pk"))),
        **on_case,
        recipient_agency_id__in=agency_ids,
        consent__withdrawal__isnull=False,
        recipient_basis__isnull=True,
    )


def records_own_basis_by(access_path):
    """An own basis is the recipient's decision, made by its users who work on the case
    (team or coordinator); break-glass access reads, it does not decide."""
    return access_path in ("team", "coordinator")


def can_record_own_basis(user, disclosure, agency):
    """The user, acting for `agency`, may record the agency's own basis for keeping the
    items of `disclosure`: the agency received it, its consent was withdrawn, no basis is
    recorded yet, and the user works on the case (`records_own_basis_by`)."""
    if agency is None or not records_own_basis_by(case_access_path(user, disclosure.case)):
        return False
    return (
        disclosures_awaiting_own_basis(user, disclosure.case, {agency.pk})
        .filter(pk=disclosure.pk)
        .exists()
    )


def can_see_case_readers(user, case):
    """Who has looked at the case: the coordinator (holder and deputy) only (L44)."""
    return holds_coordinator_role(user, case.coordinator_role)


def _break_glass_types_refused():
    from tverrnett.agencies.models import AgencyType

    # Schools and voluntary organisations never open a case outside their access: their
    # part in a case is given to them by the coordinator (N9, N10; issue 16, item 5).
    return frozenset({AgencyType.SCHOOL, AgencyType.VOLUNTARY_ORG})


def may_offer_break_glass(user, agency):
    """Whether break-glass is offered at all (the link and the page): the user acts for
    `agency` (a case-work membership) and the agency is of a kind that may need it."""
    if agency is None or agency.agency_type in _break_glass_types_refused():
        return False
    return agency.pk in case_agency_ids(user)


def may_break_glass(user, agency, case):
    """Whether the user, acting for `agency`, may open `case` with emergency access: the
    agency could plausibly need it because it lies in the case's municipality or its
    police district, or holds a role the case's network names or that covers the case's
    municipality or police district. Never a school or a voluntary organisation.

    A refusal must look the same as a reference that names no case (the form says the
    same for both), so nobody learns that a case exists."""
    from tverrnett.networks.models import Role

    if not may_offer_break_glass(user, agency):
        return False
    municipality = case.municipality
    district_id = municipality.police_district_id
    if agency.municipality_id == municipality.pk:
        return True
    if district_id is not None and district_id in (
        agency.police_district_id,
        getattr(agency.municipality, "police_district_id", None),
    ):
        return True
    named = models.Q(network_id=case.network_id) | models.Q(municipality_id=municipality.pk)
    if district_id is not None:
        named |= models.Q(police_district_id=district_id)
    return Role.objects.filter(named, agency=agency).exists()


def _agency_acted_for_as(user, role):
    """The agency of the membership the user acts for, when it has `role`; otherwise
    None. Only the acting membership counts; outside a request, nothing."""
    acting = acting_membership(user)
    if acting is _OUTSIDE_REQUEST or acting is None:
        return None
    if not is_fully_authenticated(user) or acting.role != role:
        return None
    return acting.agency_id


def reviews_log_of(user):
    """The agency whose access log the user reviews (L45): a privacy and security
    officer's, acting for it. A user who is a privacy officer in one agency and acts for
    another reviews nothing."""
    return _agency_acted_for_as(user, "privacy_officer")


def keeps_records_of(user):
    """The agency whose records the user keeps (issue 20): a records officer's, acting
    for it. A records officer sees the cases the agency coordinates only as the
    lifecycle needs them (reference, kind, dates) and exports them to the archive."""
    return _agency_acted_for_as(user, "records_officer")


def can_review_break_glass(user, access):
    """The managers of the agency the user acted for when they broke the glass."""
    return (
        access.user_id != user.pk
        and managed_acting_agencies(user).filter(agency_id=access.agency_id).exists()
    )


def can_make_access_report(user, person):
    """An access report about a person (L40) is made by a user who does case work and
    holds or deputises the coordinator role of a case about them (open or closed).

    No second-factor check here: the pages have passed it (the deny-by-default
    middleware), and the `access_report` command is run by an operator.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not case_agency_ids(user):
        return False
    return person.cases.filter(holds_role_filter(user)).exists()


def readable_journal_ids(user, case_ids):
    """Ids of every version of the items on `case_ids` whose text the user's agencies may
    read: their own agencies' items and the versions disclosed to them (the rule of
    `visible_journal`, with history, for a report about a person). Another agency's
    item is only listed in such a report; that agency answers for its content."""
    from tverrnett.cases.models import JournalEntry

    own, volunteer = case_memberships(user)
    disclosed = _disclosed_to(own | volunteer, case_id__in=case_ids)
    return set(
        JournalEntry.objects.filter(case_id__in=case_ids)
        .filter(models.Q(agency_id__in=own) | models.Q(pk__in=disclosed))
        .values_list("pk", flat=True)
    )


def can_search_by_identity_number(agency, agency_ids):
    """Searching the cases one may see for a person by fødselsnummer or D-number: only
    while acting for an agency that records identity numbers (data minimisation) and
    does case work (`agency_ids`: case_agency_ids). For anyone else a number finds
    nothing, whether or not a case holds it."""
    if agency is None:
        return False
    if agency.pk not in agency_ids:
        return False
    return agency.records_identity_numbers


def readable_assessment_ids(user, case_ids):
    """Ids of the assessments on `case_ids` whose content the user's agencies may read: the
    rule of `visible_assessments`, for a report about a person. Another agency's
    assessment is only listed in such a report."""
    from tverrnett.assessments.models import Assessment

    own, volunteer = case_memberships(user)
    disclosed = _disclosed_to(own | volunteer, case_id__in=case_ids)
    return set(
        Assessment.objects.filter(case_id__in=case_ids)
        .filter(models.Q(agency_id__in=own) | models.Q(entry_id__in=disclosed, status="signed"))
        .values_list("pk", flat=True)
    )


# Individual plans (tverrnett.plans) ----------------------------------------------------


def plan_agency_ids(plan):
    """The services of a plan: those its consent names, and the coordinator role's agency."""
    return set(plan.consent.recipients.values_list("id", flat=True)) | {
        plan.coordinator_role.agency_id
    }


def _is_plan_coordinator(user, plan, agency_ids):
    role = plan.coordinator_role
    return holds_coordinator_role(user, role) or role.agency_id in agency_ids


def can_see_plan(user, plan, access_path, agency_ids):
    """The plan is for the services its consent names (L30) and its coordinator, among
    those who reach the case. A break-glass access reads it only for such a service:
    emergency access to the case does not widen the plan's consent."""
    if access_path not in ("team", "coordinator", "break_glass"):
        return False
    return _is_plan_coordinator(user, plan, agency_ids) or bool(agency_ids & plan_agency_ids(plan))


def can_edit_plan(user, plan, agency_ids):
    """The coordinator's side writes the plan: the role's holder and deputy and its agency,
    while the case is open and they reach it as team or coordinator."""
    case = plan.case
    if case.is_closed:
        return False
    if case_access_path(user, case) not in ("team", "coordinator"):
        return False
    return _is_plan_coordinator(user, plan, agency_ids)


def plan_contributing_agency_ids(user, plan, agency_ids):
    """The user's services that write their own part of the plan: named in its consent or
    coordinating it, and on the case's team, while the case is open."""
    case = plan.case
    if case.is_closed or case_access_path(user, case) not in ("team", "coordinator"):
        return set()
    team = set(case.team.values_list("agency_id", flat=True))
    return agency_ids & plan_agency_ids(plan) & team


# Notices along notification chains (tverrnett.notices) ---------------------------------


def holds_role(user, role):
    """The role's holder or deputy (acting for the role's agency): a notice to the role
    reaches both."""
    return user.pk in (role.holder_id, role.deputy_id) and acts_for(user, role.agency_id)


def notice_escalated_to_manager(user, notice):
    """After escalation to managers, a manager of the receiving agency may acknowledge."""
    return (
        notice.escalation_level >= 2
        and managed_acting_agencies(user).filter(agency_id=notice.recipient_role.agency_id).exists()
    )


def _notice_agency_ids(user):
    """A notice is about a person: in a request only the acting agency counts."""
    return _acting_agency_ids(user)


def received_notices(user):
    """Notices to a role the user holds or deputises, or escalated to them as a manager of
    the receiving agency. Never to the agency as a whole: a colleague without the role
    receives nothing."""
    from tverrnett.notices.models import Notice

    return Notice.objects.filter(
        holds_role_filter(user, "recipient_role")
        | models.Q(
            escalation_level__gte=2, recipient_role__agency_id__in=managed_acting_agencies(user)
        )
    ).select_related("chain", "sender_agency", "recipient_role__agency")


def notices_sent_by_agencies_of(user, agency_ids=None):
    """Notices the user's agencies sent (`agency_ids`: those agencies, when known)."""
    from tverrnett.notices.models import Notice

    agency_ids = _notice_agency_ids(user) if agency_ids is None else agency_ids
    return Notice.objects.filter(sender_agency_id__in=agency_ids).select_related(
        "chain", "sender_agency", "recipient_role__agency"
    )


def can_see_notice_chain(user, chain):
    """A chain exists for the agencies that started it or sent one of its notices, for the
    holders and deputies of the roles it reached, and for the managers it escalated to.
    For anyone else it does not exist."""
    if not is_fully_authenticated(user):
        return False
    agency_ids = _notice_agency_ids(user)
    if chain.started_agency_id in agency_ids:
        return True
    return (
        received_notices(user).filter(chain=chain).exists()
        or notices_sent_by_agencies_of(user, agency_ids).filter(chain=chain).exists()
    )


def visible_notice_chains(user):
    """Every chain `can_see_notice_chain` lets the user see, as one query."""
    from tverrnett.notices.models import NoticeChain

    if not is_fully_authenticated(user):
        return NoticeChain.objects.none()
    agency_ids = _notice_agency_ids(user)
    return NoticeChain.objects.filter(
        models.Q(pk__in=received_notices(user).values("chain_id"))
        | models.Q(pk__in=notices_sent_by_agencies_of(user, agency_ids).values("chain_id"))
        | models.Q(started_agency_id__in=agency_ids)
    )


def reads_notice_content(user, notice, agency_ids):
    """What a notice says is for its sender's agency and the role it reached (and the
    managers it escalated to); the rest of the chain sees only that it went, and when."""
    return (
        notice.sender_agency_id in agency_ids
        or holds_role(user, notice.recipient_role)
        or notice_escalated_to_manager(user, notice)
    )


def sees_notice_case(user, chain):
    """The case a chain links to shows its reference (and a link to it) only to those who may
    see the case (`visible_cases`); the rest of the chain sees at most that a case is
    linked."""
    if chain.case_id is None:
        return False
    return visible_cases(user).filter(pk=chain.case_id).exists()


def _notice_chain_agency_ids(chain):
    """The agencies a chain went through: its starter, its senders and its recipients."""
    ids = {chain.started_agency_id}
    for sender_id, recipient_id in chain.notices.values_list(
        "sender_agency_id", "recipient_role__agency_id"
    ):
        ids |= {sender_id, recipient_id}
    return ids


def can_link_notice_case(user, chain, agency):
    """A chain not yet linked is linked to a case by someone on the chain acting for one of
    the chain's agencies, where they do case work; the case must be one they see
    (`visible_cases`). The agency they act for is recorded as the one that linked it."""
    if chain.case_id is not None:
        return False
    if agency is None:
        return False
    if agency.pk not in case_agency_ids(user):
        return False
    if agency.pk not in _notice_chain_agency_ids(chain):
        return False
    return can_see_notice_chain(user, chain)


def can_change_notice_case_link(user, chain, agency):
    """A chain's link to a case is changed or removed only by the agency that made it (a
    user acting for it now, doing case work there) or by the holder or deputy of the
    linked case's coordinator role, and only by someone on the chain. Everyone else gets
    what a missing chain gets, and nothing changes."""
    if chain.case_id is None:
        return False
    if not can_see_notice_chain(user, chain):
        return False
    if (
        agency is not None
        and chain.case_linked_by_agency_id == agency.pk
        and agency.pk in case_agency_ids(user)
    ):
        return True
    return holds_role(user, chain.case.coordinator_role)


def coordinator_changes_for(user):
    """The coordinator changes told to a role the user holds or deputises (L21), each with
    `case_visible`: whether the user may see the case (`visible_cases`). Only then are the
    case's reference and a link to it shown; otherwise only that a case moved."""
    from tverrnett.notices.models import CoordinatorChange

    if not is_fully_authenticated(user):
        return CoordinatorChange.objects.none()
    # The same rule as `can_read_coordinator_change`: for the role's agency acted for.
    return CoordinatorChange.objects.filter(holds_role_filter(user, "role")).annotate(
        case_visible=models.Exists(visible_cases(user).filter(pk=models.OuterRef("case_id")))
    )


def can_read_coordinator_change(user, change):
    """A coordinator change is for the holder and deputy of the role it was told to."""
    return is_fully_authenticated(user) and holds_role(user, change.role)


# Special categories: GDPR Art. 9 and Art. 10 (L34) --------------------------------------


def _special_category_agency_ids(user, agency):
    """The agency the user acts for (`agency`, an Agency or its id) if it is one of their
    active agencies; with none given, `_acting_agency_ids` (the acting membership's
    agency in a request, all active agencies outside one)."""
    if agency is None:
        return list(_acting_agency_ids(user))
    agency_id = getattr(agency, "pk", agency)
    return [agency_id] if agency_id in _active_agency_ids(user) else []


def special_category_permissions(user, agency=None, day=None):
    """The user's special-category permissions that count on `day`: granted for the
    agency the user acts for (`agency`; all their active agencies when None), not
    revoked, and not yet ended. A permission never carries over to another agency."""
    from django.utils import timezone

    from tverrnett.agencies.models import SpecialCategoryPermission

    day = day or timezone.localdate()
    return SpecialCategoryPermission.objects.filter(
        user=user,
        agency_id__in=_special_category_agency_ids(user, agency),
        revoked_at__isnull=True,
        ends_on__gte=day,
    )


def may_read_special_categories(user, agency=None, day=None):
    """Whether the user may read the text of items tagged GDPR Art. 9 or 10 (L34), acting
    for `agency` on `day`. The one rule; every page that shows an item's text asks it
    through `withhold_special_categories`."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return special_category_permissions(user, agency, day).exists()


def special_category_managers(user, agency=None):
    """Whom to ask for the permission: the managers of the agency the user acts for (all
    of the user's active agencies when None), as names, the user left out."""
    from tverrnett.accounts.models import Membership

    rows = (
        Membership.objects.filter(
            agency_id__in=_special_category_agency_ids(user, agency),
            role__in=AGENCY_MANAGER_ROLES,
            is_active=True,
            user__is_active=True,
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    names = []
    for membership in rows:
        name = membership.user.get_full_name() or membership.user.get_username()
        if name not in names:
            names.append(name)
    return names


# What a withheld item keeps of itself in memory: nothing of what it says.
_WITHHELD_BLANKS = {
    "text": "",
    "correction_reason": "",
    "factor": "",
    "health_data": False,
    "religious_beliefs": False,
    "political_opinions": False,
    "offences": False,
}


def withhold_special_categories(user, items, agency=None, day=None):
    """Mark each information item (JournalEntry) the user may not read in full (L34).

    Every item gets `withheld`. A withheld item keeps its place, date and author,
    and gets `ask_managers` (whom to ask for the permission); its text, tags,
    factor and correction reason are blanked on the object in memory, so a
    template that forgets the flag shows nothing of it either (items are never
    saved back: a correction is a new item). Returns the items as a list. At most
    two queries, none when no item is tagged.
    """
    items = list(items)
    tagged = [item for item in items if item.special_categories]
    allowed = not tagged or may_read_special_categories(user, agency, day)
    ask = [] if allowed else special_category_managers(user, agency)
    for item in items:
        item.withheld = not allowed and bool(item.special_categories)
        if item.withheld:
            item.ask_managers = ask
            for name, blank in _WITHHELD_BLANKS.items():
                setattr(item, name, blank)
    return items


def can_grant_special_categories(user, agency, acting_agency=None, manages=None):
    """A manager of `agency`, acting for it (a user with several memberships acting for
    another agency may not), grants and revokes its members' permissions. `manages`:
    what manages_agency(user, agency) gave, when the caller already asked."""
    if acting_agency is not None and getattr(acting_agency, "pk", acting_agency) != agency.pk:
        return False
    return manages_agency(user, agency.pk) if manages is None else manages


def withhold_special_assessments(user, assessments, agency=None, day=None):
    """A signed risk and needs assessment is an information item (its `entry`): when that
    item is tagged GDPR Art. 9 or 10 and the user may not read it, the assessment gets
    `withheld` (and `ask_managers`) and nothing of what it says is shown: its summary
    and recommended measures are blanked in memory, its ratings are not to be read.
    Returns the assessments as a list."""
    assessments = list(assessments)
    entries = [assessment.entry for assessment in assessments if assessment.entry_id]
    withhold_special_categories(user, entries, agency, day)
    for assessment in assessments:
        assessment.withheld = bool(assessment.entry_id) and assessment.entry.withheld
        if assessment.withheld:
            assessment.ask_managers = assessment.entry.ask_managers
            assessment.summary = ""
            assessment.recommended_measures = ""
    return assessments


# Possible duplicates and merged cases (tverrnett.duplicates) ---------------------------


def _manages_open_case(user, case):
    return not case.is_closed and can_manage_case(user, case, case_access_path(user, case))


def duplicate_notice_side(user, notice):
    """Which side of a possible duplicate the user answers for, or None (then the notice
    does not exist for them):

    - "existing": the holder or deputy of the coordinator role of the case the intake
      matched, who manages that case. The notice is theirs: they dismiss it or merge.
    - "new": once a merge was proposed, the holder or deputy of the new case's
      coordinator role, who manages the new case. They agree to the merge or decline.

    The registering user and the new case's team are neither: for them the match
    never happened.
    """
    if holds_role(user, notice.existing_case.coordinator_role) and _manages_open_case(
        user, notice.existing_case
    ):
        return "existing"
    if (
        notice.status == "proposed"
        and holds_role(user, notice.new_case.coordinator_role)
        and _manages_open_case(user, notice.new_case)
    ):
        return "new"
    return None


def can_merge_cases(user, survivor, merged):
    """Only someone who manages both open cases merges them in one step; otherwise each
    side's coordinator agrees for their own case (`duplicate_notice_side`)."""
    return _manages_open_case(user, survivor) and _manages_open_case(user, merged)


def duplicate_notices_for(user):
    """Open notices to a coordinator role the user holds or deputises: as the matched
    case's coordinator, or as the new case's once a merge was proposed. A candidate list:
    `duplicate_notice_side` decides each one."""
    from tverrnett.duplicates.models import DuplicateNotice

    if not is_fully_authenticated(user):
        return DuplicateNotice.objects.none()
    existing_side = models.Q(existing_case__coordinator_role__holder=user) | models.Q(
        existing_case__coordinator_role__deputy=user
    )
    new_side = models.Q(status="proposed") & (
        models.Q(new_case__coordinator_role__holder=user)
        | models.Q(new_case__coordinator_role__deputy=user)
    )
    return DuplicateNotice.objects.filter(
        existing_side | new_side, status__in=("open", "proposed")
    ).select_related(
        "existing_case__coordinator_role",
        "new_case__coordinator_role",
        "registering_agency",
    )


# Requests for information between agencies (issue 21, item 3) -----------------------


def information_requests(user):
    """The requests for information the user's agency (the acting one, in a request) sent
    or received, as a case-work agency. For anyone else a request does not exist: the
    recipient sees the request itself, never more of its case than it carries."""
    from tverrnett.consent.models import InformationRequest

    if not is_fully_authenticated(user):
        return InformationRequest.objects.none()
    agency_ids = case_agency_ids(user)
    if not agency_ids:
        return InformationRequest.objects.none()
    return InformationRequest.objects.filter(
        models.Q(asking_agency_id__in=agency_ids) | models.Q(recipient_agency_id__in=agency_ids)
    )


def answers_information_request(user, info_request):
    """The agency asked answers or declines: a user doing case work for it, acting for it."""
    return info_request.recipient_agency_id in case_agency_ids(user)


def asked_information_request(user, info_request):
    """The asking agency follows its request and may withdraw it."""
    return info_request.asking_agency_id in case_agency_ids(user)


# The person's own access through ID-porten (L33): a module of its own, since the
# person is no user and none of the rules above apply to them.
# Forum meetings (issue 21, item 2).
# The resource library (issue 21, item 6).
from tverrnett.access.policy.guidance import edits_library  # noqa: E402, F401
from tverrnett.access.policy.meetings import (  # noqa: E402, F401
    agenda_with_access,
    manages_forum_meetings,
    may_add_to_agenda,
    meeting_network_ids,
    sees_network_meetings,
    visible_meetings,
)
from tverrnett.access.policy.own_access import own_plan, own_plans  # noqa: E402, F401

# The task inbox (issue 21, item 4).
from tverrnett.access.policy.tasks import (  # noqa: E402, F401
    can_assign_task,
    inbox_tasks,
    may_assign_in_inbox_filter,
    my_role_tasks_filter,
    task_assignees,
)
