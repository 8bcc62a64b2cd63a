"""The deadline rush: registrations per second against the floor, side by side in one run.

Starts gunicorn (the production server, ``DEBUG=0``, 3 sync workers as config/gunicorn.conf.py) on
loopback against a fresh PostgreSQL database, with Redis as broker and cache, then
1. the floor: clients load a bare Django view (its CSRF cookie and token) and POST to it; the view
   checks CSRF and inserts one row (bench/views.py), through the whole middleware stack;
2. the rush (bench/rush.py): each of the 357 municipalities of the demo workshop's date loads the
   registration form and POSTs its delegation of three, 20 % of them twice at the same moment (two
   people of one municipality); the real form: CSRF, validation, locks, outbox rows, task queued;
both with the same number of concurrent clients, every request as a TLS-terminating proxy forwards it
(``X-Forwarded-Proto: https``). Prints requests per second for both, the ratio, latency percentiles,
CPU milliseconds per request (the gunicorn workers', and the whole machine's), and the outcome, which
it checks: one delegation per municipality, no session over capacity, none split, no error.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/registration_throughput.py [--clients 16] [--workers 3] [--rounds 1]

It drops and creates the database ``workshops_bench`` on that server, and flushes the Redis database given.
Exit status 1 if the outcome is wrong (not if the ratio misses its target: that is for the reader).
"""

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import procstat, rush  # noqa: E402

