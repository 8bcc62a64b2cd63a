"""Fan-out of one mailing: our batch path against a plain smtplib loop, both to a loopback SMTP server.

1. The batch path: a message from the organisers to N participants, deliveries created as in production
   (beforehand, timed apart: that is the write path) and sent with ``notifications.sending.deliveries_send``
   in batches of EMAIL_BATCH_SIZE: claim (conditional UPDATE), render subject, text and HTML per
   recipient, one SMTP connection per batch, each outcome written as soon as it is known (sending.Ledger).
2. Django's mail classes alone: a pre-rendered EmailMultiAlternatives per recipient through Django's SMTP
   backend over one connection, no database, no templates: the ceiling of any path that builds each
   message with Django.
3. A plain smtplib loop: the same pre-rendered message to N addresses, a new connection for each (what a
   naive ``send_mail()`` per recipient does), and
4. the same loop over one connection: the SMTP floor, with no database and no rendering.

Prints messages, SMTP connections, database queries, seconds, messages per second, and each path's share
of the SMTP floor. The SMTP server runs in this process, so every path pays its CPU time too: the figures
are for comparing paths within one run. --rounds 5 runs every path five times, interleaved, and shows
medians (docs/notifications.md, "Performance").

    .venv/bin/python bench/mail_fanout.py [-n 2000] [--batch-size 100] [--rounds 1]

Uses a throwaway SQLite database in a temporary folder unless DATABASE_URL is set (then it must be a
database you can migrate and fill, e.g. postgres://postgres@127.0.0.1:5432/notify_bench).
"""

import argparse
import datetime
import email.policy
import os
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FLOOR = "plain smtplib, one connection (SMTP floor)"


class Counter:
    """aiosmtpd handler counting messages and the SMTP connections (sessions) that carried them."""

    def __init__(self):
        self.messages = 0
        self.handshakes = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages += 1
            if not getattr(session, "counted", False):  # aiosmtpd makes one Session per connection
                session.counted = True
                self.handshakes += 1
        return "250 OK"

    def reset(self):
        self.messages = self.handshakes = 0


def start_server():
    from aiosmtpd.controller import Controller

    class Ephemeral(Controller):
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    counter = Counter()
    controller = Ephemeral(counter, hostname="127.0.0.1", port=0)
    controller.start()
    return counter, controller


