"""Request bodies over settings.REQUEST_MAX_BODY_BYTES are refused with 413 before they
are read (issue 18, item 6)."""

import io

import pytest
from django.test import RequestFactory
from django.urls import reverse

from tverrnett.core.middleware import RequestBodyLimitMiddleware


class _Unread(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def read(self, size=-1):
        raise AssertionError("the body was read")

    readinto = read


def _view_must_not_run(request):
    raise AssertionError("the view ran")


def test_a_declared_length_over_the_cap_is_refused_before_the_body_is_read(settings, db):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    request = RequestFactory().post("/logg-inn/", data=b"", content_type="application/pdf")
    request.META["CONTENT_LENGTH"] = str(60 * 1024 * 1024)
    request.META["wsgi.input"] = _Unread()
    request._stream = _Unread()
    request.user = None
    response = RequestBodyLimitMiddleware(_view_must_not_run)(request)
    assert response.status_code == 413
    assert response["Connection"] == "close"


def test_the_refusal_is_the_norwegian_error_page(client, settings, db):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    response = client.post(
        reverse("accounts:login"),
        data=b"x" * 20_000,
        content_type="application/octet-stream",
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "For mye data" in page
    assert "Ingenting ble lagret" in page
    assert "<html" in page


def test_a_chunked_body_over_the_cap_is_refused_while_it_streams(client, settings, db):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    body = _Counting(b"x" * 1_000_000)
    response = client.generic(
        "POST",
        reverse("accounts:login"),
        data=b"",
        content_type="application/octet-stream",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    # Reading stopped one chunk past the cap, not at the end of the megabyte.
    assert body.tell() < 100_000


def test_a_chunked_body_within_the_cap_reaches_the_view(settings):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    request = RequestFactory().generic(
        "POST",
        "/",
        data=b"",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH="",
        HTTP_TRANSFER_ENCODING="chunked",
    )
    request.content_type = "application/x-www-form-urlencoded"
    request.META["wsgi.input"] = io.BytesIO(b"name=Kari&text=hei")
    response = RequestBodyLimitMiddleware(lambda request: request.POST)(request)
    assert response.dict() == {"name": "Kari", "text": "hei"}


@pytest.mark.parametrize("length", ["", "abc", "100"])
def test_a_body_within_the_cap_or_without_a_length_passes(settings, length):
    settings.REQUEST_MAX_BODY_BYTES = 10_000
    request = RequestFactory().post("/", data=b"", content_type="application/octet-stream")
    request.META["CONTENT_LENGTH"] = length
    assert RequestBodyLimitMiddleware(lambda request: "the view")(request) == "the view"


class _Counting(io.BytesIO):
    pass


def test_a_form_body_over_djangos_own_limit_gets_the_norwegian_400_page(client, settings, db):
    """Bodies that are not files stop at DATA_UPLOAD_MAX_MEMORY_SIZE: Django answers 400,
    and that page is ours, not a bare one or a 500."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = client.post(reverse("accounts:login"), {"username": "x" * 5_000, "password": "y"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ingenting ble lagret" in page
    assert "<html" in page
