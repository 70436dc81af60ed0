import ipaddress
import re
import uuid
from functools import lru_cache

from django.conf import settings

from tverrnett.audit.context import current_request_id

# Accept an id from the proxy in front only when it looks like one, so the
# header cannot be used to write arbitrary text into the audit log.
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@lru_cache(maxsize=8)
def _networks(trusted):
    return tuple(ipaddress.ip_network(item) for item in trusted)


def _from_trusted_proxy(request):
    """The request came straight from a proxy named in TRUSTED_PROXY_IPS. Anyone else
    could choose the id their requests are logged under, and so blur the audit trail."""
    trusted = tuple(settings.TRUSTED_PROXY_IPS)
    if not trusted:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))


def _take_client_address(request):
    """Behind a trusted proxy, REMOTE_ADDR is the proxy's address; the client's is in the
    X-Real-IP header it sets (deploy/nginx/tverrnett.conf). The audit log and django-axes
    read REMOTE_ADDR, so it becomes the client's. A header that is not one address is
    ignored: the proxy's address is then recorded, never text a client made up."""
    try:
        address = ipaddress.ip_address(request.headers.get("X-Real-IP", "").strip())
    except ValueError:
        return
    request.META["REMOTE_ADDR"] = str(address)


class RequestIdMiddleware:
    """Gives every request an id that audit entries and the response carry; behind a
    trusted proxy, also takes the client's address from it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        trusted = _from_trusted_proxy(request)
        if trusted:
            _take_client_address(request)
        incoming = request.headers.get("X-Request-ID", "") if trusted else ""
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class DeferredReadMiddleware:
    """Writes the read entries a view asked for only when the response is a success.

    A view that opens a record for reading may still end in 403 or 404 (a page for
    the coordinator's side only, an item of another agency): such a request showed
    nothing, so it must leave no read entry (issue 16, item 10). Views call
    `tverrnett.audit.services.record_read`, which queues the entry on the request;
    this middleware writes the queue after the view returned a response below 400.
    Outside a request (or without this middleware) the entry is written at once.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from tverrnett.audit.services import write_deferred_reads

        request.deferred_reads = []
        response = self.get_response(request)
        if response.status_code < 400 and request.deferred_reads:
            write_deferred_reads(request)
        request.deferred_reads = []
        return response
