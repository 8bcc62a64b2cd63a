"""Drill: two machines on loopback, one PostgreSQL and one Redis; the rush and the fan-out split across both.

Each "machine" has its own VAR_DIR (its own collected static files, nothing else on disk shared), a gunicorn
server as production starts it (`config.wsgi -c config/gunicorn.conf.py`, DEBUG=0, the manifest static
storage, Secure cookies, requests as a TLS proxy forwards them: X-Forwarded-Proto: https) on its own port,
and a Celery worker with its own node name (w1@…, w2@…). What they share is what production shares: the
drill's own database (`<DATABASE_URL name>_drill_two_machines`, demo workshop seeded), a private Redis as
broker and cache (sessions are in the database), the same SECRET_KEY and SITE_URL, and one SMTP server
(aiosmtpd, in this process).

1. The rush: each municipality of the demo's date (or the first --municipalities) loads the registration
   page and POSTs its delegation of three; requests alternate between the servers, and --doubles of the
   municipalities submit twice at the same moment, one POST to each server. The rate limit is off and
   the minimum fill time 0, as in bench/registration_throughput.py: every client is 127.0.0.1 and posts
   within seconds.
2. Checks: one active delegation per municipality, the second of each double answered "already
   registered" (not a 500), no POST answered with a server error, every delegation whole (three
   participants; confirmed with a session, waitlisted without), no session over capacity, and both servers
   served part of the rush (counted by the client, and in each server's access log).
3. The fan-out: once the confirmations are out, the material mailing is released and queued; both workers
   take from the one queue. Checks: every delivery row sent, every address received each of its mailings
   exactly once (confirmation, material), and both workers sent part of it (each worker logs the result of
   every send task).

Prints the figures; exit 1 if a check fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/two_machines.py \\
        [--municipalities 60 --capacity 120]
"""

import argparse
import collections
import dataclasses
import http.client
import io
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills import common  # noqa: E402

DRILL = "two_machines"
PATH = "/workshops/kulturskole-3-0-demo/"
DELEGATION = 3
# Per day: a counting window that rolls over during the rush (and restarts the count) is unlikely.
RATE = "100000/d"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
STARTED_INPUT = re.compile(r'name="started" value="([^"]+)"')
MUNICIPALITY_OPTION = re.compile(r'<option value="(\d+)"[^>]*>')
ACCESS_POST = re.compile(r'"POST (/\S*) HTTP/[\d.]+" (\d{3}) ')


