"""Metrics for Prometheus at GET /metrics, behind a bearer token (docs/operations.md).

What is exposed is counts, durations and ages, never personal data: requests by view
name (the URL pattern's name, never a URL with ids or a query string), method and
status class; whether the database answers; the age of the worker's last round; how
far the audit log's sealing lags; how many e-mails wait to be sent.

The endpoint exists only where METRICS_TOKEN_FILE names a file with the token; without
one, and to any request without the right token, it answers the site's ordinary 404,
as if there were no such page. The token is compared in constant time.

Gunicorn runs several worker processes; each counts its own requests. With
PROMETHEUS_MULTIPROC_DIR set (deploy/gunicorn.conf.py and the systemd unit set it to an
empty directory at each start), prometheus-client writes the counters to files there
and a scrape adds up every process's. The database gauges are read at scrape time.
"""

import hashlib
import hmac
import os
import socket
import time
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

from tverrnett.access.rules import public

REQUESTS = Counter(
    "tverrnett_http_requests",
    "Requests answered, by view name, method and status class.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "tverrnett_http_request_duration_seconds",
    "Time from the request reaching Django to the response, by view name.",
    ["view"],
    buckets=(0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


class RequestMetricsMiddleware:
    """Counts each request under its URL pattern's name ("cases:detail"), never its path."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unmatched"
        method = request.method if request.method in _METHODS else "other"
        status = f"{response.status_code // 100}xx"
        REQUESTS.labels(view, method, status).inc()
        LATENCY.labels(view).observe(time.perf_counter() - started)
        return response


def worker_heartbeat(now=None):
    """Record that this host's worker finished a round (run_worker calls it)."""
    from tverrnett.core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker=socket.gethostname()[:200], defaults={"last_run_at": now or timezone.now()}
    )


class DatabaseCollector:
    """Gauges read from the database at each scrape (counts and ages only)."""

    def collect(self):
        up = GaugeMetricFamily("tverrnett_database_up", "1 when the database answers.")
        try:
            values = _database_values()
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, documentation, value in values:
            if value is not None:
                yield GaugeMetricFamily(name, documentation, value=value)


def _age(now, moment):
    return max((now - moment).total_seconds(), 0.0) if moment else None


def _database_values():
    from tverrnett.audit.models import AuditEntry, AuditSeal
    from tverrnett.core.models import WorkerHeartbeat
    from tverrnett.notices.models import Delivery

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    now = timezone.now()
    last_run = WorkerHeartbeat.objects.aggregate(newest=Max("last_run_at"))["newest"]
    last_seal = AuditSeal.objects.order_by("-position").only("sealed_at", "last_entry_id").first()
    # Entries after the newest seal's last one wait for the next seal. (On PostgreSQL an
    # entry with a lower id may still be waiting for its transaction to end; the worker
    # seals it within a round, so the oldest above the last seal is a fair measure.)
    oldest_unsealed = (
        AuditEntry.objects.filter(id__gt=last_seal.last_entry_id if last_seal else 0)
        .order_by("id")
        .values_list("created_at", flat=True)
        .first()
    )
    unsent = Delivery.objects.filter(emailed=False).exclude(user__email="").count()
    return [
        (
            "tverrnett_worker_last_run_age_seconds",
            "Seconds since a worker last finished a round (absent: no worker has run).",
            _age(now, last_run),
        ),
        (
            "tverrnett_audit_last_seal_age_seconds",
            "Seconds since the newest audit seal was made (absent: nothing sealed yet).",
            _age(now, last_seal.sealed_at if last_seal else None),
        ),
        (
            "tverrnett_audit_sealing_lag_seconds",
            "Age of the oldest audit entry written after the newest seal (0: all sealed).",
            _age(now, oldest_unsealed) or 0.0,
        ),
        (
            "tverrnett_email_unsent",
            "E-mails recorded but not yet accepted by the mail server.",
            unsent,
        ),
    ]


def _process_registry():
    """Every gunicorn worker's counters (multiprocess mode), or this process's own."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    from prometheus_client import REGISTRY

    return REGISTRY


def _expected_token():
    path = settings.METRICS_TOKEN_FILE
    if not path:
        return None
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return token or None


def _authorised(request, expected):
    given = request.headers.get("Authorization", "")
    scheme, _, token = given.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    # Digests of equal length, so not even the token's length shows in the timing.
    given_digest = hashlib.sha256(token.strip().encode()).digest()
    return hmac.compare_digest(given_digest, hashlib.sha256(expected.encode()).digest())


# Public to the deny-by-default check on purpose (tverrnett.access.rules): Prometheus is
# no user and has no session. The bearer token is the key, as the one-time token is for
# an invitation link; without it the page does not exist. Nothing here reads a case, so
# nothing is written to the audit log.
@public
@require_GET
@never_cache
def metrics_view(request):
    expected = _expected_token()
    if expected is None or not _authorised(request, expected):
        raise Http404
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(database)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
