"""What every failure drill needs: its own database, a private Redis, an SMTP server, Celery workers.

Everything runs on loopback. Redis is a private instance on its own port (never the shared one): the
drills stop and start it. The database is `<your DATABASE_URL's name>_drill_<drill>`, dropped and created
on the PostgreSQL server of DATABASE_URL (the server itself is never stopped here). Processes a drill
starts are stopped by their own id (a worker by its own process group: its pool children with it).
"""

import collections
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deadline:
    """A drill is bounded in time: every wait checks the drill's deadline and fails loudly past it."""

    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def wait_for(self, what: str, condition, poll: float = 0.2) -> None:
        while not condition():
            if time.monotonic() > self.end:
                raise SystemExit(f"FAIL: timed out waiting for {what}")
            time.sleep(poll)


class PrivateRedis:
    """redis-server on its own loopback port, no persistence; stop() and start() for the outage."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        Deadline(10).wait_for("the private Redis", self._answers)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # as a crash would: no shutdown save (there is none anyway)
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False


class Mailbox:
    """aiosmtpd handler: every message's recipient and subject, counted per address."""

    def __init__(self):
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email
        import email.policy

        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for address in envelope.rcpt_tos:
                self.received.append((address.lower(), str(message["Subject"]).strip()))
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.received)

    def per_address(self) -> collections.Counter:
        with self.lock:
            return collections.Counter(address for address, _ in self.received)

    def per_message(self) -> collections.Counter:
        """How often each (address, subject) arrived."""
        with self.lock:
            return collections.Counter(self.received)


class SmtpServer:
    """aiosmtpd on a fixed loopback port, so that it can be stopped and started again at the same address."""

    def __init__(self, mailbox: Mailbox, port: int | None = None):
        self.mailbox = mailbox
        self.port = port or free_port()
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


def drill_database(drill: str) -> str:
    """Drop and create this drill's database on DATABASE_URL's server; return its URL."""
    return scratch_database(f"drill_{drill}")


def scratch_database(suffix: str) -> str:
    """Drop and create `<DATABASE_URL's name>_<suffix>` on DATABASE_URL's server; return its URL."""
    import psycopg

    server_url = os.environ.get("DATABASE_URL", "")
    if not server_url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL=postgres://…: the drills run a worker process beside this one.")
    parts = urllib.parse.urlsplit(server_url)
    name = f"{parts.path.lstrip('/') or 'postgres'}_{suffix}"
    # Connected to the maintenance database: DATABASE_URL's own database need not exist.
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def configure(*, database_url: str, redis_url: str, smtp_port: int, var_dir: Path) -> dict:
    """Set this process's environment for Django (and return it for the workers), then set Django up."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "CELERY_BROKER_URL": redis_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "EMAIL_TIMEOUT": "5",
            "VAR_DIR": str(var_dir),
            "SITE_URL": "http://127.0.0.1:8000",
            "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return dict(os.environ)


class Worker:
    """A real Celery worker (`celery -A config worker`), in its own process group so SIGKILL takes it all.

    `name` is its node name (`-n w1@%h`): two workers as on two machines. At loglevel INFO the worker logs
    each task's result, and with it what each `send_deliveries` sent (see `sent_by_worker`).
    `concurrency` None: Celery's default, one pool process per core (as `celery -A config worker`).
    """

    def __init__(self, env: dict, log: Path, concurrency: int | None = 2, *, name: str = "", loglevel: str = "WARNING"):
        self.env, self.log, self.concurrency = env, log, concurrency
        self.name, self.loglevel = name, loglevel
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            *(["--concurrency", str(self.concurrency)] if self.concurrency else []),
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            self.loglevel,
        ]
        if self.name:
            command += ["--hostname", self.name]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self) -> None:
        """SIGKILL the worker and its pool children: nothing of ours runs after it (no finally, no ack)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_group(self.process)


# Celery's line for a finished task, at INFO: "Task notifications.tasks.send_deliveries[<id>] succeeded in
# 0.41s: {'sent': 50, 'failed': 0, 'skipped': 0, 'retry': 0}" (the task returns BatchResult.summary()).
SENT_LINE = re.compile(r"send_deliveries\[[^\]]+\] succeeded in [0-9.e-]+s: \{'sent': (\d+)")


def sent_by_worker(log: Path) -> int:
    """Messages a worker (loglevel INFO) reports as sent by its `send_deliveries` tasks that succeeded.

    A task that raised Retry after sending part of its batch logs no summary: its part is not counted.
    """
    if not log.exists():
        return 0
    return sum(int(n) for n in SENT_LINE.findall(log.read_text(errors="replace")))


