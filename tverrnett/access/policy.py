"""Who may do what. The one place such decisions are made."""


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
