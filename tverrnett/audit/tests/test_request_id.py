import pytest

pytestmark = pytest.mark.django_db


def test_it_gives_every_response_a_request_id(client):
    first = client.get("/healthz")
    second = client.get("/healthz")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_it_keeps_a_well_formed_request_id_from_the_proxy(client):
    response = client.get("/healthz", headers={"X-Request-ID": "proxy-1234abcd"})

    assert response["X-Request-ID"] == "proxy-1234abcd"


def test_it_replaces_a_request_id_that_could_inject_text(client):
    response = client.get("/healthz", headers={"X-Request-ID": "x\n<script>alert(1)</script>"})

    assert "<" not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
