"""The material mailing to N participants through Celery and Redis, against the floor: the same messages built
with the `email` package and sent by a plain smtplib loop over one connection (issue #10, target 2).

Set-up (untimed): a scratch database `<DATABASE_URL name>_bench_mail_fanout` on DATABASE_URL's server, a
private Redis (its own port; the shared one is never touched), and an SMTP server (aiosmtpd) in a process of
its own that counts the messages per recipient, so neither path pays the server's CPU. A workshop with N
participants (bulk_create; a delegation of at least six per municipality, a tenth of them in Nynorsk and a
tenth in English), two reflection questions, and the material as in production: a PDF that is attached and a video
over the attachment budget that goes as a personal link. A real worker, `celery -A config worker` with the
production defaults (no --concurrency: one pool process per core), is started and warmed up.

Each round, timed:
1. **Our path**: the approved material mailing is released as beat does it (`scheduling.mailing_release`,
   then `tasks.queue`: deliveries and ledger rows written, batches queued in Redis) and sent by the worker.
   From the release to the last message received by the SMTP server.
2. **The floor**: the same messages (our code's subject, text, HTML and attachments for each delivery,
   taken from the rows just sent, untimed) built for each recipient with the `email` package, once with
   `email.message.EmailMessage` (each message whole) and once with `email.mime` (MIMEMultipart, the
   attachment part built once and shared, as our path does: the faster), and sent by a plain smtplib loop
   over one connection. From the first message built to the last one received.

Verifies that in every path every recipient received exactly one message and that both paths' messages
have the same MIME parts. Prints messages per second, the ratio to the faster floor (target 0.67), and CPU
seconds of the worker (main process and pool), of this process and of the SMTP server.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<yours> .venv/bin/python bench/mail_fanout.py [-n 5000]
        [--rounds 1] [--batch-size EMAIL_BATCH_SIZE] [--concurrency N]

`seed()` is shared with the drills (drills/common.py).
"""

import argparse
import collections
import datetime
import functools
import math
import multiprocessing
import os
import smtplib
import statistics
import sys
import time
from email import policy
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 0.67
CRLF = policy.compat32.clone(linesep="\r\n")


# --- The workshop ---------------------------------------------------------------------------------


