"""The request id of the request being handled, for audit entries.

A context variable rather than a thread-local, so it is right under ASGI too.
"""

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("current_request_id", default="")
