"""The resource library (issue 21, item 6): who edits it.

Every member reads the published entries. Users acting for an RVTS agency add, edit
and unpublish them, and see the unpublished ones too. Only the acting membership
counts: a user with an RVTS membership who acts for another agency edits nothing.
"""


def edits_library(user):
    """The user acts for an active RVTS agency (outside a request: has an active
    membership in one)."""
    from tverrnett.access.policy import _for_acting_membership
    from tverrnett.agencies.models import AgencyType

    if not getattr(user, "is_authenticated", False):
        return False
    return _for_acting_membership(
        user.memberships.filter(
            is_active=True, agency__is_active=True, agency__agency_type=AgencyType.RVTS
        ),
        user,
    ).exists()
