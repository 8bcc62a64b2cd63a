#!/usr/bin/env bash
# README.md's production steps, followed literally on a fresh `git clone` of this repository, then checked.
#
#   drills/production_path.sh
#   PROD_DB=wt_h18_prod REDIS_URL=redis://127.0.0.1:6379/4 drills/production_path.sh
#
# It clones the committed HEAD (uncommitted changes are not in the clone) into a temporary folder, creates a
# PostgreSQL database of its own (PROD_DB, dropped at the end), sets the environment README.md lists and runs
# `manage.py migrate`, `manage.py collectstatic --noinput`, `gunicorn config.wsgi -c config/gunicorn.conf.py`,
# `celery -A config worker` and `celery -A config beat`. To save the install time it reuses this checkout's
# .venv (its Python and packages; the code comes from the clone, which is the working directory).
# Then: /healthz 200 with the database ok, the landing page 200 with its hashed stylesheet served by
# whitenoise, the admin login page, a 404 page in Bokmål, the worker answering a ping, beat running.
# Requests carry X-Forwarded-Proto: https, as from the TLS proxy production has in front (SECURE_SSL_REDIRECT
# stays at its production default). EMAIL_URL points at a local SMTP port; none of the checks sends mail.
set -euo pipefail

cd "$(dirname "$0")/.."
SOURCE="$(pwd)"
VENV="${VENV:-$SOURCE/.venv}"
PG_SERVER="${PG_SERVER:-postgres://postgres@127.0.0.1:5432}"
PROD_DB="${PROD_DB:-wt_h18_prod}"
PORT="${PORT:-8790}"
WORK="$(mktemp -d)"
PIDS=()

say() { echo "production_path: $*"; }
fail() { echo "production_path: FAILED: $*" >&2; for log in "$WORK"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done; exit 1; }

database() {  # database create|drop NAME, through psycopg (no psql needed)
    "$VENV/bin/python" - "$1" "$2" "$PG_SERVER/postgres" <<'PY'
import sys
import psycopg
from psycopg import sql
action, name, url = sys.argv[1:]
with psycopg.connect(url, autocommit=True) as conn:
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    if action == "create":
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
PY
}

cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    database drop "$PROD_DB" || true
    rm -rf "$WORK"
}
trap cleanup EXIT

say "cloning $(git rev-parse --short HEAD) into $WORK/app"
git clone --quiet "$SOURCE" "$WORK/app"
cd "$WORK/app"
database create "$PROD_DB"
# `python`, `gunicorn` and `celery` below are the reused virtualenv's.
export PATH="$VENV/bin:$PATH"

# The environment README.md's production section lists.
export DEBUG=0
export SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export ALLOWED_HOSTS=127.0.0.1,localhost
export SITE_URL="https://127.0.0.1:$PORT"
export CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$PORT"
export DATABASE_URL="$PG_SERVER/$PROD_DB"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/4}"
export CELERY_BROKER_URL="${CELERY_BROKER_URL:-$REDIS_URL}"
export EMAIL_URL="${EMAIL_URL:-smtp://127.0.0.1:1025}"
# Not a setting: where config/gunicorn.conf.py binds (0.0.0.0:8000 by default).
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2

[ "$(python -c 'import config, os; print(os.path.dirname(os.path.dirname(config.__file__)))')" = "$WORK/app" ] \
    || fail "the code does not come from the clone"

say "python manage.py migrate"
python manage.py migrate --noinput >"$WORK/migrate.log" 2>&1 || fail "migrate"
say "python manage.py collectstatic --noinput"
python manage.py collectstatic --noinput >"$WORK/collectstatic.log" 2>&1 || fail "collectstatic"
say "gunicorn config.wsgi -c config/gunicorn.conf.py; celery -A config worker; celery -A config beat"
gunicorn config.wsgi -c config/gunicorn.conf.py >"$WORK/gunicorn.log" 2>&1 &
PIDS+=($!)
celery -A config worker -l info >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
celery -A config beat -l info >"$WORK/beat.log" 2>&1 &
PIDS+=($!)

BASE="http://127.0.0.1:$PORT"
get() {  # get PATH OUTFILE -> prints the status code
    curl -sS -o "$2" -w '%{http_code}' -H 'X-Forwarded-Proto: https' "$BASE$1"
}
for _ in $(seq 1 40); do
    [ "$(get /healthz "$WORK/healthz.json" 2>/dev/null)" = 200 ] && break
    sleep 0.5
done

status="$(get /healthz "$WORK/healthz.json")"
[ "$status" = 200 ] && grep -q '"database": *"ok"' "$WORK/healthz.json" || fail "/healthz: $status $(cat "$WORK/healthz.json")"
say "ok  /healthz 200 $(cat "$WORK/healthz.json")"

status="$(get / "$WORK/landing.html")"
[ "$status" = 200 ] || fail "landing page: $status"
css="$(grep -oE '/static/[^"]+\.[0-9a-f]{12}\.css' "$WORK/landing.html" | head -1)"
[ -n "$css" ] || fail "no hashed stylesheet on the landing page"
status="$(get "$css" "$WORK/style.css")"
[ "$status" = 200 ] && [ -s "$WORK/style.css" ] || fail "$css: $status"
say "ok  / 200, its stylesheet $css 200 ($(wc -c <"$WORK/style.css") bytes, whitenoise)"

status="$(get /admin/login/ "$WORK/login.html")"
[ "$status" = 200 ] && grep -q 'name="password"' "$WORK/login.html" || fail "admin login: $status"
say "ok  /admin/login/ 200"

status="$(get /no-such-page/ "$WORK/404.html")"
[ "$status" = 404 ] && grep -q '<html lang="nb"' "$WORK/404.html" && grep -q 'Fant ikke siden' "$WORK/404.html" \
    || fail "404 page: $status"
say "ok  /no-such-page/ 404 «Fant ikke siden» (Bokmål)"

celery -A config inspect ping --timeout 10 >"$WORK/ping.log" 2>&1 || fail "the worker does not answer a ping"
say "ok  celery worker answers: $(grep -c pong "$WORK/ping.log") pong"
for _ in $(seq 1 20); do ls var/celerybeat-schedule* >/dev/null 2>&1 && break; sleep 0.5; done
kill -0 "${PIDS[2]}" 2>/dev/null && ls var/celerybeat-schedule* >/dev/null 2>&1 || fail "beat is not running"
say "ok  celery beat running, schedule in var/"
say "all steps of README.md's production section work on a fresh clone"