def stop_group(process: subprocess.Popen | None, timeout: float = 20) -> None:
    """SIGTERM a process started with start_new_session and its children; SIGKILL if it outlives `timeout`."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


class WebServer:
    """gunicorn as production starts it (`gunicorn config.wsgi -c config/gunicorn.conf.py`), on its own
    loopback port and in its own process group; the access log (and any error) goes to `log`."""

    def __init__(self, env: dict, log: Path, *, workers: int = 2, port: int | None = None):
        self.env, self.log, self.workers = env, log, workers
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [str(VENV_BIN / "gunicorn"), "config.wsgi", "-c", "config/gunicorn.conf.py"]
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": str(self.workers)}
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_healthy(self, deadline: Deadline) -> dict:
        """Wait until /healthz answers 200 (database reachable and migrated); return its JSON."""
        import json
        import urllib.request

        answer = {}

        def healthy() -> bool:
            if self.process.poll() is not None:
                raise SystemExit(f"FAIL: gunicorn on port {self.port} exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    answer.update(json.load(response))
                    return response.status == 200
            except OSError:
                return False

        deadline.wait_for(f"gunicorn on port {self.port}", healthy)
        return answer

    def stop(self) -> None:
        stop_group(self.process)


def print_worker_log(path: Path, lines: int = 15) -> None:
    """The end of the workers' log, for a drill that failed."""
    if path.exists():
        print(f"  last lines of {path.name}:")
        for line in path.read_text(errors="replace").splitlines()[-lines:]:
            print(f"    | {line}")


def temp_dir(drill: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"drill-{drill}-"))


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def sweep_as_if_later(minutes_later: float) -> list[int]:
    """Run the beat's sweep as it would run `minutes_later` from now, and queue what it finds.

    The drills do not wait out STUCK_AFTER (15 minutes) for real: the rows not sent yet are aged instead
    (claimed_at and next_attempt_at moved back by `minutes_later`), then the real sweep runs at the real
    time, so what it resets and queues is due at once.
    """
    import datetime

    from django.db.models import F

    from notifications import sending, tasks
    from notifications.models import Delivery

    shift = datetime.timedelta(minutes=minutes_later)
    waiting = Delivery.objects.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
    waiting.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - shift)
    waiting.filter(next_attempt_at__isnull=False).update(next_attempt_at=F("next_attempt_at") - shift)
    ids = sending.deliveries_sweep()
    tasks.queue(ids)
    return ids


def stop_on_sigterm() -> None:
    """Turn SIGTERM (e.g. from `timeout`) into SystemExit, so the drill's finally stops what it started."""

    def handler(signum, frame):
        raise SystemExit(f"FAIL: stopped by signal {signum}")

    signal.signal(signal.SIGTERM, handler)


class Rig(contextlib.ExitStack):
    """What every drill sets up and takes down: a temporary folder, a private Redis, an SMTP server (aiosmtpd in
    this process) with its mailbox, and the processes the drill adds with `add`, stopped in reverse order
    however the drill ends. When it fails (SystemExit: a check or a deadline), the logs given to `add` are
    printed first. SIGTERM (e.g. from `timeout`) becomes SystemExit, so this clean-up runs then too.

        with common.Rig("worker_kill") as rig:
            worker = rig.add(common.Worker(env, rig.tmp / "worker.log"), rig.tmp / "worker.log")
    """

    def __init__(self, drill: str):
        super().__init__()
        self.tmp = temp_dir(drill)
        self.mailbox = Mailbox()
        self.redis, self.smtp = PrivateRedis(), SmtpServer(self.mailbox)
        self.logs: list[Path] = []

    def __enter__(self) -> "Rig":
        super().__enter__()
        stop_on_sigterm()
        self.callback(cleanup, self.tmp)
        try:
            for service in (self.redis, self.smtp):
                service.start()
                self.callback(service.stop)
        except BaseException:
            self.close()
            raise
        return self

    def add(self, process, *logs: Path):
        """Stop `process` (anything with stop()) when the drill ends; print `logs` if it fails."""
        self.callback(process.stop)
        self.logs += [log for log in logs if log not in self.logs]
        return process

    def __exit__(self, exc_type, exc, traceback):
        if exc_type is SystemExit:
            for log in self.logs:
                print_worker_log(log)
        return super().__exit__(exc_type, exc, traceback)


