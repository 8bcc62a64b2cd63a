"""The back office exports at scale: 10,000 participants as XLSX and CSV.

Seeds one workshop with ``max_delegation_size=30`` (334 delegations of up to 30, well within the 357
municipalities of its date; rows written directly: this is setup, not what is measured), then times,
round after round, and prints the median and the slowest round of each:

1. the selector alone (one query, rows as dataclasses),
2. the attendee list as XLSX and as CSV (selector + writer: what the view does besides the response),
3. registrations per municipality as XLSX,
4. the XLSX download through the real view (Django test client, a logged-in superuser; middleware,
   permission checks and the response included).

Everything runs in one transaction that is rolled back at the end, so the database is left as it was.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt_h4 \\
        .venv/bin/python bench/backoffice_exports.py [-n 10000] [--rounds 5]

Without DATABASE_URL it uses a throwaway SQLite database in a temporary folder.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = 30


class Rollback(Exception):
    pass


class Queries:
    """Counts SQL statements (an execute wrapper: the test client's request_started resets
    connection.queries, which CaptureQueriesContext relies on)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp / 'bench.sqlite3'}")
    os.environ["VAR_DIR"] = str(tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n: int):
    from django.utils import timezone

    from registrations.models import Answer, AnswerSet, Municipality, Participant, Registration, Role
    from workshops.models import ReflectionQuestion, Session, Workshop

    oslo = timezone.get_default_timezone()
    day = datetime.date(2021, 3, 10)
    workshop = Workshop.objects.create(
        title="Kulturskole 3.0",
        slug=f"bench-{time.time_ns()}",
        registration_deadline=datetime.datetime(2021, 3, 1, 23, 59, 59, tzinfo=oslo),
        max_delegation_size=SIZE,
    )
    session = Session.objects.create(
        workshop=workshop,
        label="Formiddag",
        capacity=n,
        starts_at=datetime.datetime.combine(day, datetime.time(9), tzinfo=oslo),
        ends_at=datetime.datetime.combine(day, datetime.time(11, 30), tzinfo=oslo),
    )
    places = list(Municipality.objects.valid_on(day).order_by("number")[: (n + SIZE - 1) // SIZE])
    if len(places) * SIZE < n:
        sys.exit(f"at most {len(places) * SIZE} participants ({SIZE} per municipality)")
    registrations = Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            municipality=place,
            contact_name="Kari Kontakt",
            contact_email=f"kontakt{place.number}@kommune.example",
            contact_phone="+47 99 99 99 99",
            session=session,
            status=Registration.Status.CONFIRMED,
        )
        for place in places
    )
    # Every delegation's input: an answer to each of two questions (the registrations export lists them).
    questions = [
        ReflectionQuestion.objects.create(workshop=workshop, position=1, text="Hva vil gjøre piloten verdifull?"),
        ReflectionQuestion.objects.create(workshop=workshop, position=2, text="Hvem bør kulturskolen samarbeide med?"),
    ]
    answer_sets = AnswerSet.objects.bulk_create(
        AnswerSet(registration=r, status=AnswerSet.Status.SUBMITTED, submitted_at=timezone.now()) for r in registrations
    )
    Answer.objects.bulk_create(
        Answer(answer_set=a, question=q, text="Vi ønsker mer samarbeid mellom kulturskolen og skolen. " * 3)
        for a in answer_sets
        for q in questions
    )
    roles = list(Role)
    Participant.objects.bulk_create(
        Participant(
            registration=registrations[i // SIZE],
            name=f"Deltaker Ŋuorra Æsheim {i}",
            email=f"p{i}@kommune.example",
            phone=f"+47 4{i:07d}",
            role=roles[i % len(roles)],
            title="Kulturskolerektor",
        )
        for i in range(n)
    )
    return workshop, len(registrations)


def timed(fn, rounds: int) -> tuple[float, float, float, object]:
    """Median and slowest wall-clock seconds, and the median CPU seconds of this process: the CPU figure
    hardly moves when other processes share the cores, the wall clock does (the database's share of the
    work is in the wall clock only)."""
    seconds, cpu, result = [], [], None
    for _ in range(rounds):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return statistics.median(seconds), max(seconds), statistics.median(cpu), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000, help="participants (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per measurement; medians shown (default 5)")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db import connection, transaction
        from django.test import Client
        from django.urls import reverse

        from registrations.backoffice import exports, selectors

        results = []
        try:
            with transaction.atomic():
                workshop, delegations = seed(args.n)
                user = get_user_model().objects.create_superuser("bench-export", password=None)
                client = Client()
                client.force_login(user)
                url = reverse("backoffice:attendees", args=[workshop.pk, "xlsx"])
                measures = {
                    "selector: attendees_list": lambda: selectors.attendees_list(workshop=workshop),
                    "attendee list, XLSX": lambda: exports.attendees_export(workshop=workshop, fmt="xlsx"),
                    "attendee list, CSV": lambda: exports.attendees_export(workshop=workshop, fmt="csv"),
                    "registrations per municipality, XLSX": lambda: exports.registrations_export(
                        workshop=workshop, fmt="xlsx"
                    ),
                    "attendee XLSX through the view": lambda: client.get(url),
                }
                for label, fn in measures.items():
                    queries = Queries()
                    with connection.execute_wrapper(queries):
                        fn()  # warm-up round, and its query count
                    median, slowest, cpu, result = timed(fn, args.rounds)
                    size = len(getattr(result, "content", b"")) or len(result)
                    results.append((label, queries.count, median, slowest, cpu, size))
                raise Rollback
        except Rollback:
            pass

    engine = settings.DATABASES["default"]["ENGINE"].rpartition(".")[2]
    print(f"\n{args.n} participants in {delegations} delegations ({engine}, median of {args.rounds} rounds)")
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores")
    print(f"{'export':<40} {'queries':>7} {'median s':>9} {'slowest s':>9} {'CPU s':>6} {'bytes / rows':>12}")
    for label, queries, median, slowest, cpu, size in results:
        print(f"{label:<40} {queries:>7} {median:>9.2f} {slowest:>9.2f} {cpu:>6.2f} {size:>12}")


if __name__ == "__main__":
    main()
