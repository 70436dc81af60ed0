"""Log formats: plain lines for development, one JSON object per line in production.

Set LOG_FORMAT=json (settings.LOGGING; deploy/gunicorn.conf.py uses the same formatter
for gunicorn's own logs). Every record carries the id of the request it was written
in (tverrnett.audit.context.current_request_id, set by RequestIdMiddleware), so a log
line can be matched with the audit entries and the X-Request-ID the user saw.

What must never reach a log: query strings (they are not logged at all) and the
invitation token in a path (masked). The JSON formatter writes a fixed set of fields
and never a record's extra attributes: Django's request logger attaches the request
(with its form data and cookies), gunicorn's access logger every header and the
environment. This module imports no Django settings, so gunicorn's master can load it.
"""

import json
import logging
import re
from datetime import UTC, datetime

from gunicorn.glogging import Logger as GunicornBaseLogger

from tverrnett.audit.context import current_request_id

# Paths whose parts are secrets: the invitation link's one-time token (useradmin:accept).
_SECRET_IN_PATH = re.compile(r"(/invitasjon/)[^/\s?\"']+")


def redact(text):
    """`text` with the secret parts of paths masked and any query string dropped."""
    return _SECRET_IN_PATH.sub(r"\1…", text)


def _path_only(path):
    return redact((path or "").split("?", 1)[0])


def _request_id_of(record):
    """The id of the request the record was written in: the context's while the request
    is handled; the request's own for Django's 4xx/5xx lines, which are written after the
    middleware (and so the context) has finished; "-" outside a request."""
    return (
        getattr(record, "request_id", None)
        or current_request_id.get()
        or getattr(getattr(record, "request", None), "request_id", None)
        or "-"
    )


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record (see _request_id_of)."""

    def filter(self, record):
        record.request_id = _request_id_of(record)
        return True


class PlainFormatter(logging.Formatter):
    """The development format, with the request id and secret paths masked."""

    def __init__(self, fmt=None, *args, **kwargs):
        super().__init__(
            fmt or "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            *args,
            **kwargs,
        )

    def format(self, record):
        record.request_id = _request_id_of(record)
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id;
    `exception` when there is one; for gunicorn's access log method, path (without the
    query string), status and duration_ms."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(self._access_fields(record.args))
        else:
            entry["message"] = redact(record.getMessage())
            entry["request_id"] = _request_id_of(record)
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)

    @staticmethod
    def _access_fields(atoms):
        """Gunicorn's access record carries every atom (headers with cookies, the query
        string, the environment); only these are taken. The request id is the response's
        X-Request-ID header: the request's context has ended when gunicorn logs it."""
        method, path, status = atoms.get("m"), _path_only(atoms.get("U")), atoms.get("s")
        try:
            duration_ms = round(int(atoms.get("D")) / 1000, 1)
        except (TypeError, ValueError):
            duration_ms = None
        request_id = atoms.get("{x-request-id}o")
        return {
            "message": f"{method} {path} {status}",
            "request_id": request_id if request_id and request_id != "-" else "-",
            "method": method,
            "path": path,
            "status": int(status) if str(status).isdigit() else status,
            "duration_ms": duration_ms,
        }


class GunicornLogger(GunicornBaseLogger):
    """Gunicorn's logger with the invitation token masked in the path and the query
    string, the request line, the referrer and the raw headers left out of the atoms,
    whatever access_log_format asks for."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _path_only(atoms.get("U"))
        method = atoms.get("m") or "-"
        atoms["r"] = f"{method} {atoms['U']} {atoms.get('H') or '-'}"
        atoms["q"] = "-"
        atoms["f"] = "-"
        keep = {"{x-request-id}o", "{x-request-id}i"}
        for key in [key for key in atoms if key.startswith("{") and key not in keep]:
            del atoms[key]
        return atoms