def seed(n: int):
    """A workshop two weeks ahead with n participants in delegations of the municipalities (rows written
    with bulk_create: set-up only). Every tenth delegation writes Nynorsk, every tenth English."""
    from django.utils import timezone

    from registrations.models import Municipality, Participant, Registration, Role
    from workshops.models import Session, Workshop

    oslo = timezone.get_default_timezone()
    day = datetime.date.today() + datetime.timedelta(days=14)  # ahead: mailings for past sessions are skipped
    places = list(Municipality.objects.valid_on(day).order_by("number"))
    size = max(6, math.ceil(n / len(places)))
    places = places[: math.ceil(n / size)]
    workshop = Workshop.objects.create(
        title="Kulturskole 3.0",
        slug=f"bench-{time.time_ns()}",
        is_published=True,
        registration_deadline=datetime.datetime.combine(day, datetime.time(0), tzinfo=oslo),
        max_delegation_size=size,
    )
    session = Session.objects.create(
        workshop=workshop,
        label="Formiddag",
        capacity=n,
        meeting_url="https://zoom.example/j/1",
        meeting_passcode="123456",
        starts_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=oslo),
        ends_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=oslo),
    )
    languages = ["nb"] * 8 + ["nn", "en"]
    registrations = Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            municipality=place,
            contact_name="Kontakt",
            contact_email=f"k{place.number}@x.example",
            session=session,
            status=Registration.Status.CONFIRMED,
            language=languages[i % len(languages)],
        )
        for i, place in enumerate(places)
    )
    roles = list(Role)
    Participant.objects.bulk_create(
        Participant(
            registration=registrations[i // size],
            name=f"Deltaker Æsheim {i}",
            email=f"p{i}@kommune.example",
            role=roles[i % len(roles)],
        )
        for i in range(n)
    )
    return workshop


def material_add(workshop, *, attached_kb: int) -> None:
    """The material as staff upload it: reflection questions, a PDF within the attachment budget (attached)
    and a video over it (a personal link per participant)."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    from notifications.models import MaterialFile
    from workshops.models import ReflectionQuestion

    ReflectionQuestion.objects.create(workshop=workshop, position=1, text="Hva vil gjøre piloten verdifull?")
    ReflectionQuestion.objects.create(workshop=workshop, position=2, text="Hvem bør kulturskolen samarbeide med?")
    pdf = b"%PDF-1.4\n" + os.urandom(attached_kb * 1024)
    video = b"\0" * (settings.EMAIL_MAX_ATTACHMENT_BYTES + 1)
    MaterialFile.objects.create(workshop=workshop, title="Program", position=1, file=ContentFile(pdf, "program.pdf"))
    MaterialFile.objects.create(workshop=workshop, title="Opptak", position=2, file=ContentFile(video, "opptak.mp4"))


def material_approved(workshop):
    """The workshop's material mailing as the scheduler creates it, approved, due now (not released)."""
    from django.utils import timezone

    from notifications import scheduling, services
    from notifications.models import Mailing
    from workshops.audit import SYSTEM

    scheduling.mailings_schedule(workshop=workshop)
    mailing = Mailing.objects.get(workshop=workshop, kind=Mailing.Kind.MATERIAL)
    mailing = services.mailing_approve(mailing=mailing, actor=SYSTEM, accept_gaps=True)
    mailing.scheduled_for = timezone.now()
    mailing.save(update_fields=["scheduled_for"])
    return mailing


# --- The SMTP server, in its own process --------------------------------------------------------------


def _sink(port: int, pipe, stats) -> None:
    """aiosmtpd counting messages per recipient; stats = [messages, first arrival, last arrival] (monotonic
    clock, shared by every process). Commands on the pipe: "reset", "report", "stop"."""
    import threading

    from aiosmtpd.controller import Controller

    counts: collections.Counter = collections.Counter()
    sample: list[bytes] = []
    lock = threading.Lock()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            now = time.monotonic()
            with lock:
                for address in envelope.rcpt_tos:
                    counts[address.lower()] += 1
                if not sample:
                    sample.append(envelope.content)
            with stats.get_lock():
                stats[0] += 1
                stats[1] = stats[1] or now
                stats[2] = now
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    pipe.send("ready")
    while True:
        command = pipe.recv()
        if command == "stop":
            controller.stop()
            return
        with lock:
            if command == "report":
                pipe.send((dict(counts), sample[0] if sample else b""))
            else:  # reset
                counts.clear()
                sample.clear()
                with stats.get_lock():
                    stats[0] = stats[1] = stats[2] = 0
                pipe.send("ok")


class Sink:
    """The SMTP server (_sink) in a process of its own, and what this process asks of it."""

    def __init__(self, port: int):
        context = multiprocessing.get_context("spawn")
        self.port = port
        self.stats = context.Array("d", 3)
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_sink, args=(port, child, self.stats), daemon=True)

    def start(self) -> None:
        self.process.start()
        assert self.pipe.recv() == "ready"

    def ask(self, command: str):
        self.pipe.send(command)
        return self.pipe.recv()

    def messages(self) -> int:
        return int(self.stats[0])

    def wait_for(self, n: int, timeout: float) -> float:
        """Wait until n messages arrived; returns the (monotonic) time the last one arrived."""
        end = time.monotonic() + timeout
        while self.messages() < n:
            if time.monotonic() > end:
                raise SystemExit(f"FAIL: {self.messages()} of {n} messages after {timeout} s")
            time.sleep(0.02)
        return self.stats[2]

    def stop(self) -> None:
        if self.process.is_alive():
            self.pipe.send("stop")
            self.process.join(10)


# --- CPU time from /proc (psutil is not a dependency) -------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its descendants (living ones, and those waited for)."""
    tick = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = collections.defaultdict(list)
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            data = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = data[data.rfind(")") + 2 :].split()
        children[int(fields[1])].append(int(entry))
        times[int(entry)] = sum(int(x) for x in fields[11:15]) / tick
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        total += times.get(current, 0.0)
        todo += children.get(current, [])
    return total


def own_cpu() -> float:
    """This process alone (its children, the worker and the SMTP server, are counted apart)."""
    times = os.times()
    return times.user + times.system


# --- The floor ------------------------------------------------------------------------------------------


def contents(ids: list[int]) -> list[dict]:
    """What our code put in each delivery's message (untimed): headers, subject, text, HTML, attachments."""
    from django.utils import timezone

    from notifications import messages, sending

    deliveries = sending.deliveries_load(ids=ids)
    plans = messages.messages_for(deliveries, now=timezone.now(), skip={})
    rows = []
    for delivery in deliveries:
        message = plans[delivery.pk].message
        parts = []
        for attachment in message.attachments:
            parts.append(
                {
                    "content": attachment.get_payload(decode=True),
                    "type": attachment.get_content_type(),
                    "filename": attachment.get_filename(),
                    "params": {k: v for k, v in attachment.get_params()[1:] if k != "charset"},
                }
            )
        rows.append(
            {
                "from": message.from_email,
                "from_header": message.extra_headers["From"],
                "to": message.to[0],
                "reply_to": ", ".join(message.reply_to),
                "message_id": message.extra_headers["Message-ID"],
                "subject": message.subject,
                "text": message.body,
                "html": message.alternatives[0][0],
                "attachments": parts,
            }
        )
    return rows


