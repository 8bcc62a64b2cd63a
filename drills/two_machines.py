"""Drill: two machines on loopback, one PostgreSQL and one Redis; the rush and the fan-out split across both.

Each "machine" has its own VAR_DIR (its own collected static files, nothing else on disk shared), a gunicorn
server as production starts it (`config.wsgi -c config/gunicorn.conf.py`, DEBUG=0, the manifest static
storage, Secure cookies, requests as a TLS proxy forwards them: X-Forwarded-Proto: https) on its own port,
and a Celery worker with its own node name (w1@…, w2@…). What they share is what production shares: the
drill's own database (`<DATABASE_URL name>_drill_two_machines`, demo workshop seeded), a private Redis as
broker and cache (sessions are in the database), the same SECRET_KEY and SITE_URL, and one SMTP server
(aiosmtpd, in this process).

1. The rush (bench/rush.py, as bench/registration_throughput.py runs it): each municipality of the demo's
   date (or the first --municipalities) loads the registration page and, after the minimum fill time,
   POSTs its delegation of three; the forms go round-robin over the servers, and --doubles of the
   municipalities load it twice and POST both at the same moment, one to each server. The rate limit and
   the minimum fill time are at their production defaults: each browser has its own address, appended to
   X-Forwarded-For as by the proxy in front (TRUSTED_PROXY_COUNT=1).
2. Checks: no POST answered with a server error; one active delegation per municipality, the other POST of
   each double answered "already registered"; every delegation whole (three participants; confirmed with
   a session, waitlisted without); no session over capacity (--capacity sets the main session's seats);
   both servers served part of the rush (the client's count, and each server's access log); each receipt
   opens on the other server with the session cookie the POST set (sessions in the database, signed with
   the shared key); and one client address posting to both servers in turn is refused at the limit's
   31st POST (the counter is in the shared Redis, not in a process).
3. The fan-out: once the confirmations are out, the material mailing is released and queued; both workers
   take from the one queue. Checks: every delivery row sent, every address received each of its mailings
   exactly once (confirmation, material), and both workers sent part of it (each worker logs the result of
   every send task). Last, nothing but the collected static files was written to a machine's VAR_DIR.

Prints the figures; exit 1 if a check fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/two_machines.py \\
        [--municipalities 60 --capacity 120]
"""

import argparse
import collections
import io
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rush  # noqa: E402
from drills import common  # noqa: E402

DRILL = "two_machines"
PATH = "/workshops/kulturskole-3-0-demo/"
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
        # As bench/registration_throughput.py: the rate limit and the minimum fill time at their production
        # defaults; each browser of the rush has its own address, which the proxy in front appends to
        # X-Forwarded-For (bench/rush.py), and the rush waits out the fill time after loading the forms.
        "TRUSTED_PROXY_COUNT": "1",
    }


def receipt_elsewhere(outcome: rush.Outcome, other: rush.Server) -> int:
    """Open the receipt a successful POST redirected to on the other server, with the session cookie the POST
    set: 200 only if that server reads the session (in the shared database, signed with the shared key)."""
    location = next(v for k, v in outcome.headers if k.lower() == "location")
    session = next(v.split(";")[0] for k, v in outcome.headers if k.lower() == "set-cookie" and "sessionid=" in v)
    return rush.request(other, "GET", location, headers={"Cookie": session})[0]


def shared_rate_limit(servers: list[rush.Server], form: rush.Form) -> tuple[list[int], bool]:
    """POST from one new client address, alternating between the servers, until the rate limit must refuse.

    Every POST of the form counts, valid or not; the limit (RATELIMIT_REGISTRATION, 30 a minute) holds for
    the address over both servers only if both count in the shared Redis. Starts in a fresh counting window
    if the current one ends within 10 s, so the count does not restart halfway.
    Returns the statuses and whether the last POST, and only it, was refused (429).
    """
    from django.conf import settings
    from django.test import RequestFactory
    from django_ratelimit.core import _split_rate, get_usage

    address = "10.250.0.1"
    limit, _period = _split_rate(settings.RATELIMIT_REGISTRATION)
    probe = RequestFactory().post(PATH, REMOTE_ADDR=address)
    usage = get_usage(
        probe, group="registrations.register", key="ip", rate=settings.RATELIMIT_REGISTRATION, method="POST"
    )
    if usage and usage["time_left"] < 10:
        time.sleep(usage["time_left"] + 1)
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": form.token, "started": form.started})
    statuses = []
    for i in range(limit + 1):
        server = servers[i % 2]
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": form.cookie,
            "Origin": server.origin,
            "Referer": f"{server.origin}{PATH}",
            "X-Forwarded-For": address,
        }
        statuses.append(rush.request(server, "POST", PATH, body, headers)[0])
    return statuses, statuses[-1] == 429 and 429 not in statuses[:-1]


