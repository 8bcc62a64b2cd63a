#!/usr/bin/env bash
# Lighthouse on the registration page of a production-like server this script starts itself:
# DEBUG=0, collectstatic, whitenoise, gunicorn, a fresh SQLite database with the demo workshop.
# Prints the four category scores and every audit below full marks. See docs/accessibility.md.
#
#   bench/lighthouse.sh [--preset=desktop]    (extra arguments go to lighthouse; mobile by default)
#   REPORT=report.json bench/lighthouse.sh    (keeps the whole report)
#
# Needs `npm ci` (lighthouse from package.json) and Debian's Chromium at /usr/bin/chromium.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PORT="${PORT:-8765}"
WORK="$(mktemp -d)"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"

[ -x node_modules/.bin/lighthouse ] || { echo "lighthouse: run \`npm ci\` first" >&2; exit 1; }
[ -x "$CHROME_PATH" ] || { echo "lighthouse: no Chromium at $CHROME_PATH" >&2; exit 1; }

server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Production settings on plain HTTP over loopback. "localhost", not 127.0.0.1: Chromium keeps the Secure
# cookies only from a host it trusts without TLS. No Redis needed: one server, its own memory as cache
# (the start-up check that refuses that in production is skipped for these commands).
export DEBUG=0 SECRET_KEY="lighthouse-$RANDOM-$RANDOM-$RANDOM" ALLOWED_HOSTS=localhost SECURE_SSL_REDIRECT=0
export DATABASE_URL="sqlite:///$WORK/db.sqlite3" VAR_DIR="$WORK/var" SITE_URL="http://localhost:$PORT"
export LOG_LEVEL=WARNING

echo "lighthouse: migrating, seeding the demo workshop, collecting static files in $WORK"
.venv/bin/python manage.py migrate --noinput --skip-checks >/dev/null
.venv/bin/python manage.py seed_workshop --demo --skip-checks >/dev/null
.venv/bin/python manage.py collectstatic --noinput --skip-checks >/dev/null

GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_WORKERS=2 .venv/bin/gunicorn -c config/gunicorn.conf.py config.wsgi \
    --access-logfile /dev/null >"$WORK/server.log" 2>&1 &
server_pid=$!
URL="http://localhost:$PORT/workshops/kulturskole-3-0-demo/"
for _ in $(seq 1 30); do
    curl -fsS -o /dev/null "$URL" 2>/dev/null && break
    sleep 1
done
curl -fsS -o /dev/null "$URL" || { echo "lighthouse: the server did not answer" >&2; cat "$WORK/server.log" >&2; exit 1; }

echo "lighthouse: $URL"
node_modules/.bin/lighthouse "$URL" \
    --quiet \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking" \
    --output=json --output-path="$WORK/report.json" "$@"

if [ -n "${REPORT:-}" ]; then cp "$WORK/report.json" "$REPORT"; fi

# The scores, then what kept a category from 100.
node - "$WORK/report.json" <<'EOF'
const report = require(process.argv[2]);
console.log(`Lighthouse ${report.lighthouseVersion}, ${report.configSettings.formFactor}`);
for (const category of Object.values(report.categories)) {
  console.log(`${category.title.padEnd(16)} ${Math.round(category.score * 100)}`);
}
for (const category of Object.values(report.categories)) {
  for (const ref of category.auditRefs) {
    const audit = report.audits[ref.id];
    if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
      console.log(`  ${category.title}: ${audit.id} (${audit.score}) ${audit.title} ${audit.displayValue || ""}`);
      for (const item of (audit.details && audit.details.items) || []) {
        console.log(`    ${item.url || ""} ${item.description || ""}`.trimEnd());
      }
    }
  }
}
EOF
