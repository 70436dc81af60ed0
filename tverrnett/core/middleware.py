import logging
import tempfile

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers

logger = logging.getLogger(__name__)


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
        # A logged-in user's own language may have replaced the cookie's on the way in.
        response.headers.setdefault("Content-Language", getattr(request, "LANGUAGE_CODE", language))
        return response


class RequestBodyLimitMiddleware:
    """Refuses a request body larger than settings.REQUEST_MAX_BODY_BYTES with 413,
    before the body is read (issue 18, item 6).

    Django's DATA_UPLOAD_MAX_MEMORY_SIZE limits only bodies that are not files: a
    60 MB upload was read whole (to a temporary file) before the form refused it.
    A declared Content-Length over the cap is refused at once. A chunked body has no
    Content-Length: it is read here, counting, and refused as soon as it passes the
    cap; a body within the cap is handed on as if it had been sent with its length.

    It sits after the session, authentication and CSP middleware so the refusal is
    the ordinary page layout, and before anything reads the body (the CSRF check
    reads it in process_view, which runs after every middleware's __call__).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.REQUEST_MAX_BODY_BYTES
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.strip():
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # Django reads an unparsable length as no body at all
            if too_big:
                return _body_too_large(request, limit)
        elif "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_capped(request.META.get("wsgi.input"), limit)
            if body is None:
                return _body_too_large(request, limit)
            _hand_on(request, body)
        return self.get_response(request)


_CHUNK = 64 * 1024


def _read_capped(stream, limit):
    """The body in a temporary file, or None once more than `limit` bytes came."""
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)
    if stream is None:
        return body
    total = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        total += len(chunk)
        if total > limit:
            body.close()
            return None
        body.write(chunk)
    body.seek(0)
    return body


def _hand_on(request, body):
    """Let Django read the counted body as a body of known length."""
    from django.core.handlers.wsgi import LimitedStream

    length = body.seek(0, 2)
    body.seek(0)
    request.META["CONTENT_LENGTH"] = str(length)
    request._stream = LimitedStream(body, length)
    request._read_started = False


def _body_too_large(request, limit):
    logger.warning("Refused a request body over %d bytes: %s", limit, request.path)
    response = render(
        request,
        "413.html",
        {"limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
        status=413,
    )
    # The client may still be sending: tell it the connection ends here.
    response["Connection"] = "close"
    return response


class NulInRequest(SuspiciousOperation):
    """A NUL character in a query string or form: no field holds one."""


class RefuseNulMiddleware:
    """Refuse, with 400, a request whose query string or form holds a NUL character.

    PostgreSQL cannot store or compare a text with NUL in it (psycopg raises), and no
    field of ours holds one. Django's CharField refuses NUL, but views also read
    request.GET and request.POST directly (search boxes, ids, choices); refusing here
    covers them all in one place. File contents are not looked at (issue 18, item 1).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sources = [request.GET]
        if request.method == "POST":
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    raise NulInRequest("NUL character in the request")
        return self.get_response(request)
