"""Every municipality submits in the same minute: registrations per second against a bare insert view.

Starts gunicorn (the production server) on loopback against a fresh PostgreSQL database, then
1. POSTs N one-row inserts to a bare Django view (csrf-exempt, one INSERT), and
2. has each of the 356 municipalities of the demo workshop GET the registration page and POST its
   delegation of 3 (the real form: CSRF, validation, row locks, outbox rows, task queued to Redis),
with the same number of concurrent clients, and prints requests per second for both and their ratio.
The target (docs/performance.md): registrations reach at least half the bare view's throughput.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/registration_throughput.py [--clients 16] [--workers 4]

It drops and creates the database ``workshops_bench`` on that server, and flushes the Redis database given.
"""

import argparse
import http.client
import os
import re
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "workshops_bench"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# When the form was shown, signed (the minimum fill time against bots): a browser sends it back.
STARTED_INPUT = re.compile(r'name="started" value="([^"]+)"')
MUNICIPALITY_OPTION = re.compile(r'<option value="(\d+)"[^>]*>')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (default 4)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--bare-requests", type=int, default=2000)
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    env = _prepare(server_url, redis_url)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "bench.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        _wait_for(args.port)
        bare = _bare(args.port, args.clients, args.bare_requests)
        reg, outcome = _registrations(args.port, args.clients, env)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(f"machine: {os.cpu_count()} cores; gunicorn workers: {args.workers}; concurrent clients: {args.clients}")
    print(f"bare one-row insert view: {bare['n']} requests in {bare['s']:.2f} s = {bare['rps']:.0f} req/s")
    print(
        f"registration POST:        {reg['n']} delegations in {reg['s']:.2f} s = {reg['rps']:.0f} req/s "
        f"(p50 {reg['p50'] * 1000:.0f} ms, p95 {reg['p95'] * 1000:.0f} ms, errors {reg['errors']})"
    )
    print(f"ratio registration / bare: {reg['rps'] / bare['rps']:.2f} (target >= 0.50)")
    print(f"outcome: {outcome}")


def _prepare(server_url: str, redis_url: str) -> dict:
    parts = urllib.parse.urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    db_url = urllib.parse.urlunsplit(parts._replace(path=f"/{BENCH_DB}"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The cache (rate-limit counters) in Redis, as in production.
        "REDIS_URL": redis_url,
        # All 16 clients come from 127.0.0.1 and post within seconds: a real deadline rush comes from many
        # addresses. The benchmark measures the form, not the limit, so it turns the limit off; the limit's
        # own cost (one Redis INCR) stays out of the figures. Plain HTTP on loopback: no redirect to https.
        "RATELIMIT_ENABLE": os.environ.get("RATELIMIT_ENABLE", "0"),
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "SECURE_SSL_REDIRECT": "0",
    }
    python = str(ROOT / ".venv/bin/python")
    for command in (["migrate", "--noinput", "-v0"], ["seed_workshop", "--demo"]):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE bench_row (id bigserial PRIMARY KEY, payload text, created_at timestamptz DEFAULT now())"
        )
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    env["BENCH_DB_URL"] = db_url
    return env


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/privacy/")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def _request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def _timed(jobs, clients):
    durations = []

    def run(job):
        start = time.perf_counter()
        ok = job()
        durations.append(time.perf_counter() - start)
        return ok

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(run, jobs))
    elapsed = time.perf_counter() - start
    durations.sort()
    return {
        "n": len(jobs),
        "s": elapsed,
        "rps": len(jobs) / elapsed,
        "p50": durations[len(durations) // 2],
        "p95": durations[int(len(durations) * 0.95)],
        "errors": results.count(False),
    }


def _bare(port, clients, n):
    body = "payload=kommune"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return _timed([lambda: _request(port, "POST", "/bench/bare-insert/", body, headers)[0] == 201] * n, clients)


def _registrations(port, clients, env):
    path = "/workshops/kulturskole-3-0-demo/"
    status, headers, page = _request(port, "GET", path)
    if status != 200:
        sys.exit(f"registration page answered {status}")
    municipalities = MUNICIPALITY_OPTION.findall(page)
    # Each client session gets its CSRF cookie and token first, as a browser loading the page would.
    prepared = []
    for pk in municipalities:
        status, headers, page = _request(port, "GET", path)
        cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
        token = CSRF_INPUT.search(page).group(1)
        started = STARTED_INPUT.search(page).group(1)
        prepared.append((pk, cookie, token, started))

    def job(pk, cookie, token, started):
        fields = {
            "csrfmiddlewaretoken": token,
            "started": started,
            "municipality": pk,
            "contact_name": "Kari Kontakt",
            "contact_email": f"kontakt{pk}@kommune.example",
            "participants-TOTAL_FORMS": "3",
            "participants-INITIAL_FORMS": "0",
        }
        for i, role in enumerate(["culture_school_leader", "municipal_leader", "municipal_service"]):
            fields |= {
                f"participants-{i}-name": f"Person {pk}-{i}",
                f"participants-{i}-email": f"p{pk}-{i}@kommune.example",
                f"participants-{i}-role": role,
                f"participants-{i}-title": "Leder",
            }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}{path}",
        }
        status, response_headers, _body = _request(port, "POST", path, urllib.parse.urlencode(fields), headers)
        return status == 302

    result = _timed([lambda p=p: job(*p) for p in prepared], clients)
    with psycopg.connect(env["BENCH_DB_URL"]) as conn:
        rows = conn.execute(
            "SELECT status, count(*) FROM registrations_registration GROUP BY status ORDER BY status"
        ).fetchall()
        seats = conn.execute(
            "SELECT s.label, s.capacity, count(p.id) FROM workshops_session s "
            "LEFT JOIN registrations_registration r ON r.session_id = s.id AND r.status = 'confirmed' "
            "LEFT JOIN registrations_participant p ON p.registration_id = r.id GROUP BY s.id ORDER BY s.starts_at"
        ).fetchall()
    return result, {"registrations": dict(rows), "seats (label, capacity, taken)": seats}


if __name__ == "__main__":
    main()
