"""Request ids: made here, or taken from a trusted proxy in front (TRUSTED_PROXY_IPS).

The test client's requests come from 127.0.0.1 (REMOTE_ADDR).
"""

import pytest

from conftest import PASSWORD
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

CHOSEN = "proxy-1234abcd"


def test_it_gives_every_response_a_request_id(client):
    first = client.get("/healthz")
    second = client.get("/healthz")

    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_it_trusts_no_proxy_by_default(settings):
    assert settings.TRUSTED_PROXY_IPS == []


def test_a_client_cannot_choose_its_request_id(client, settings):
    settings.TRUSTED_PROXY_IPS = []

    response = client.get("/healthz", headers={"X-Request-ID": CHOSEN})

    assert response["X-Request-ID"] != CHOSEN
    assert len(response["X-Request-ID"]) == 32


def test_a_client_that_is_not_the_trusted_proxy_cannot_choose_its_request_id(client, settings):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.5", "192.168.1.0/24"]

    response = client.get("/healthz", headers={"X-Request-ID": CHOSEN})

    assert response["X-Request-ID"] != CHOSEN


def test_an_audit_entry_carries_the_servers_id_not_the_clients(client, settings, owner):
    settings.TRUSTED_PROXY_IPS = []

    # A failed login is audited.
    client.post(
        "/logg-inn/",
        {"username": "eier", "password": PASSWORD + "feil"},
        headers={"X-Request-ID": CHOSEN},
    )

    assert not AuditEntry.objects.filter(request_id=CHOSEN).exists()
    assert AuditEntry.objects.exclude(request_id="").exists()


@pytest.mark.parametrize("trusted", [["127.0.0.1"], ["10.0.0.5", "127.0.0.0/8"]])
def test_it_keeps_a_well_formed_request_id_from_a_trusted_proxy(client, settings, trusted):
    settings.TRUSTED_PROXY_IPS = trusted

    response = client.get("/healthz", headers={"X-Request-ID": CHOSEN})

    assert response["X-Request-ID"] == CHOSEN


def test_it_replaces_a_request_id_that_could_inject_text(client, settings):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]

    response = client.get("/healthz", headers={"X-Request-ID": "x\n<script>alert(1)</script>"})

    assert "<" not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