BENCH_DB = "workshops_bench"
REGISTRATION_PATH = "/workshops/kulturskole-3-0-demo/"
FLOOR_PATH = "/bench/bare-insert/"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes (default 3)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--floor-requests", type=int, default=2000)
    parser.add_argument("--duplicates", type=float, default=0.2, help="share of municipalities posting twice")
    parser.add_argument("--rounds", type=int, default=1, help="floor and rush again, on a fresh database")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9")
    ratios, ok = [], True
    for round_no in range(1, args.rounds + 1):
        env = _prepare(server_url, redis_url)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "bench.wsgi", "--bind", f"127.0.0.1:{args.port}"]
            + ["--workers", str(args.workers), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        try:
            target = rush.Server("127.0.0.1", args.port)
            _wait_for(target)
            floor = _floor(target, server.pid, args.clients, args.floor_requests)
            forms = rush.form_sessions([target], REGISTRATION_PATH, duplicate_share=args.duplicates)
            time.sleep(rush.MIN_FILL_SECONDS)  # as people take a while to fill the form in
            before = _cpu(server.pid)
            result = rush.rush(forms, args.clients)
            cpu = _cpu_per_request(before, _cpu(server.pid), len(forms))
        finally:
            server.terminate()
            server.wait(timeout=20)
        outcome, problems = _check(env["BENCH_DB_URL"], result)
        ratio = result.rps / floor["rps"]
        ratios.append(ratio)
        ok = ok and not problems
        print(
            f"round {round_no}: machine {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
            f"gunicorn workers {args.workers}; concurrent clients {args.clients}"
        )
        print(
            f"  floor (CSRF + one INSERT): {floor['n']} POSTs in {floor['s']:.2f} s = {floor['rps']:.0f}/s "
            f"(p50 {floor['p50'] * 1000:.1f} ms, p95 {floor['p95'] * 1000:.1f} ms); "
            f"CPU per request: workers {floor['cpu_ms']:.1f} ms, machine {floor['machine_ms']:.1f} ms"
        )
        print(
            f"  registration POST: {len(forms)} POSTs ({len(set(f.municipality for f in forms))} municipalities) "
            f"in {result.seconds:.2f} s = {result.rps:.0f}/s (p50 {result.percentile(0.5) * 1000:.0f} ms, "
            f"p95 {result.percentile(0.95) * 1000:.0f} ms, errors {len(result.errors)}); "
            f"CPU per request: workers {cpu['cpu_ms']:.1f} ms, machine {cpu['machine_ms']:.1f} ms"
        )
        print(f"  ratio registration / floor: {ratio:.2f} (target >= 0.30, aim 0.50)")
        print(f"  outcome: {outcome}")
        for problem in problems:
            print(f"  FAIL: {problem}")
    if args.rounds > 1:
        print(
            f"ratio over {args.rounds} rounds: median {statistics.median(ratios):.2f}, "
            f"min {min(ratios):.2f}, max {max(ratios):.2f}"
        )
    sys.exit(0 if ok else 1)


def _cpu(pid: int) -> tuple[float, float]:
    return procstat.process_tree_cpu(pid), procstat.machine_cpu()


def _cpu_per_request(before, after, n: int) -> dict:
    return {"cpu_ms": (after[0] - before[0]) * 1000 / n, "machine_ms": (after[1] - before[1]) * 1000 / n}


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
        # Production settings otherwise: the rate limit on (each client says its own address through the
        # proxy header, bench/rush.py), the minimum fill time (the rush waits it out after loading the forms),
        # HTTPS as the proxy reports it (Secure cookies, the redirect, the strict CSRF origin check).
        "TRUSTED_PROXY_COUNT": "1",
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


def _wait_for(server: rush.Server) -> None:
    for _ in range(100):
        try:
            http.client.HTTPConnection(server.host, server.port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    sys.exit("gunicorn did not start")


def _floor(server: rush.Server, pid: int, clients: int, n: int) -> dict:
    """n POSTs to the floor view, each client with the cookie and token it loaded first (not timed)."""
    with ThreadPoolExecutor(clients) as pool:
        sessions = list(pool.map(lambda _: _floor_session(server), range(clients)))
    before = _cpu(pid)
    durations = []

    def post(i: int) -> bool:
        cookie, token = sessions[i % clients]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Origin": server.origin,
            "Referer": f"{server.origin}{FLOOR_PATH}",
        }
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "payload": "kommune"})
        start = time.perf_counter()
        status = rush.request(server, "POST", FLOOR_PATH, body, headers)[0]
        durations.append(time.perf_counter() - start)
        return status == 201

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(post, range(n)))
    elapsed = time.perf_counter() - start
    if not all(results):
        sys.exit(f"the floor view refused {results.count(False)} of {n} POSTs")
    durations.sort()
    return {
        "n": n,
        "s": elapsed,
        "rps": n / elapsed,
        "p50": durations[n // 2],
        "p95": durations[int(n * 0.95)],
        **_cpu_per_request(before, _cpu(pid), n),
    }


def _floor_session(server: rush.Server) -> tuple[str, str]:
    status, headers, token = rush.request(server, "GET", FLOOR_PATH)
    if status != 200:
        sys.exit(f"GET {FLOOR_PATH} answered {status}")
    return rush.csrf_cookie(headers), token


def _check(db_url: str, result: rush.RushResult) -> tuple[dict, list[str]]:
    """The same correctness as without load: one delegation per municipality, capacity, none split."""
    municipalities = {o.municipality for o in result.outcomes}
    with psycopg.connect(db_url) as conn:
        statuses = dict(
            conn.execute("SELECT status, count(*) FROM registrations_registration GROUP BY status").fetchall()
        )
        per_municipality = conn.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM registrations_registration "
            "WHERE status <> 'cancelled' GROUP BY municipality_id) AS counts"
        ).fetchone()[0]
        seats = conn.execute(
            "SELECT s.label, s.capacity, count(p.id) FROM workshops_session s "
            "LEFT JOIN registrations_registration r ON r.session_id = s.id AND r.status = 'confirmed' "
            "LEFT JOIN registrations_participant p ON p.registration_id = r.id GROUP BY s.id ORDER BY s.starts_at"
        ).fetchall()
    problems = []
    registered = sum(statuses.values())
    if registered != len(municipalities):
        problems.append(f"{registered} delegations for {len(municipalities)} municipalities")
    if per_municipality and per_municipality > 1:
        problems.append(f"a municipality has {per_municipality} delegations")
    problems += [
        f"session {label}: {taken} of {capacity} seats" for label, capacity, taken in seats if taken > capacity
    ]
    if result.errors:
        statuses_seen = sorted({o.status for o in result.errors})
        problems.append(f"{len(result.errors)} POSTs answered neither 302 nor 200 (statuses {statuses_seen})")
    refused = result.count(200)
    if result.count(302) != len(municipalities) or refused != len(result.outcomes) - len(municipalities):
        problems.append(f"{result.count(302)} accepted and {refused} refused for {len(municipalities)} municipalities")
    outcome = {
        "accepted (302)": result.count(302),
        "second submissions refused (200)": refused,
        "registrations": statuses,
        "seats (label, capacity, taken)": seats,
    }
    return outcome, problems


if __name__ == "__main__":
    main()