def setup_django(tmp: Path):
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int):
    """A workshop with enough delegations of six for n participants (rows written directly: setup only)."""
    from django.utils import timezone

    from registrations.models import Municipality, Participant, Registration, Role
    from workshops.models import Session, Workshop

    oslo = timezone.get_default_timezone()
    day = datetime.date.today() + datetime.timedelta(days=14)  # ahead: mailings for past sessions are skipped
    workshop = Workshop.objects.create(
        title="Kulturskole 3.0",
        slug=f"bench-{time.time_ns()}",
        is_published=True,
        registration_deadline=datetime.datetime.combine(day, datetime.time(0), tzinfo=oslo),
    )
    session = Session.objects.create(
        workshop=workshop,
        label="Formiddag",
        capacity=10_000,
        meeting_url="https://zoom.example/j/1",
        starts_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=oslo),
        ends_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=oslo),
    )
    municipalities = list(Municipality.objects.valid_on(day)[: (n + 5) // 6])
    if len(municipalities) * 6 < n:
        sys.exit(f"at most {len(municipalities) * 6} participants (six per municipality)")
    registrations = Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            municipality=m,
            contact_name="Kontakt",
            contact_email=f"k{m.number}@x.example",
            session=session,
            status=Registration.Status.CONFIRMED,
            language="nb",
        )
        for m in municipalities
    )
    Participant.objects.bulk_create(
        Participant(
            registration=registrations[i // 6],
            name=f"Deltaker {i}",
            email=f"p{i}@kommune.example",
            role=Role.MUNICIPAL_SERVICE,
        )
        for i in range(n)
    )
    return workshop


def release(workshop) -> list[int]:
    """A message from the organisers to every participant: its deliveries, as "Send now" creates them."""
    from notifications import scheduling, sending, services
    from workshops.audit import SYSTEM

    mailing = services.mailing_create_custom(
        workshop=workshop,
        subject="Nytt fra arrangørene",
        body="Hei {participant_name}! Økta er {session_time}.",
        actor=SYSTEM,
    )
    mailing.scheduled_for = sending.timezone.now()
    mailing.save()
    return scheduling.mailing_release(mailing=mailing)


def batch_path(ids: list[int], batch_size: int) -> None:
    from notifications import sending

    for start in range(0, len(ids), batch_size):
        result = sending.deliveries_send(ids=ids[start : start + batch_size])
        assert len(result.sent) == len(ids[start : start + batch_size]), result.summary()


class Queries:
    """Counts the SQL statements run while it is active (django.db.connection.execute_wrapper)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def plain_loop(port: int, n: int, *, reuse: bool) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "verksted@kulturskoleradet.no"
    message["Subject"] = "Nytt fra arrangørene"
    message.set_content("Hei, dette er en melding fra arrangørene.\n" * 40)
    message.add_alternative("<p>Hei, dette er en melding fra arrangørene.</p>\n" * 40, subtype="html")
    raw = message.as_bytes(policy=email.policy.SMTP)  # CRLF line ends, as on the wire
    smtp = smtplib.SMTP("127.0.0.1", port) if reuse else None
    for i in range(n):
        if not reuse:
            smtp = smtplib.SMTP("127.0.0.1", port)
        smtp.sendmail("verksted@kulturskoleradet.no", [f"p{i}@kommune.example"], raw)
        if not reuse:
            smtp.quit()
    if reuse:
        smtp.quit()


def django_loop(n: int) -> None:
    """The plain loop's message built with Django's mail classes and sent through its SMTP backend."""
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives, get_connection

    with get_connection() as connection:
        for i in range(n):
            message = EmailMultiAlternatives(
                subject="Nytt fra arrangørene",
                body="Hei, dette er en melding fra arrangørene.\n" * 40,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[f"p{i}@kommune.example"],
                reply_to=settings.EMAIL_REPLY_TO,
                headers={"Auto-Submitted": "auto-generated"},
            )
            message.attach_alternative("<p>Hei, dette er en melding fra arrangørene.</p>\n" * 40, "text/html")
            connection.send_messages([message])


@contextmanager
def counting_queries():
    from django.db import connection

    queries = Queries()
    with connection.execute_wrapper(queries):
        yield queries


def run_once(counter: Counter, prepare) -> tuple[int, int, int, float]:
    """(messages, connections, queries, seconds) of one run; prepare() does the untimed set-up and returns
    the function to time."""
    run = prepare()
    counter.reset()
    with counting_queries() as queries:
        started = time.perf_counter()
        run()
        seconds = time.perf_counter() - started
    time.sleep(0.2)  # let the server count the last message
    return counter.messages, counter.handshakes, queries.count, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="recipients (default 2000)")
    parser.add_argument("--batch-size", type=int, default=None, help="deliveries per connection (EMAIL_BATCH_SIZE)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of all paths; medians are shown (default 1)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.conf import settings

        counter, controller = start_server()
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        batch_size = args.batch_size or settings.EMAIL_BATCH_SIZE
        creating = []  # seconds to create each round's deliveries: the write path, timed apart

        def new_mailing():
            started = time.perf_counter()
            ids = release(workshop)
            creating.append(time.perf_counter() - started)
            return lambda: batch_path(ids, batch_size)

        def same_every_round(fn, *fn_args, **fn_kwargs):
            return lambda: partial(fn, *fn_args, **fn_kwargs)

        paths = {
            f"batch path: deliveries_send, {batch_size}/connection": new_mailing,
            "Django mail classes, pre-rendered, one connection": same_every_round(django_loop, args.n),
            "plain smtplib, a connection per message": same_every_round(
                plain_loop, controller.port, args.n, reuse=False
            ),
            FLOOR: same_every_round(plain_loop, controller.port, args.n, reuse=True),
        }
        # Round after round of every path, so that a busy moment of the machine hits all of them alike.
        runs = {label: [] for label in paths}
        try:
            workshop = seed(args.n)
            for _ in range(args.rounds):
                for label, prepare in paths.items():
                    runs[label].append(run_once(counter, prepare))
        finally:
            controller.stop()

    floor = runs[FLOOR]
    engine = settings.DATABASES["default"]["ENGINE"].rpartition(".")[2]
    print(f"\nFan-out of {args.n} messages to a loopback aiosmtpd server ({engine}, median of {args.rounds})")
    print(f"{'path':<52} {'messages':>8} {'conn.':>6} {'queries':>7} {'seconds':>8} {'msg/s':>6} {'floor':>6}")
    for label, results in runs.items():
        messages, connections, queries, seconds = sorted(results, key=lambda r: r[-1])[len(results) // 2]
        # The share of the floor is taken round by round (same moment, same load), then the median.
        share = statistics.median((r[0] / r[-1]) / (f[0] / f[-1]) for r, f in zip(results, floor, strict=True))
        print(
            f"{label:<52} {messages:>8} {connections:>6} {queries:>7} {seconds:>8.2f} "
            f"{messages / seconds:>6.0f} {share:>6.0%}"
        )
    print(f"Creating the deliveries beforehand (scheduling.mailing_release) took {statistics.median(creating):.2f} s.")


if __name__ == "__main__":
    main()