class Machine:
    """One machine's processes: its own VAR_DIR and static files, a gunicorn server and a Celery worker."""

    def __init__(self, name: str, env: dict, tmp: Path, *, web_workers: int, concurrency: int):
        self.name = name
        self.var_dir = tmp / name / "var"
        self.var_dir.mkdir(parents=True)
        self.env = {**env, "VAR_DIR": str(self.var_dir)}
        self.web = common.WebServer(self.env, tmp / name / "gunicorn.log", workers=web_workers)
        self.worker_log = tmp / name / "worker.log"
        self.worker = common.Worker(
            {**self.env, "LOG_LEVEL": "INFO"},
            self.worker_log,
            concurrency,
            name=f"w{name[-1]}@%h",
            loglevel="INFO",
        )

    def collectstatic(self) -> subprocess.Popen:
        # README.md's production step 3, on this machine: the manifest storage needs its own collected files.
        command = [str(common.VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"]
        return subprocess.Popen(command, cwd=common.ROOT, env=self.env)

    def start(self) -> None:
        self.web.start()
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        self.web.stop()

    def local_files(self) -> list[str]:
        """What the processes wrote to this machine's VAR_DIR, the collected static files aside."""
        return sorted(
            str(path.relative_to(self.var_dir))
            for path in self.var_dir.rglob("*")
            if path.is_file() and path.relative_to(self.var_dir).parts[0] != "static"
        )

    def posts_logged(self) -> collections.Counter:
        """The registration POSTs in this server's access log, by status."""
        log = self.web.log.read_text(errors="replace") if self.web.log.exists() else ""
        return collections.Counter(status for path, status in ACCESS_POST.findall(log) if path == PATH)


def production_env(env: dict) -> dict:
    """The settings every machine shares, as production sets them (README.md, "Production, step by step")."""
    return {
        **env,
        "DEBUG": "0",
        # The same on every machine: the form's signed time stamp and the session data (signed in the
        # database) one server makes are read by the other.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://workshops.drill.example",
        "LOG_LEVEL": "WARNING",
        # Every client is 127.0.0.1 and posts within seconds: bench/registration_throughput.py turns the
        # limit off. Here it stays on, at a rate the rush cannot reach, so that both servers count in the
        # shared Redis (checked after the rush: shared_rate_count). The minimum fill time is off, as there.
        "RATELIMIT_ENABLE": "1",
        "RATELIMIT_REGISTRATION": RATE,
        "REGISTRATION_MIN_FILL_SECONDS": "0",
    }


@dataclasses.dataclass
class Post:
    municipality: str
    port: int  # the server that answered the POST
    status: int
    already_registered: bool  # the form again, saying the municipality is registered
    receipt: int | None = None  # the receipt page's status, asked of the other server with the session cookie


def rush_municipalities(port: int, limit: int) -> list[str]:
    status, _headers, page = _request(port, "GET", PATH)
    if status != 200:
        raise SystemExit(f"FAIL: the registration page answered {status}")
    found = MUNICIPALITY_OPTION.findall(page)
    return found[:limit] if limit else found


def rush(ports: list[int], municipalities: list[str], doubles: set[str], *, clients: int) -> list[Post]:
    """Every municipality POSTs its delegation; the doubles POST twice at once, one to each server.

    Each submission loads the page first (its own CSRF cookie, token and signed time stamp) from the other
    server than the one it posts to, so every POST carries what a different machine made.
    """
    submissions = []  # (municipality, the server to post to, the form loaded from the other one)
    for i, pk in enumerate(municipalities):
        targets = [ports[i % 2], ports[(i + 1) % 2]] if pk in doubles else [ports[i % 2]]
        submissions.append([(pk, port, _load(_other(ports, port))) for port in targets])

    def job(group):
        if len(group) == 1:
            return [_post(ports, *group[0])]
        barrier = threading.Barrier(len(group))
        with ThreadPoolExecutor(len(group)) as pair:
            return list(pair.map(lambda submission: _post(ports, *submission, barrier=barrier), group))

    with ThreadPoolExecutor(clients) as pool:
        return [post for group in pool.map(job, submissions) for post in group]


def _other(ports: list[int], port: int) -> int:
    return ports[1] if port == ports[0] else ports[0]


def _load(port: int) -> tuple[str, str, str, int]:
    status, headers, page = _request(port, "GET", PATH)
    if status != 200:
        raise SystemExit(f"FAIL: the registration page on :{port} answered {status}")
    cookie = next(v.split(";")[0] for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
    return cookie, CSRF_INPUT.search(page).group(1), STARTED_INPUT.search(page).group(1), port


def _post(ports, pk, port, form, barrier=None) -> Post:
    cookie, token, started, _loaded_from = form
    fields = {
        "csrfmiddlewaretoken": token,
        "started": started,
        "municipality": pk,
        "contact_name": "Kari Kontakt",
        "contact_email": f"kontakt{pk}@kommune.example",
        "participants-TOTAL_FORMS": str(DELEGATION),
        "participants-INITIAL_FORMS": "0",
    }
    for i, role in enumerate(["culture_school_leader", "municipal_leader", "municipal_service"][:DELEGATION]):
        fields |= {
            f"participants-{i}-name": f"Person {pk}-{i}",
            f"participants-{i}-email": f"p{pk}-{i}@kommune.example",
            f"participants-{i}-role": role,
            f"participants-{i}-title": "Leder",
        }
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "Referer": f"https://127.0.0.1:{port}{PATH}",
    }
    if barrier:
        barrier.wait(timeout=30)
    status, response_headers, body = _request(port, "POST", PATH, urllib.parse.urlencode(fields), headers)
    post = Post(pk, port, status, already_registered=status == 200 and f'?municipality={pk}"' in body)
    if status == 302:
        # The receipt, from the other machine: the session the POST wrote is in the shared database.
        location = dict((k.lower(), v) for k, v in response_headers)["location"]
        session = next(v.split(";")[0] for k, v in response_headers if k.lower() == "set-cookie" and "sessionid" in v)
        post.receipt = _request(_other(ports, port), "GET", location, headers={"Cookie": session})[0]
    return post


def _request(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    # As the TLS-terminating proxy in front forwards it (SECURE_PROXY_SSL_HEADER): no redirect to https.
    headers = {"X-Forwarded-Proto": "https", **(headers or {})}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read().decode()
    finally:
        conn.close()


def verify_rush(posts: list[Post], machines: list[Machine], municipalities, doubles, workshop, *, seconds) -> bool:
    from django.db.models import Count

    from registrations.models import Registration
    from workshops.models import Session

    by_port = collections.Counter(post.port for post in posts)
    statuses = collections.Counter(post.status for post in posts)
    print(f"  rush: {len(posts)} POSTs in {seconds:.1f} s, the forms' GETs before them included")
    per_server = {m.name: (by_port[m.web.port], dict(m.posts_logged())) for m in machines}
    print(f"  POSTs per server (client's count, access log by status): {per_server}; answers {dict(statuses)}")
    both_served = all(n > 0 and sum(logged.values()) == n for n, logged in per_server.values())

    counted = shared_rate_count()
    print(f"  the rate limit's counter for 127.0.0.1 in the shared Redis: {counted} POSTs (sent {len(posts)})")

    server_errors = [p for p in posts if p.status >= 500]
    created = {p.municipality for p in posts if p.status == 302}
    refused = [p for p in posts if p.already_registered]
    unexpected = [p for p in posts if p.status != 302 and not p.already_registered]
    receipts = collections.Counter(p.receipt for p in posts if p.status == 302)
    print(
        f"  registered {len(created)} of {len(municipalities)}; answered «already registered» {len(refused)} "
        f"(doubles {len(doubles)}); other answers {[(p.municipality, p.status) for p in unexpected][:5] or 'none'}; "
        f"server errors {len(server_errors)}"
    )
    print(f"  receipt pages opened on the other server with the POST's session cookie: {dict(receipts)}")

    active = Registration.objects.filter(workshop=workshop).exclude(status=Registration.Status.CANCELLED)
    per_municipality = collections.Counter(active.values_list("municipality_id", flat=True))
    not_one = sorted(str(m) for m in municipalities if per_municipality[int(m)] != 1)
    whole = active.annotate(n=Count("participants")).exclude(n=DELEGATION).count()
    mismatched = (
        active.filter(status=Registration.Status.CONFIRMED, session__isnull=True).count()
        + active.filter(status=Registration.Status.WAITLISTED, session__isnull=False).count()
    )
    by_status = dict(collections.Counter(active.values_list("status", flat=True)))
    print(
        f"  active delegations {active.count()} {by_status}; "
        f"municipalities without exactly one: {not_one or 'none'}; delegations not whole: {whole}; "
        f"status and session mismatched: {mismatched}"
    )
    over = []
    for session in Session.objects.filter(workshop=workshop).order_by("starts_at"):
        taken = Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED).aggregate(
            n=Count("participants")
        )["n"]
        state = "open" if session.is_open else "closed"
        print(f"  session {session.label}: {taken} of {session.capacity} seats, {state}")
        if taken > session.capacity:
            over.append(session.label)
    return (
        not server_errors
        and not unexpected
        and len(created) == len(municipalities)
        and len(refused) == len(doubles)
        and set(receipts) == {200}
        and not not_one
        and not whole
        and not mismatched
        and not over
        and both_served
        and counted == len(posts)
    )


def shared_rate_count() -> int | None:
    """The registration POSTs from 127.0.0.1 the rate limit counted, read from the cache (the private
    Redis) as the servers' throttle keeps it: the sum over both servers only if the counter is shared."""
    from django.test import RequestFactory
    from django_ratelimit.core import get_usage

    request = RequestFactory().post(PATH, REMOTE_ADDR="127.0.0.1")
    usage = get_usage(request, group="registrations.register", key="ip", rate=RATE, method="POST")
    return usage["count"] if usage else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", type=int, default=0, help="how many register (default: all)")
    parser.add_argument("--doubles", type=float, default=0.2, help="share submitting twice (default 0.2)")
    parser.add_argument("--capacity", type=int, default=0, help="main session seats (default: the seed's 300)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn workers per server (default 2)")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery processes per worker (default 2)")
    parser.add_argument("--batch-size", type=int, default=20, help="EMAIL_BATCH_SIZE (default 20)")
    parser.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    args = parser.parse_args()
    deadline = common.Deadline(args.timeout)
    common.stop_on_sigterm()

    tmp = common.temp_dir(DRILL)
    redis, mailbox = common.PrivateRedis(), common.Mailbox()
    smtp = common.SmtpServer(mailbox)
    machines: list[Machine] = []
    began = time.monotonic()
    try:
        redis.start()
        smtp.start()
        database = common.drill_database(DRILL)
        os.environ["EMAIL_BATCH_SIZE"] = str(args.batch_size)
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from django.core.management import call_command

        from workshops.models import Session, Workshop

        call_command("seed_workshop", "--demo", stdout=io.StringIO())
        workshop = Workshop.objects.get(slug=PATH.strip("/").split("/")[-1])
        if args.capacity:
            Session.objects.filter(workshop=workshop, kind=Session.Kind.MAIN).update(capacity=args.capacity)
        shared = production_env(env)
        machines = [
            Machine(f"m{i}", shared, tmp, web_workers=args.web_workers, concurrency=args.concurrency) for i in (1, 2)
        ]
        if any(collect.wait(timeout=120) for collect in [machine.collectstatic() for machine in machines]):
            raise SystemExit("FAIL: collectstatic failed")
        for machine in machines:
            machine.start()
        for machine in machines:
            health = machine.web.wait_healthy(deadline)
            print(f"  {machine.name}: gunicorn :{machine.web.port} /healthz {health}; worker -n {machine.worker.name}")
        print(f"{DRILL}: up in {time.monotonic() - began:.1f} s")

        ports = [machine.web.port for machine in machines]
        municipalities = rush_municipalities(ports[0], args.municipalities)
        doubles = set(municipalities[:: max(1, round(1 / args.doubles))]) if args.doubles > 0 else set()
        print(
            f"  rush: {len(municipalities)} municipalities, {len(doubles)} of them twice at once (one POST to "
            f"each server), {args.clients} clients"
        )
        started = time.monotonic()
        posts = rush(ports, municipalities, doubles, clients=args.clients)
        rush_seconds = time.monotonic() - started
        rush_ok = verify_rush(posts, machines, municipalities, doubles, workshop, seconds=rush_seconds)

        from notifications import tasks
        from notifications.models import Delivery

        confirmations = Delivery.objects.all()
        deadline.wait_for(
            "every confirmation sent", lambda: confirmations.filter(status="sent").count() == confirmations.count()
        )
        before = mailbox.count()
        print(f"  confirmations: {before} messages in {time.monotonic() - started:.1f} s from the rush's start")
        ids = common.material_release(workshop)
        started = time.monotonic()
        tasks.queue(ids)
        deadline.wait_for(
            "every material delivery sent",
            lambda: Delivery.objects.filter(pk__in=ids, status="sent").count() == len(ids),
            poll=0.5,
        )
        fanout_seconds = time.monotonic() - started
        time.sleep(1)  # anything still in flight would arrive now
        print(f"  material: {len(ids)} deliveries sent in {fanout_seconds:.1f} s")
        once = common.verify_every_delivery_once(mailbox)
        shares = {machine.worker.name.split("@")[0]: common.sent_by_worker(machine.worker_log) for machine in machines}
        both_sent = all(shares.values()) and sum(shares.values()) == mailbox.count()
        print(
            f"  messages per worker (from each worker's log of its send tasks): {shares}, "
            f"together {sum(shares.values())} of {mailbox.count()} received: "
            f"{'both sent part of it' if both_sent else 'NOT SPLIT ACROSS BOTH / NOT ALL ACCOUNTED FOR'}"
        )
        local = {machine.name: machine.local_files() for machine in machines}
        print(f"  files written to each machine's VAR_DIR besides its static files: {local}")
        print(f"  whole drill {time.monotonic() - began:.1f} s")
        return common.verdict(rush_ok and once and both_sent and not any(local.values()))
    except SystemExit:
        for machine in machines:
            common.print_worker_log(machine.worker_log)
            common.print_worker_log(machine.web.log)
        raise
    finally:
        for machine in machines:
            machine.stop()
        smtp.stop()
        redis.stop()
        common.cleanup(tmp)


if __name__ == "__main__":
    sys.exit(main())
