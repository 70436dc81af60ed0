from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers


class NoStoreWhenLoggedInMiddleware:
    """Pages seen by a logged-in user may hold personal data: keep them out of caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class ChosenLanguageMiddleware:
    """Norwegian bokmål unless the user chose another language with the switch.

    Unlike Django's LocaleMiddleware this ignores the browser's
    Accept-Language: a caseworker on an English-language browser still gets
    the Norwegian interface their colleagues see, and chooses English only
    on purpose. The choice lives in the language cookie set by set_language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        offered = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in offered else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
