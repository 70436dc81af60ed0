"""Log formats: JSON lines with the request id; no query strings or secret paths."""

import io
import json
import logging
from types import SimpleNamespace

import pytest

from tverrnett.audit.context import current_request_id
from tverrnett.core.logs import GunicornLogger, JsonFormatter, PlainFormatter, RequestIdFilter


def _record(message, *args, name="tverrnett.test", level=logging.INFO, exc_info=None):
    return logging.LogRecord(name, level, __file__, 1, message, args, exc_info)


def test_a_json_line_has_time_level_logger_message_and_request_id():
    token = current_request_id.set("abcd1234abcd1234")
    try:
        line = JsonFormatter().format(_record("Case %s opened", 7, level=logging.WARNING))
    finally:
        current_request_id.reset(token)

    entry = json.loads(line)
    assert entry["message"] == "Case 7 opened"
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "tverrnett.test"
    assert entry["request_id"] == "abcd1234abcd1234"
    assert entry["time"].endswith("+00:00")
    assert "\n" not in line


def test_outside_a_request_the_id_is_a_dash():
    assert json.loads(JsonFormatter().format(_record("worker round")))["request_id"] == "-"


def test_an_exception_is_one_line_of_json():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        line = JsonFormatter().format(_record("failed", exc_info=sys.exc_info()))

    assert len(line.splitlines()) == 1
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_extra_attributes_such_as_the_request_are_never_written():
    record = _record("Not Found: %s", "/saker/1/")
    record.request = SimpleNamespace(POST={"password": "secret-pw"}, GET={"q": "Hansen"})
    record.status_code = 404

    line = JsonFormatter().format(record)

    assert "secret-pw" not in line
    assert "Hansen" not in line
    assert set(json.loads(line)) == {"time", "level", "logger", "message", "request_id"}


@pytest.mark.parametrize("formatter", [JsonFormatter(), PlainFormatter()])
def test_an_invitation_token_in_a_path_is_masked(formatter):
    line = formatter.format(_record("Not Found: %s", "/invitasjon/Zx9-secret-token/"))

    assert "Zx9-secret-token" not in line
    assert "/invitasjon/" in line


def test_the_plain_format_carries_the_request_id():
    token = current_request_id.set("feedface00000000")
    try:
        line = PlainFormatter().format(_record("hello"))
    finally:
        current_request_id.reset(token)

    assert "[feedface00000000] hello" in line


def test_the_request_id_reaches_the_log_through_the_middleware(client, caplog, settings):
    """A record written while Django handles a request carries that request's id: the
    one the response's X-Request-ID header shows."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = client.get("/no-such-page/?q=Hansen")
    finally:
        logger.removeHandler(handler)

    entries = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert entries, "Django logs a 404 at WARNING"
    assert entries[0]["request_id"] == response["X-Request-ID"]
    assert "Hansen" not in stream.getvalue()


def _gunicorn_access(path, query):
    from gunicorn.config import Config

    config = Config()
    config.set("accesslog", "-")
    logger = GunicornLogger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"{path}?{query}",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_COOKIE": "sessionid=secret-session",
    }
    response = SimpleNamespace(
        status="200 OK", sent=12, headers=[("X-Request-ID", "req0000000000001")]
    )
    request = SimpleNamespace(headers=[("COOKIE", "sessionid=secret-session")])
    elapsed = __import__("datetime").timedelta(milliseconds=42)
    return logger.atoms(response, request, environ, elapsed)


def test_gunicorn_access_lines_have_no_query_string_cookie_or_token():
    atoms = _gunicorn_access("/invitasjon/Zx9-secret-token/", "q=Hansen")
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(r)s", (atoms,), None
    )

    line = JsonFormatter().format(record)
    entry = json.loads(line)

    assert entry["request_id"] == "req0000000000001"
    assert entry["path"] == "/invitasjon/…/"
    assert entry["status"] == 200
    assert entry["duration_ms"] == 42.0
    for secret in ("Hansen", "Zx9-secret-token", "secret-session"):
        assert secret not in line
        assert secret not in str(atoms["r"]) + str(atoms["q"]) + str(atoms.get("{cookie}i"))
