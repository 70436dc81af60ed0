#!/bin/sh
# The load test of issue 22: gunicorn with production settings on the PostgreSQL
# database of 100,000 generated cases, Locust headless against it, then the p95 and the
# errors per page kind as a Markdown table. Settings from the environment:
#
#   LOAD_DATABASE_URL  the database (default tverrnett_bench_100000 on 127.0.0.1)
#   KEYS_DIR           audit.key and identity.key of that database (default var/: the
#                      ones generate_scale_data used with DEBUG on, in the same checkout)
#   USERS=100 SPAWN_RATE=10 RUN_TIME=10m   Locust's
#   WORKER_CLASS=gthread WORKERS=2 THREADS=4 KEEP_ALIVE=5 PORT=8750   gunicorn's
#
# Needs Locust: .venv/bin/pip install -e '.[bench]'. The database needs the load-test
# accounts: DEBUG=true DATABASE_URL=... .venv/bin/python manage.py generate_scale_data --cases 0
#
#   bench/load/run.sh
#   RUN_TIME=3m bench/load/run.sh
set -eu
cd "$(dirname "$0")/../.."
LOAD_DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/tverrnett_bench_100000}
KEYS_DIR=$(cd "${KEYS_DIR:-var}" && pwd)
USERS=${USERS:-100}
SPAWN_RATE=${SPAWN_RATE:-10}
RUN_TIME=${RUN_TIME:-10m}
WORKER_CLASS=${WORKER_CLASS:-gthread}
WORKERS=${WORKERS:-2}
THREADS=${THREADS:-4}
PORT=${PORT:-8750}
# Longer than Locust's longest think time (3 s): with gunicorn's default of 2 s the
# server closes an idle kept-alive connection just as the client reuses it, and the
# request fails with "connection reset" (a browser would retry; nginx in front keeps
# its own connections to gunicorn). KEEP_ALIVE=2 shows that.
KEEP_ALIVE=${KEEP_ALIVE:-5}
OUT=${OUT:-var/bench/load}
if [ ! -f "$KEYS_DIR/audit.key" ]; then
    echo "No $KEYS_DIR/audit.key: set KEYS_DIR to the keys generate_scale_data used." >&2
    exit 1
fi
mkdir -p "$OUT"
export LOAD_DATABASE_URL

# Production settings, on plain HTTP at 127.0.0.1 (a Secure cookie would not come back).
env -u DEBUG DEBUG=false HTTPS=false ALLOWED_HOSTS=127.0.0.1,localhost LOG_LEVEL=WARNING \
    SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(40))')" \
    AUDIT_KEY_FILE="$KEYS_DIR/audit.key" IDENTITY_KEY_FILE="$KEYS_DIR/identity.key" \
    DATABASE_URL="$LOAD_DATABASE_URL" \
    .venv/bin/gunicorn tverrnett.wsgi:application --bind "127.0.0.1:$PORT" \
    --worker-class "$WORKER_CLASS" --workers "$WORKERS" --threads "$THREADS" --timeout 120 \
    --keep-alive "$KEEP_ALIVE" \
    >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null; wait $GUNICORN 2>/dev/null' EXIT INT TERM
.venv/bin/python -c "
import sys, time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen('http://127.0.0.1:$PORT/logg-inn/', timeout=5)
        sys.exit(0)
    except OSError:
        time.sleep(0.5)
sys.exit('gunicorn did not start: see $OUT/gunicorn.log')
"

echo "gunicorn $WORKER_CLASS, $WORKERS workers x $THREADS threads, keep-alive $KEEP_ALIVE s; Locust $USERS users, spawn rate $SPAWN_RATE/s, $RUN_TIME"
echo "Commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- tverrnett || echo ' (with uncommitted changes)')"
echo "Before: $(uptime)"
.venv/bin/locust -f bench/load/locustfile.py --host "http://127.0.0.1:$PORT" --headless \
    --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$RUN_TIME" --stop-timeout 10 \
    --csv "$OUT/locust" --only-summary --loglevel WARNING >"$OUT/locust.log" 2>&1 || true
echo "After:  $(uptime)"
.venv/bin/python bench/load/summary.py "$OUT/locust"
# A Locust user whose code raises stops; the run then has fewer users than it says.
echo
echo "Locust users stopped by an error: $(grep -c ' failed with ' "$OUT/locust.log" || true) (see $OUT/locust.log)"
