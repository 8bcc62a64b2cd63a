"""Drill: PostgreSQL crashes and restarts while municipalities register; requests fail cleanly, nothing is
half saved, and the web server recovers without a restart of its own.

On a PRIVATE PostgreSQL cluster (drills/postgres_restart.py's `PrivatePostgres`: its own folder and port; the
shared server is never touched), a private Redis (broker and cache), an SMTP server in this process, and
one "machine" of drills/two_machines.py: gunicorn as production starts it (DEBUG=0, collected static files,
requests as a TLS proxy forwards them) and a Celery worker.

1. The burst (bench/rush.py): --municipalities load the registration form and, after the minimum fill
   time, POST their delegations of three from --clients concurrent clients. When a third of the answers
   are in, PostgreSQL is stopped as a crash would (`pg_ctl stop -m immediate`) and started again after
   --down seconds; the clients go on posting throughout.
2. Checks: every POST was answered (no connection dropped); each answer is the receipt redirect (302) or
   our own error page (500, in Bokmål, in the site's layout: "Noe gikk galt", telling people to check their
   email and try again); /healthz said 503 while the database was away and 200 after, from the same
   gunicorn (never restarted); those who got the error page send the same form again, as the page asks, and
   are all shown their delegation's receipt: registered now, or, when their first POST had committed before
   its answer was lost, recognised as the same form sent again (not told the municipality is registered).
   In the database: one delegation per municipality, each whole (three participants, the contact person's
   and the participants' confirmation rows, the audit record): no partial delegation. Last, every
   confirmation is delivered; an address may get it twice only when the mail server accepted it as the
   database went down (at most --allowed-twice), never three times.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/postgres_burst.py \\
        [--municipalities 120] [--down 5]
"""

import argparse
import io
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import rush  # noqa: E402
from drills import common  # noqa: E402
from drills.postgres_restart import private_postgres  # noqa: E402
from drills.two_machines import PATH, Machine, production_env  # noqa: E402

DRILL = "postgres_burst"
ERROR_PAGE = ("Noe gikk galt", 'lang="nb"', "sjekke e-posten")


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def post(form: rush.Form) -> rush.Outcome | None:
    """One POST; None when the connection failed without an answer (a failure of this drill)."""
    try:
        return rush.post(form)
    except OSError:
        return None