def build_email_message(row: dict) -> bytes:
    message = EmailMessage()
    _headers(message, row)
    message.set_content(row["text"])
    message.add_alternative(row["html"], subtype="html")
    for part in row["attachments"]:
        maintype, subtype = part["type"].split("/")
        message.add_attachment(part["content"], maintype, subtype, filename=part["filename"], params=part["params"])
    return message.as_bytes(policy=policy.SMTP)


def build_mime(row: dict, shared: dict) -> bytes:
    """With the classic `email.mime` classes, each attachment encoded once and shared (as our path does)."""
    message = MIMEMultipart("mixed")
    _headers(message, row, encode=True)
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(row["text"], "plain", "utf-8"))
    alternative.attach(MIMEText(row["html"], "html", "utf-8"))
    message.attach(alternative)
    for part in row["attachments"]:
        key = (part["filename"], part["content"])
        if key not in shared:
            shared[key] = _mime_attachment(part)
        message.attach(shared[key])
    return message.as_bytes(policy=CRLF)


def _mime_attachment(part: dict):
    maintype, subtype = part["type"].split("/")
    if maintype == "text":
        attachment = MIMEText(part["content"].decode(), subtype, "utf-8")
    else:
        attachment = MIMEApplication(part["content"], subtype)
    for key, value in part["params"].items():
        attachment.set_param(key, value)
    attachment.add_header("Content-Disposition", "attachment", filename=part["filename"])
    return attachment


def _headers(message, row: dict, encode: bool = False) -> None:
    message["Subject"] = Header(row["subject"], "utf-8") if encode else row["subject"]
    message["From"] = row["from_header"]
    message["To"] = row["to"]
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = row["message_id"]
    message["Reply-To"] = row["reply_to"]
    message["Auto-Submitted"] = "auto-generated"


def floor(rows: list[dict], port: int, build) -> float:
    """Build and send every message over one connection; returns the start (monotonic clock)."""
    started = time.monotonic()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for row in rows:
        smtp.sendmail(row["from"], [row["to"]], build(row))
    smtp.quit()
    return started


# --- Our path ---------------------------------------------------------------------------------------


def our_path(mailing) -> tuple[float, float, list[int]]:
    """Release the mailing as beat does and queue its batches; returns (start, end of queueing, ids)."""
    from notifications import scheduling, tasks

    started = time.monotonic()
    ids = scheduling.mailing_release(mailing=mailing)
    tasks.queue(ids)
    return started, time.monotonic(), ids


def structure(raw: bytes) -> list[tuple[str, str | None]]:
    import email

    return [(p.get_content_type(), p.get_filename()) for p in email.message_from_bytes(raw).walk()]


def check(sink: Sink, expected: set[str], label: str) -> tuple[bool, list]:
    counts, sample = sink.ask("report")
    missing = expected - set(counts)
    extra = set(counts) - expected
    twice = [a for a, c in counts.items() if c > 1]
    ok = not missing and not extra and not twice
    print(
        f"  {label}: {sum(counts.values())} messages to {len(counts)} addresses; "
        f"missing {len(missing)}, unexpected {len(extra)}, more than once {len(twice)}: {'OK' if ok else 'FAIL'}"
    )
    return ok, structure(sample)


