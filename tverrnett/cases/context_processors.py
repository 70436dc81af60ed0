from tverrnett.access import policy


def case_work(request):
    """`does_case_work`: whether to show the cases menu item for the agency the user acts
    for now. Read from the membership the middleware already loaded: no query.

    The case pages themselves decide from all the user's memberships
    (access.policy.case_agency_ids); this only keeps the menu honest.
    """
    membership = getattr(request, "membership", None)
    return {"does_case_work": membership is not None and policy.does_case_work(membership)}