def verify_rush(result: rush.RushResult, forms: list[rush.Form], machines: list[Machine], workshop) -> bool:
    """The rush's answers (client side and each server's access log) and what the database holds after it."""
    from django.db.models import Count

    from registrations.models import Registration
    from workshops.models import Session

    outcomes = result.outcomes
    municipalities = {form.municipality for form in forms}
    doubles = len(forms) - len(municipalities)
    by_port = result.per_server()
    per_server = {m.name: (by_port.get(m.web.port, 0), dict(m.posts_logged())) for m in machines}
    print(
        f"  rush: {len(outcomes)} POSTs in {result.seconds:.1f} s ({result.rps:.0f}/s, p50 "
        f"{result.percentile(0.5) * 1000:.0f} ms, p95 {result.percentile(0.95) * 1000:.0f} ms)"
    )
    print(f"  POSTs per server (client's count, access log by status): {per_server}")
    both_served = all(n > 0 and sum(logged.values()) == n for n, logged in per_server.values())

    created = [o for o in outcomes if o.status == 302]
    refused = [o for o in outcomes if o.status == 200 and f'?municipality={o.municipality}"' in o.body]
    unexpected = [(o.municipality, o.status) for o in outcomes if o.status != 302 and o not in refused]
    server_errors = [o for o in outcomes if o.status >= 500]
    print(
        f"  registered {len(created)} of {len(municipalities)}; answered «already registered» {len(refused)} "
        f"(municipalities posting twice: {doubles}); other answers {unexpected[:5] or 'none'}; "
        f"server errors {len(server_errors)}"
    )
    servers = {machine.web.port: rush.Server("127.0.0.1", machine.web.port) for machine in machines}
    receipts = collections.Counter(
        receipt_elsewhere(o, next(s for port, s in servers.items() if port != o.server.port)) for o in created
    )
    print(f"  receipts opened on the other server with the session cookie the POST set: {dict(receipts)}")

    active = Registration.objects.filter(workshop=workshop).exclude(status=Registration.Status.CANCELLED)
    per_municipality = collections.Counter(str(pk) for pk in active.values_list("municipality_id", flat=True))
    not_one = sorted(m for m in municipalities if per_municipality[m] != 1)
    not_whole = active.annotate(n=Count("participants")).exclude(n=len(rush.ROLES)).count()
    mismatched = (
        active.filter(status=Registration.Status.CONFIRMED, session__isnull=True).count()
        + active.filter(status=Registration.Status.WAITLISTED, session__isnull=False).count()
    )
    by_status = dict(collections.Counter(active.values_list("status", flat=True)))
    print(
        f"  active delegations {active.count()} {by_status}; municipalities without exactly one: "
        f"{not_one or 'none'}; delegations not whole: {not_whole}; status and session mismatched: {mismatched}"
    )
    over = []
    for session in Session.objects.filter(workshop=workshop).order_by("starts_at"):
        confirmed = Registration.objects.filter(session=session, status=Registration.Status.CONFIRMED)
        taken = confirmed.aggregate(n=Count("participants"))["n"]
        state = "open" if session.is_open else "closed"
        print(f"  session {session.label}: {taken} of {session.capacity} seats, {state}")
        if taken > session.capacity:
            over.append(session.label)
    return (
        not server_errors
        and not unexpected
        and len(created) == len(municipalities)
        and len(refused) == doubles
        and set(receipts) == {200}
        and active.count() == len(municipalities)
        and not not_one
        and not not_whole
        and not mismatched
        and not over
        and both_served
    )


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

    began = time.monotonic()
    with common.Rig(DRILL) as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
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
        for machine in machines:
            rig.add(machine, machine.worker_log, machine.web.log)
        if any(collect.wait(timeout=120) for collect in [machine.collectstatic() for machine in machines]):
            raise SystemExit("FAIL: collectstatic failed")
        for machine in machines:
            machine.start()
        for machine in machines:
            health = machine.web.wait_healthy(deadline)
            print(f"  {machine.name}: gunicorn :{machine.web.port} /healthz {health}; worker -n {machine.worker.name}")
        print(f"{DRILL}: up in {time.monotonic() - began:.1f} s")

        servers = [rush.Server("127.0.0.1", machine.web.port) for machine in machines]
        forms = rush.form_sessions(servers, PATH, duplicate_share=args.doubles, limit=args.municipalities or None)
        time.sleep(rush.MIN_FILL_SECONDS)  # REGISTRATION_MIN_FILL_SECONDS as in production
        print(
            f"  rush: {len({f.municipality for f in forms})} municipalities, {len(forms)} forms loaded round-robin "
            f"(those posting twice: one to each server, at once), {args.clients} clients"
        )
        started = time.monotonic()
        result = rush.rush(forms, args.clients)
        rush_ok = verify_rush(result, forms, machines, workshop)
        statuses, limited = shared_rate_limit(servers, forms[0])
        print(
            f"  one client address posting to both servers in turn: {statuses.count(200)} answered, then "
            f"{statuses[-1]} (the limit counts across both servers: {limited})"
        )

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
        return common.verdict(rush_ok and limited and once and both_sent and not any(local.values()))


if __name__ == "__main__":
    sys.exit(main())
