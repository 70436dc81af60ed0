from django.utils.functional import SimpleLazyObject

from tverrnett.access import policy


def case_work(request):
    """`does_case_work`: whether to show the cases menu item. Evaluated only when a
    template asks, so anonymous pages cost no query."""
    user = getattr(request, "user", None)
    return {
        "does_case_work": SimpleLazyObject(
            lambda: bool(
                user is not None and user.is_authenticated and policy.case_agency_ids(user)
            )
        )
    }
