"""Per-user language (issue 19, item 5): the switch stores the choice on the user, and
every request of a logged-in user runs in it, in whichever browser."""

from django.conf import settings
from django.utils import translation
from django.views.i18n import set_language

from tverrnett.access.rules import public
from tverrnett.audit.services import record


def offered(code):
    return code in {language for language, _name in settings.LANGUAGES}


def language_of(person):
    """The language to write to `person` in (a user, or an invitation before the user
    exists): the one stored on them if the site offers it, else the site's."""
    language = getattr(person, "language", "") or ""
    return language if offered(language) else settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """After authentication: a logged-in user's stored language wins over the cookie
    (`tverrnett.core.middleware.ChosenLanguageMiddleware` handles everyone else)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and offered(user.language):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


@public
def set_language_view(request):
    """Django's switch (it sets the cookie and redirects), storing the choice on a
    logged-in user too."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and offered(language)
        and user.language != language
    ):
        user.language = language
        user.save(update_fields=["language"])
        record(
            "accounts.language_changed",
            actor=user,
            target=user,
            request=request,
            detail={"language": language},
        )
    return response
