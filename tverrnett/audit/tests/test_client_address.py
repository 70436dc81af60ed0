"""The client's address behind a trusted proxy (X-Real-IP), for the audit log and axes.

The test client's requests come from 127.0.0.1 (REMOTE_ADDR).
"""

import pytest
from axes.models import AccessAttempt

from conftest import PASSWORD
from tverrnett.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _failed_login(client, **headers):
    client.post("/logg-inn/", {"username": "eier", "password": PASSWORD + "x"}, headers=headers)
    return AuditEntry.objects.order_by("-id").first()


def test_behind_the_trusted_proxy_the_client_address_is_recorded(client, settings, owner):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]

    entry = _failed_login(client, X_Real_IP="203.0.113.7")

    assert entry.ip_address == "203.0.113.7"
    assert AccessAttempt.objects.get(username="eier").ip_address == "203.0.113.7"


def test_a_client_cannot_choose_its_address_without_a_trusted_proxy(client, settings, owner):
    settings.TRUSTED_PROXY_IPS = []

    entry = _failed_login(client, X_Real_IP="203.0.113.7", X_Forwarded_For="203.0.113.8")

    assert entry.ip_address == "127.0.0.1"
    assert AccessAttempt.objects.get(username="eier").ip_address == "127.0.0.1"


def test_a_client_that_is_not_the_trusted_proxy_cannot_choose_it(client, settings, owner):
    settings.TRUSTED_PROXY_IPS = ["10.0.0.5"]

    assert _failed_login(client, X_Real_IP="203.0.113.7").ip_address == "127.0.0.1"


@pytest.mark.parametrize("header", ["not an address", "203.0.113.7, 10.0.0.1", ""])
def test_a_malformed_header_leaves_the_proxy_address(client, settings, owner, header):
    settings.TRUSTED_PROXY_IPS = ["127.0.0.1"]

    assert _failed_login(client, X_Real_IP=header).ip_address == "127.0.0.1"
