"""Fan-out of one mailing: our batch path against a plain smtplib loop, both to a loopback SMTP server.

1. The batch path: a message from the organisers to N participants, deliveries created as in production
   and sent with ``notifications.sending.deliveries_send`` in batches of EMAIL_BATCH_SIZE: claim
   (conditional UPDATE), render text + HTML per recipient, one SMTP connection per batch, one row update
   per delivery.
2. A plain smtplib loop: the same pre-rendered message to N addresses, a new connection for each (what a
   naive ``send_mail()`` per recipient does), and
3. the same loop over one connection: the SMTP floor, with no database and no rendering.

Prints messages, SMTP connections, seconds and messages per second for each.

    .venv/bin/python bench/mail_fanout.py [-n 2000] [--batch-size 100]

Uses a throwaway SQLite database in a temporary folder unless DATABASE_URL is set (then it must be a
database you can migrate and fill, e.g. postgres://postgres@127.0.0.1:5432/notify_bench).
"""

import argparse
import datetime
import email.policy
import os
import smtplib
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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
    from zoneinfo import ZoneInfo

    from registrations.models import Municipality, Participant, Registration, Role
    from workshops.models import Session, Workshop

    oslo = ZoneInfo("Europe/Oslo")
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


def batch_path(workshop, batch_size: int) -> int:
    from notifications import scheduling, sending, services

    mailing = services.mailing_create_custom(
        workshop=workshop, subject="Nytt fra arrangørene", body="Hei {participant_name}! Økta er {session_time}."
    )
    mailing.scheduled_for = sending.timezone.now()
    mailing.save()
    ids = scheduling.mailing_release(mailing=mailing)
    for start in range(0, len(ids), batch_size):
        result = sending.deliveries_send(ids=ids[start : start + batch_size])
        assert len(result.sent) == len(ids[start : start + batch_size]), result.summary()
    return len(ids)


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


def measure(label: str, counter: Counter, fn) -> tuple:
    counter.reset()
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    time.sleep(0.2)  # let the server count the last message
    return label, counter.messages, counter.handshakes, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=2000, help="recipients (default 2000)")
    parser.add_argument("--batch-size", type=int, default=None, help="deliveries per connection (EMAIL_BATCH_SIZE)")
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
        try:
            workshop = seed(args.n)
            rows = [
                measure(
                    f"batch path (deliveries_send, {batch_size}/connection)",
                    counter,
                    lambda: batch_path(workshop, batch_size),
                ),
                measure(
                    "plain smtplib, a connection per message",
                    counter,
                    lambda: plain_loop(controller.port, args.n, reuse=False),
                ),
                measure(
                    "plain smtplib, one connection (SMTP floor)",
                    counter,
                    lambda: plain_loop(controller.port, args.n, reuse=True),
                ),
            ]
        finally:
            controller.stop()

    print(f"\nFan-out of {args.n} messages to a loopback aiosmtpd server ({settings.DATABASES['default']['ENGINE']})")
    print(f"{'path':<52} {'messages':>8} {'connections':>11} {'seconds':>8} {'msg/s':>8}")
    for label, messages, connections, seconds in rows:
        print(f"{label:<52} {messages:>8} {connections:>11} {seconds:>8.2f} {messages / seconds:>8.0f}")


if __name__ == "__main__":
    main()
