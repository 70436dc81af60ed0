from django.utils.cache import add_never_cache_headers


class NoStoreWhenLoggedInMiddleware:
    """Pages seen by a logged-in user may hold personal data: keep them out of caches."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
