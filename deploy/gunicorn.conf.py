"""Gunicorn's configuration for Tverrnett in production (docs/operations.md).

Started by deploy/systemd/tverrnett-web.service:
    gunicorn --config deploy/gunicorn.conf.py tverrnett.wsgi
Every value can be changed through the environment (the EnvironmentFile), as below.
`systemctl reload tverrnett-web` sends HUP: gunicorn starts new workers with the new
code and settings and lets the old ones finish what they are doing (graceful restart).
"""

import multiprocessing
import os
import shutil
from pathlib import Path

wsgi_app = "tverrnett.wsgi:application"

# Only nginx on this machine talks to gunicorn. Another host's load balancer: bind to a
# private address and name that balancer in TRUSTED_PROXY_IPS (and in the firewall).
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]

# gthread: each worker process serves several requests at once in threads, so a
# request waiting on PostgreSQL does not hold a whole process (docs/benchmarks.md has
# the measurement); GUNICORN_WORKER_CLASS=sync gives one request per process.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4 if worker_class == "gthread" else 1))

# A request that takes longer than this is cut off and its worker restarted. Uploads
# (20 MB) are buffered by nginx first, so the worker does not wait for a slow client.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
# How long a worker may finish its requests after a reload or stop.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 30))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 5))
# Each worker is replaced after about this many requests (jitter: not all at once),
# so a slow leak cannot grow without end.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", 200))
# Headers larger than this are refused (nginx has the same limits in front).
limit_request_line = 8190
limit_request_fields = 100

# X-Forwarded-Proto is believed from these addresses only (Django's SECURE_PROXY_SSL_HEADER
# reads it too; nginx sets it and removes any value a client sent).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The request id and the client address are the proxy's X-Request-ID and X-Real-IP,
# taken by tverrnett.audit.middleware from TRUSTED_PROXY_IPS; nothing to do here.

# Gunicorn's control socket (27.0) lives in $HOME, which the service user has none of.
control_socket_disable = True

# Logs go to stderr, that is the journal. The access line: method, path without the
# query string (search terms and tokens live there; tverrnett/cases/search.py), status,
# size, seconds, request id; the invitation token in a path is masked
# (tverrnett.core.logs.GunicornLogger drops the query string, headers and referrer from
# what any format could ask for).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logger_class = "tverrnett.core.logs.GunicornLogger"
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss %({x-request-id}o)s'

# LOG_FORMAT=json (as Django's logs, settings.LOGGING): gunicorn's own lines, access
# lines included, as one JSON object per line through the same formatter.
if os.environ.get("LOG_FORMAT") == "json":
    _json_handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "stream": "ext://sys.stderr",
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "tverrnett.core.logs.JsonFormatter"}},
        "handlers": {"error_console": _json_handler, "console": _json_handler},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"]},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"]},
        },
        "root": {"level": "INFO", "handlers": []},
    }

# Metrics (tverrnett.core.metrics): each worker process writes its counters to files in
# PROMETHEUS_MULTIPROC_DIR, and a scrape adds them up. The directory must be empty at
# start (old processes' files would be counted again): the systemd unit gives a fresh
# RuntimeDirectory, and on_starting empties it anyway.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _multiproc_dir:
        directory = Path(_multiproc_dir)
        if directory.exists():
            for child in directory.iterdir():
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    if _multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