def is_error_page(outcome: rush.Outcome) -> bool:
    return outcome.status == 500 and all(text.lower() in outcome.body.lower() for text in ERROR_PAGE)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--municipalities", type=int, default=120, help="how many register (default 120)")
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays down (default 5)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients (default 8)")
    parser.add_argument("--allowed-twice", type=int, default=20, help="confirmations allowed twice (default 20)")
    parser.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    args = parser.parse_args()
    deadline = common.Deadline(args.timeout)

    with common.Rig(DRILL) as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
        postgres = private_postgres(rig)
        os.environ["DATABASE_URL"] = postgres.url
        database = common.drill_database(DRILL)
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from django.core.management import call_command
        from django.db import connection

        call_command("seed_workshop", "--demo", stdout=io.StringIO())
        machine = Machine("m1", production_env(env), tmp, web_workers=2, concurrency=2)
        rig.add(machine, machine.worker_log, machine.web.log)
        if machine.collectstatic().wait(timeout=120):
            raise SystemExit("FAIL: collectstatic failed")
        machine.start()
        machine.web.wait_healthy(deadline)
        server = rush.Server("127.0.0.1", machine.web.port)
        forms = rush.form_sessions([server], PATH, duplicate_share=0, limit=args.municipalities)
        time.sleep(rush.MIN_FILL_SECONDS)
        connection.close()
        print(f"{DRILL}: {len(forms)} municipalities, {args.clients} clients; private PostgreSQL on {postgres.port}")

        # The burst, with the crash at a third of the answers.
        answered: list = []
        lock = threading.Lock()

        def counted(form: rush.Form):
            outcome = post(form)
            with lock:
                answered.append(outcome)
            return outcome

        with ThreadPoolExecutor(args.clients) as pool:
            futures = [pool.submit(counted, form) for form in forms]
            deadline.wait_for("a third of the answers", lambda: len(answered) >= len(forms) // 3, poll=0.005)
            postgres.crash()
            crashed_after = len(answered)
            time.sleep(0.5)
            down_health = health(machine.web.port)
            time.sleep(max(0.0, args.down - 0.5))
            postgres.start()
            restarted_after = len(answered)
            outcomes = [future.result() for future in futures]
        print(
            f"  PostgreSQL crashed after {crashed_after} answers and started again after {args.down:.0f} s "
            f"({restarted_after} answers by then); /healthz while it was down: {down_health}"
        )
        dropped = [f.municipality for f, o in zip(forms, outcomes, strict=True) if o is None]
        accepted = [o for o in outcomes if o is not None and o.status == 302]
        error_pages = [f for f, o in zip(forms, outcomes, strict=True) if o is not None and is_error_page(o)]
        other = sorted({o.status for o in outcomes if o is not None and o.status != 302 and not is_error_page(o)})
        print(
            f"  answers: {len(accepted)} registered (302), {len(error_pages)} our error page (500, Bokmål), "
            f"other {other or 'none'}, connections dropped {len(dropped)}"
        )

        # Recovery without a restart: the same gunicorn processes, health first, then the same forms again.
        deadline.wait_for("/healthz 200 again", lambda: health(machine.web.port) == 200, poll=0.2)
        pids_alive = machine.web.process.poll() is None
        again = [post(form) for form in error_pages]
        registered_again = sum(1 for o in again if o is not None and o.status == 302)
        already = sum(1 for o in again if o is not None and o.status == 200 and "allerede påmeldt" in o.body)
        print(
            f"  after the restart (gunicorn never restarted: {pids_alive}): /healthz 200; the {len(error_pages)} "
            f"who got the error page sent the same form again: {registered_again} shown their receipt, {already} "
            "told their municipality is registered already (expected 0: the same form is recognised)"
        )
        ok = (
            not dropped
            and not other
            and down_health == 503
            and pids_alive
            and bool(error_pages)
            and registered_again == len(error_pages)
        )
        ok = verify_whole(forms) and ok

        from django.db.models import Count

        from notifications.models import Delivery

        rows = Delivery.objects.all()
        common.print_states("confirmation rows after the restart")
        # Confirmations whose sending met the outage (their task failed; the rows stay "sending" or pending)
        # go with the sweep, run here as 16 minutes later instead of waiting for beat: only once the worker
        # has gone quiet, as after 16 real minutes (a row it is sending now would look stuck to the aged sweep).
        last = {"counts": None, "since": time.monotonic()}

        def all_sent() -> bool:
            counts = tuple(sorted(rows.values_list("status").annotate(n=Count("pk")).order_by()))
            if rows.filter(status="sent").count() == rows.count():
                return True
            if counts != last["counts"]:
                last.update(counts=counts, since=time.monotonic())
            elif time.monotonic() - last["since"] > 3:
                print(f"  worker quiet for 3 s; sweep (as 16 minutes later) queued {len(common.sweep_as_if_later(16))}")
                last["since"] = time.monotonic()
            return False

        deadline.wait_for("every confirmation sent", all_sent, poll=0.5)
        time.sleep(1)
        # Each address has one confirmation. A message the mail server accepted while the database was going
        # down may go again: its "sent" mark failed, or was lost with the WAL not yet flushed
        # (synchronous_commit off), as drills/postgres_restart.py shows for the fan-out.
        expected = set(rows.values_list("email", flat=True))
        once = common.verify_once(mailbox, expected, allowed_twice=args.allowed_twice)
        return common.verdict(once and ok)


def verify_whole(forms: list[rush.Form]) -> bool:
    """One delegation per municipality, each with its three participants, confirmation rows and audit row."""
    from django.db.models import Count, Q

    from notifications.models import Mailing
    from registrations.models import Registration
    from workshops.models import ActionLog

    registrations = Registration.objects.annotate(
        people=Count("participants", distinct=True),
        confirmations=Count("mailings__deliveries", filter=Q(mailings__kind=Mailing.Kind.CONFIRMATION), distinct=True),
    )
    municipalities = {int(f.municipality) for f in forms}
    per_municipality = list(registrations.values_list("municipality_id", flat=True))
    logged = set(ActionLog.objects.filter(action="registration.created").values_list("object_id", flat=True))
    partial = [r.pk for r in registrations if r.people != 3 or r.confirmations != 4 or r.pk not in logged]
    ok = sorted(per_municipality) == sorted(municipalities) and not partial
    print(
        f"  database: {len(per_municipality)} delegations for {len(municipalities)} municipalities "
        f"(one each: {sorted(per_municipality) == sorted(municipalities)}); not whole (3 participants, "
        f"4 confirmation rows, the audit record): {partial or 'none'}"
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
