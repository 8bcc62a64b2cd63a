"""Drill: the mail server goes away in the middle of a fan-out and comes back; everything arrives once.

Same set-up as worker_kill.py (own database, private Redis, a real Celery worker, aiosmtpd in this process).
When about a quarter of the material has arrived, the SMTP server is stopped for --outage seconds (default
20; the issue's scenario is a minute: --outage 60), then started again on the same port. While it is down
the drill prints the Delivery rows as the admin lists them: status, attempts and the next attempt (the
backoff: 1, 2, 4 … minutes). The worker's retries then deliver the rest with no help from the drill.

Verifies: every recipient received the material, none twice (a message cut off by the outage after the
server stored it, but before the client read the reply, would be the only allowed repeat: at most one per
open connection), every row "sent"; prints the attempts the rows needed. Exit 1 if not.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/smtp_outage.py [-n 500]
"""

import argparse
import collections
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills import common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="recipients (default 500)")
    parser.add_argument("--outage", type=float, default=20, help="seconds the SMTP server is down (default 20)")
    parser.add_argument("--batch-size", type=int, default=50, help="EMAIL_BATCH_SIZE (default 50)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=None, help="give up after this many seconds")
    args = parser.parse_args()
    # Retries come 1, 2, 4 … minutes after a failure: a long outage needs a long wait.
    deadline = common.Deadline(args.timeout or args.outage * 4 + 240)

    with common.Rig("smtp_outage") as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
        database = common.drill_database("smtp_outage")
        os.environ["EMAIL_BATCH_SIZE"] = str(args.batch_size)
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from notifications import tasks
        from notifications.models import Delivery

        ids = common.material_fanout(args.n)
        expected = set(Delivery.objects.filter(pk__in=ids).values_list("email", flat=True))
        print(f"smtp_outage: {len(ids)} material deliveries, SMTP server down for {args.outage:.0f} s")
        started = time.monotonic()
        worker = rig.add(common.Worker(env, tmp / "worker.log", concurrency=args.concurrency), tmp / "worker.log")
        worker.start()
        tasks.queue(ids)

        at = len(ids) // 4
        deadline.wait_for(f"{at} messages", lambda: mailbox.count() >= at, poll=0.01)
        smtp.stop()
        down_at = time.monotonic()
        print(f"  SMTP server stopped after {mailbox.count()} messages ({down_at - started:.1f} s)")
        while time.monotonic() - down_at < args.outage:
            time.sleep(min(10, max(0.1, args.outage - (time.monotonic() - down_at))))
            common.print_states(f"rows {time.monotonic() - down_at:.0f} s into the outage")
        sample = Delivery.objects.filter(status=Delivery.Status.PENDING, attempts__gte=1).order_by("pk").first()
        if sample:
            when = f"{sample.next_attempt_at:%H:%M:%S}"
            print(f"  e.g. delivery {sample.pk}: attempts {sample.attempts}, next attempt {when}")
            print(f"    last error: {sample.last_error}")
        smtp.start()
        print(f"  SMTP server started again after {time.monotonic() - down_at:.0f} s; waiting for the retries")

        sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT)
        deadline.wait_for("every delivery sent", lambda: sent.count() == len(ids), poll=1)
        time.sleep(1)
        print(f"  all {len(ids)} sent {time.monotonic() - down_at:.0f} s after the outage began")
        attempts = collections.Counter(Delivery.objects.filter(pk__in=ids).values_list("attempts", flat=True))
        print(f"  attempts per delivery: {dict(sorted(attempts.items()))}")
        retried = sum(n for a, n in attempts.items() if a > 1)
        ok = common.verify_once(mailbox, expected, allowed_twice=args.concurrency)
        if not retried:
            print("FAIL: no delivery needed a retry: the outage did not hit the fan-out")
            ok = False
        return common.verdict(ok)


if __name__ == "__main__":
    sys.exit(main())
