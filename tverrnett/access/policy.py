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