def delivery_states() -> list[tuple]:
    """(status, attempts, count, earliest next_attempt_at) per status and attempt count, as the admin lists."""
    from django.db.models import Count, Min

    from notifications.models import Delivery

    rows = (
        Delivery.objects.values("status", "attempts")
        .annotate(n=Count("pk"), next_at=Min("next_attempt_at"))
        .order_by("status", "attempts")
    )
    return [(r["status"], r["attempts"], r["n"], r["next_at"]) for r in rows]


def print_states(label: str) -> None:
    print(f"  {label}:")
    for status, attempts, n, next_at in delivery_states():
        when = f", next attempt from {next_at:%H:%M:%S}" if next_at and status == "pending" else ""
        print(f"    {n:5d} {status:8s} after {attempts} attempt(s){when}")


def material_fanout(n: int) -> list[int]:
    """A workshop with n participants (bench/mail_fanout.py's seed) and its material mailing, approved and
    released now: returns the ids of its n deliveries, not queued yet."""
    from bench.mail_fanout import seed

    return material_release(seed(n))


def material_release(workshop) -> list[int]:
    """The workshop's material mailing, approved (gaps accepted) and released now, as staff and the beat
    would a week before: returns the ids of its deliveries (every confirmed participant), not queued yet."""
    from django.utils import timezone

    from notifications import scheduling, services
    from notifications.models import Mailing
    from workshops.audit import SYSTEM

    scheduling.mailings_schedule(workshop=workshop)
    material = Mailing.objects.get(workshop=workshop, kind=Mailing.Kind.MATERIAL)
    services.mailing_approve(mailing=material, actor=SYSTEM, accept_gaps=True)
    material.scheduled_for = timezone.now()
    material.save(update_fields=["scheduled_for"])
    return scheduling.mailing_release(mailing=material)


def verify_once(mailbox: Mailbox, expected: set[str], *, allowed_twice: int) -> bool:
    """Every expected address received its message; at most `allowed_twice` got it twice. Prints both."""
    from notifications.models import Delivery

    counts = mailbox.per_address()
    missing = sorted(expected - set(counts))
    twice = sorted(address for address, c in counts.items() if c == 2)
    more = sorted(address for address, c in counts.items() if c > 2)
    statuses = dict(collections.Counter(Delivery.objects.values_list("status", flat=True)))
    print(f"  delivery rows by status: {statuses}")
    print(
        f"  addresses expected {len(expected)}, received {len(set(counts) & expected)}, messages {sum(counts.values())}"
    )
    print(f"  missing: {missing or 'none'}")
    print(f"  received twice (allowed at most {allowed_twice}): {twice or 'none'}")
    print(f"  received more than twice: {more or 'none'}")
    return not missing and not more and len(twice) <= allowed_twice and set(statuses) == {"sent"}


def verify_every_delivery_once(mailbox: Mailbox) -> bool:
    """Every Delivery row is sent and its address received exactly as many messages as it has rows, no
    (address, subject) twice: each mailing (confirmation, material, …) reached each of its addresses once."""
    from notifications.models import Delivery

    rows = Delivery.objects.values_list("email", "mailing__kind", "status")
    expected = collections.Counter(email.lower() for email, _, _ in rows)
    received = mailbox.per_address()
    missing = sorted(a for a, n in expected.items() if received[a] < n)
    extra = sorted(a for a, n in received.items() if n > expected[a])
    repeated = sorted(pair for pair, n in mailbox.per_message().items() if n > 1)
    kinds = dict(collections.Counter(kind for _, kind, _ in rows))
    statuses = dict(collections.Counter(status for _, _, status in rows))
    print(f"  delivery rows by mailing kind: {kinds}; by status: {statuses}")
    print(f"  addresses {len(expected)}, messages expected {expected.total()}, received {received.total()}")
    print(f"  addresses missing a message: {missing[:10] or 'none'}{' …' if len(missing) > 10 else ''}")
    print(f"  addresses with a message too many: {extra[:10] or 'none'}{' …' if len(extra) > 10 else ''}")
    print(f"  (address, subject) received twice: {repeated[:5] or 'none'}{' …' if len(repeated) > 5 else ''}")
    return not missing and not extra and not repeated and set(statuses) == {"sent"}


def verdict(ok: bool) -> int:
    print("RESULT: OK" if ok else "RESULT: FAIL")
    return 0 if ok else 1
