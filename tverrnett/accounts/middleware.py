from tverrnett.accounts.models import Membership

SESSION_MEMBERSHIP_KEY = "membership_id"


class CurrentAgencyMiddleware:
    """Sets request.agency and request.membership: whom the user acts for now.

    A user may belong to several agencies; the session remembers which one
    they act for. A membership that has ended stops counting at once.

    The membership is also set on the user as `acting_membership` (None when the
    session names no active one), so the access policy decides every case question
    for that membership only, without every service taking the request
    (`tverrnett.access.policy.acting_membership`).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.agency = None
        request.membership = None
        if request.user.is_authenticated and SESSION_MEMBERSHIP_KEY in request.session:
            membership = (
                Membership.objects.filter(
                    pk=request.session[SESSION_MEMBERSHIP_KEY],
                    user=request.user,
                    is_active=True,
                    agency__is_active=True,
                )
                .select_related("agency")
                .first()
            )
            if membership is not None:
                request.membership = membership
                request.agency = membership.agency
        if request.user.is_authenticated:
            # The user is a lazy object: setting the attribute sets it on the user.
            request.user.acting_membership = request.membership
        return self.get_response(request)