# --- Main -----------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=5000, help="participants (default 5000)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both paths (default 1); medians shown")
    parser.add_argument("--batch-size", type=int, default=None, help="EMAIL_BATCH_SIZE (default: the setting's)")
    parser.add_argument("--concurrency", type=int, default=None, help="pool processes (default: one per core)")
    parser.add_argument("--attached-kb", type=int, default=100, help="size of the attached PDF (default 100 KB)")
    parser.add_argument("--timeout", type=float, default=600, help="give up on a path after this many seconds")
    args = parser.parse_args()

    from drills import common

    common.stop_on_sigterm()
    tmp = common.temp_dir("bench-mail-fanout")
    redis, sink = common.PrivateRedis(), Sink(common.free_port())
    worker = None
    results: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)  # path -> (msg/s, cpu s)
    all_ok = True
    try:
        redis.start()
        sink.start()
        if args.batch_size:
            os.environ["EMAIL_BATCH_SIZE"] = str(args.batch_size)
        database = common.scratch_database("bench_mail_fanout")
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=sink.port, var_dir=tmp)
        from django.conf import settings

        from notifications import scheduling, tasks
        from notifications.models import Delivery

        worker = common.Worker(env, tmp / "worker.log", concurrency=args.concurrency)
        worker.start()
        pool = args.concurrency or os.cpu_count()
        # Warm-up: every pool process sends a few messages (imports, templates, connections), then the count restarts.
        warm = seed(2 * pool)
        material_add(warm, attached_kb=args.attached_kb)
        warm_ids = scheduling.mailing_release(mailing=material_approved(warm))
        for i in range(0, len(warm_ids), 2):
            tasks.send_deliveries.apply_async(args=[warm_ids[i : i + 2]])
        sink.wait_for(len(warm_ids), timeout=120)
        print(
            f"Material mailing to {args.n} participants; worker: celery -A config worker, {pool} pool processes, "
            f"batches of {settings.EMAIL_BATCH_SIZE}; load average before: {os.getloadavg()[0]:.2f}"
        )
        for round_ in range(1, args.rounds + 1):
            workshop = seed(args.n)
            material_add(workshop, attached_kb=args.attached_kb)
            mailing = material_approved(workshop)
            sink.ask("reset")
            cpu = {"worker": cpu_seconds(worker.process.pid), "us": own_cpu(), "smtp": cpu_seconds(sink.process.pid)}
            cpu["redis"] = cpu_seconds(redis.process.pid)
            started, queued, ids = our_path(mailing)
            last = sink.wait_for(args.n, timeout=args.timeout)
            first = sink.stats[1]
            worker_cpu = cpu_seconds(worker.process.pid) - cpu["worker"]
            us_cpu = own_cpu() - cpu["us"]
            smtp_cpu = cpu_seconds(sink.process.pid) - cpu["smtp"]
            redis_cpu = cpu_seconds(redis.process.pid) - cpu["redis"]
            time.sleep(0.5)  # a duplicate would arrive now
            expected = set(Delivery.objects.filter(pk__in=ids).values_list("email", flat=True))
            ok, ours = check(sink, expected, "our path")
            sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT).count()
            ok = ok and sent == len(ids) == args.n
            seconds = last - started
            results["ours"].append((args.n / seconds, worker_cpu + us_cpu))
            print(
                f"  round {round_} our path: {seconds:.2f} s (release and queueing {queued - started:.2f} s, "
                f"first message after {first - started:.2f} s), {args.n / seconds:.0f} msg/s; rows sent {sent}; "
                f"CPU s: worker {worker_cpu:.2f}, release {us_cpu:.2f}, Redis {redis_cpu:.2f}, "
                f"SMTP server {smtp_cpu:.2f}"
            )
            rows = contents(ids)
            floors = {
                "floor EmailMessage": build_email_message,
                "floor MIMEMultipart": functools.partial(build_mime, shared={}),
            }
            for label, build in floors.items():
                sink.ask("reset")
                before, smtp_before = own_cpu(), cpu_seconds(sink.process.pid)
                started = floor(rows, sink.port, build)
                last = sink.wait_for(args.n, timeout=args.timeout)
                spent, smtp_cpu = own_cpu() - before, cpu_seconds(sink.process.pid) - smtp_before
                time.sleep(0.5)
                floor_ok, parts = check(sink, expected, label)
                same = parts == ours
                if not same:
                    print(f"  FAIL: MIME parts differ:\n    ours  {ours}\n    floor {parts}")
                ok = ok and floor_ok and same
                seconds = last - started
                results[label].append((args.n / seconds, spent))
                print(
                    f"  round {round_} {label}: {seconds:.2f} s, {args.n / seconds:.0f} msg/s; "
                    f"CPU s: loop {spent:.2f}, SMTP server {smtp_cpu:.2f}"
                )
            all_ok = all_ok and ok
        print(f"  MIME parts of each message: {ours}")
    except SystemExit:
        common.print_worker_log(tmp / "worker.log")
        raise
    finally:
        if worker:
            worker.stop()
        sink.stop()
        redis.stop()
        common.cleanup(tmp)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"\nMaterial fan-out of {args.n} messages, median of {args.rounds} round(s); load average now {load}")
    print(f"{'path':<24} {'msg/s':>7} {'CPU s':>7} {'CPU ms/msg':>10}")
    medians = {}
    for label, runs in results.items():
        rate = statistics.median(r for r, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        medians[label] = rate
        print(f"{label:<24} {rate:>7.0f} {cpu:>7.2f} {1000 * cpu / args.n:>10.2f}")
    best = max(medians["floor EmailMessage"], medians["floor MIMEMultipart"])
    ratio = medians["ours"] / best
    print(f"ratio to the faster floor: {ratio:.2f} (target {TARGET})")
    print("RESULT: OK" if all_ok else "RESULT: FAIL (a recipient did not get exactly one message)")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
