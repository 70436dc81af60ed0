"""GET /metrics: a 404 without the right bearer token; counts, never personal data."""

import datetime
import re

import pytest
from django.utils import timezone

from tverrnett.audit.models import AuditEntry
from tverrnett.core.metrics import worker_heartbeat
from tverrnett.core.models import WorkerHeartbeat
from tverrnett.notices.models import Delivery

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdef"  # noqa: S105


@pytest.fixture
def token_file(settings, tmp_path):
    path = tmp_path / "metrics.token"
    path.write_text(TOKEN + "\n")
    settings.METRICS_TOKEN_FILE = str(path)
    return path


def _page(response):
    """The page without what differs on every request or with the path (the CSRF token,
    the language form's return path)."""
    text = response.content.decode()
    return re.sub(r'name="(csrfmiddlewaretoken|next)" value="[^"]*"', "", text)


def scrape(client, token=TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.get("/metrics", headers=headers)


def test_without_a_token_file_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN_FILE = ""

    response = scrape(client)
    missing = client.get("/no-such-page")

    assert response.status_code == 404
    assert missing.status_code == 404
    assert _page(response) == _page(missing)


def test_a_token_file_that_cannot_be_read_is_no_endpoint(client, settings, tmp_path):
    settings.METRICS_TOKEN_FILE = str(tmp_path / "absent.token")

    assert scrape(client).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ],
)
def test_no_token_or_a_wrong_one_gets_the_missing_page(client, token_file, headers):
    response = client.get("/metrics", headers=headers)
    missing = client.get("/no-such-page")

    assert response.status_code == 404
    assert missing.status_code == 404
    assert _page(response) == _page(missing)
    assert b"tverrnett_" not in response.content


def test_the_right_token_gets_the_metrics(client, token_file, owner, login_as):
    login_as(client, owner)
    client.get("/")

    response = scrape(client)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    for name in (
        "tverrnett_http_requests_total",
        "tverrnett_http_request_duration_seconds_bucket",
        "tverrnett_database_up 1.0",
        "tverrnett_audit_sealing_lag_seconds",
        "tverrnett_email_unsent 0.0",
    ):
        assert name in text
    assert 'method="GET",status="2xx",view="core:home"' in text


def test_requests_are_counted_by_view_name_never_by_url(client, token_file, owner, login_as):
    login_as(client, owner)
    client.get("/saker/987654/?q=Hansen")
    client.get("/no-such-page/12345")

    text = scrape(client).content.decode()

    # Only labels and names carry words; the values are times and counts, whose digits
    # may hold any number by chance (a latency sum of 0.0123456 s).
    labels = " ".join(re.findall(r"^[^#\s][^\s{]*(?:\{[^}]*\})?", text, flags=re.M))
    assert 'view="unmatched"' in labels
    assert "987654" not in labels
    assert "12345" not in labels
    assert "Hansen" not in text


def test_no_personal_data_in_the_output(client, token_file, owner, login_as):
    owner.email = "eva.eier@example.no"
    owner.save()
    Delivery.objects.create(key="k1", user=owner, kind="notice", url="/varsler/1/")
    login_as(client, owner)
    client.get("/")

    text = scrape(client).content.decode()

    for personal in ("eier", "Eva", "eva.eier@example.no", "Drammen", "127.0.0.1"):
        assert personal not in text
    assert "tverrnett_email_unsent 1.0" in text


def test_a_scrape_writes_nothing_to_the_audit_log(client, token_file):
    before = AuditEntry.objects.count()

    assert scrape(client).status_code == 200
    assert scrape(client, "wrong").status_code == 404

    assert AuditEntry.objects.count() == before


def test_the_worker_heartbeat_age_is_reported(client, token_file):
    assert "tverrnett_worker_last_run_age_seconds" not in scrape(client).content.decode()

    worker_heartbeat(timezone.now() - datetime.timedelta(minutes=5))
    worker_heartbeat(timezone.now() - datetime.timedelta(minutes=5))  # the same host's row

    assert WorkerHeartbeat.objects.count() == 1
    line = next(
        line
        for line in scrape(client).content.decode().splitlines()
        if line.startswith("tverrnett_worker_last_run_age_seconds ")
    )
    assert 299 < float(line.split()[1]) < 330


def test_the_sealing_lag_is_the_age_of_the_oldest_unsealed_entry(client, token_file, owner):
    from tverrnett.audit.sealing import seal_pending

    client.post("/logg-inn/", {"username": "eier", "password": "wrong"})  # audited
    seal_pending()

    def lag():
        text = scrape(client).content.decode()
        line = next(
            line for line in text.splitlines() if line.startswith("tverrnett_audit_sealing_lag")
        )
        return float(line.split()[1])

    assert lag() == 0.0
    with __import__("time_machine").travel(timezone.now() - datetime.timedelta(minutes=10)):
        client.post("/logg-inn/", {"username": "eier", "password": "wrong again"})

    assert lag() >= 590


def test_the_database_being_down_is_reported_not_an_error(client, token_file):
    from unittest import mock

    from django.db import OperationalError

    with mock.patch(
        "tverrnett.core.metrics._database_values", side_effect=OperationalError("down")
    ):
        response = scrape(client)

    assert response.status_code == 200
    assert "tverrnett_database_up 0.0" in response.content.decode()


def test_a_worker_round_records_the_heartbeat():
    from io import StringIO

    from django.core.management import call_command

    call_command("run_worker", "--once", stdout=StringIO())

    heartbeat = WorkerHeartbeat.objects.get()
    assert (timezone.now() - heartbeat.last_run_at).total_seconds() < 60
