"""Drill: Redis (broker and cache) goes down while delegations register; nobody notices, mail follows.

Own database with the demo workshop (`seed_workshop --demo`), a private Redis used as Celery broker AND as
the cache (the rate-limit counters, RATELIMIT_ENABLE=1 as in production), a real Celery worker, aiosmtpd in
this process. Registrations are POSTed through the real form with Django's test client (the whole
middleware stack and view). The drill:

1. registers --before delegations with Redis up: their confirmations arrive;
2. stops Redis (SIGKILL: a crash) and registers --during delegations: every POST must succeed (302 to the
   receipt) and save its delegation; its confirmation row is committed and pending, not sent. Meanwhile
   --lost-links of the first delegations ask for their link again on the lost-link page (200, the usual
   answer): the request is a row, its task lost with the broker;
3. starts Redis again (empty: no persistence, the queued tasks are lost too), runs the beat's sweeps (the
   deliveries and the lost-link requests) as they would run 3 minutes later, and waits until every email is
   sent.

Verifies: every POST succeeded, answered quickly (median under half a second: none waits on the dead
broker); every contact person and participant received their confirmation exactly
once, and each contact person who asked got the link once; every Delivery row "sent". Prints the POST
latencies during the outage. Exit 1 if not.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/redis_outage.py
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills import common  # noqa: E402

PATH = "/workshops/kulturskole-3-0-demo/"
STARTED_INPUT = re.compile(r'name="started" value="([^"]+)"')
MUNICIPALITY_OPTION = re.compile(r'<option value="(\d+)"[^>]*>')
# The median POST while Redis is down (it was 2 s when kombu waited before its retry; now tens of ms).
QUICK_SECONDS = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", type=int, default=3, help="registrations with Redis up (default 3)")
    parser.add_argument("--during", type=int, default=10, help="registrations with Redis down (default 10)")
    parser.add_argument(
        "--lost-links", type=int, default=2, help="lost-link requests with Redis down (default 2, at most --before)"
    )
    parser.add_argument(
        "--ratelimit",
        choices=["on", "off"],
        default="on",
        help="RATELIMIT_ENABLE as in production (on, the default) or off: the limit counts in the same Redis",
    )
    parser.add_argument("--timeout", type=float, default=180, help="give up after this many seconds")
    args = parser.parse_args()
    deadline = common.Deadline(args.timeout)

    with common.Rig("redis_outage") as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
        database = common.drill_database("redis_outage")
        os.environ.update(
            {
                "RATELIMIT_ENABLE": "1" if args.ratelimit == "on" else "0",
                "REGISTRATION_MIN_FILL_SECONDS": "0",
                "ALLOWED_HOSTS": "testserver,127.0.0.1",
                "SECURE_SSL_REDIRECT": "0",
            }
        )
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from django.core.management import call_command
        from django.db.models import F
        from django.test import Client

        from notifications.models import Delivery, Mailing
        from registrations import services
        from registrations.models import LinkRequest, Registration
        from workshops import audit

        call_command("seed_workshop", "--demo", verbosity=0)
        worker = rig.add(common.Worker(env, tmp / "worker.log"), tmp / "worker.log")
        worker.start()
        client = Client()
        page = client.get(PATH).content.decode()
        municipalities = iter(MUNICIPALITY_OPTION.findall(page))

        def register() -> tuple[bool, float]:
            pk = next(municipalities)
            started = STARTED_INPUT.search(client.get(PATH).content.decode()).group(1)
            fields = {
                "started": started,
                "municipality": pk,
                "contact_name": "Kari Kontakt",
                "contact_email": f"kontakt{pk}@kommune.example",
                "participants-TOTAL_FORMS": "2",
                "participants-INITIAL_FORMS": "0",
            }
            for i, role in enumerate(["culture_school_leader", "municipal_leader"]):
                fields |= {
                    f"participants-{i}-name": f"Person {pk}-{i}",
                    f"participants-{i}-email": f"p{pk}-{i}@kommune.example",
                    f"participants-{i}-role": role,
                    f"participants-{i}-title": "Leder",
                }
            began = time.monotonic()
            try:
                response = client.post(PATH, fields)
            except Exception as exc:  # the drill reports any failure of the request as a failed registration
                where = traceback.extract_tb(exc.__traceback__)
                ours = [f"{Path(f.filename).name}:{f.lineno}" for f in where if "site-packages" not in f.filename]
                print(f"    POST for municipality {pk} raised {type(exc).__name__}: {exc} (via {', '.join(ours[-3:])})")
                return False, time.monotonic() - began
            ok = response.status_code == 302 and Registration.objects.filter(municipality_id=pk).exists()
            if not ok:
                print(f"    POST for municipality {pk} answered {response.status_code}")
            return ok, time.monotonic() - began

        print(
            f"redis_outage: {args.before} registrations with Redis up, {args.during} with Redis down, "
            f"rate limit {args.ratelimit}"
        )
        before = [register() for _ in range(args.before)]
        expected_before = Delivery.objects.count()
        deadline.wait_for("the first confirmations", lambda: mailbox.count() >= expected_before)
        print(f"  Redis up: {sum(ok for ok, _ in before)}/{args.before} registered, {mailbox.count()} emails")

        redis.stop()
        print("  Redis stopped (SIGKILL)")
        during = [register() for _ in range(args.during)]
        asked = list(Registration.objects.order_by("pk").values_list("municipality_id", flat=True)[: args.lost_links])
        lost_link_path = PATH.replace("/workshops/", "/lost-link/")
        answered = []
        for pk in asked:
            started = STARTED_INPUT.search(client.get(lost_link_path).content.decode()).group(1)
            response = client.post(lost_link_path, {"municipality": pk, "started": started, "website": ""})
            answered.append(response.status_code == 200)
        waiting = LinkRequest.objects.filter(handled_at=None).count()
        print(f"  Redis down: {sum(answered)}/{len(asked)} lost-link requests answered, {waiting} waiting")
        latencies = [s for _, s in during]
        print(
            f"  Redis down: {sum(ok for ok, _ in during)}/{args.during} registered; POST median "
            f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        time.sleep(2)
        common.print_states("rows while Redis is down")
        mailed_during_outage = mailbox.count() - expected_before

        redis.start()
        print("  Redis started again (empty)")
        swept = common.sweep_as_if_later(3)
        print(f"  sweep (as 3 minutes later) queued {len(swept)} deliveries")
        LinkRequest.objects.update(requested_at=F("requested_at") - datetime.timedelta(minutes=3))
        handled = services.link_requests_sweep(actor=audit.PUBLIC)
        print(f"  lost-link sweep (as 3 minutes later) handled {len(handled)} requests")
        every = Delivery.objects.all()
        deadline.wait_for("every confirmation sent", lambda: every.filter(status="sent").count() == every.count())
        time.sleep(1)
        print(f"  emails sent while Redis was down: {mailed_during_outage} (expected 0)")
        registered = all(ok for ok, _ in before + during) and all(answered)
        # A registration must not wait on the dead broker: each holds a web worker while it waits.
        quick = statistics.median(latencies) < QUICK_SECONDS
        print(f"  POSTs answered quickly during the outage (median under {QUICK_SECONDS} s): {quick}")
        print(f"  every POST succeeded: {registered}")
        links = Delivery.objects.filter(mailing__kind=Mailing.Kind.LINK_RESEND).count()
        print(f"  links sent again: {links} (expected {len(asked)})")
        once = common.verify_every_delivery_once(mailbox)
        return common.verdict(registered and quick and once and mailed_during_outage == 0 and links == len(asked))


if __name__ == "__main__":
    sys.exit(main())
