"""Drill: SIGKILL the Celery worker in the middle of a fan-out; every recipient gets the material once.

Sets up its own database (`<DATABASE_URL name>_drill_worker_kill`), a private Redis as broker, an SMTP
server (aiosmtpd) in this process and a real worker (`celery -A config worker`, a subprocess). Releases the
material mailing of a workshop with N participants, kills the worker and its pool with SIGKILL when about
a third (then two thirds, …) of the messages have arrived, starts a new worker, runs the sweep as beat would
15 minutes later (for the rows the dead worker held in "sending"), and waits until every delivery is sent.

Verifies: every recipient received the material; at most one recipient per pool process and kill received
it twice (the message each process had in flight when the worker died: the server accepted it, the row was
not marked sent yet), none more than twice; every Delivery row is "sent". Exit 1 if not. The worker has two
pool processes, each sending its own batch, so one kill can catch two messages in flight, one in each.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python drills/worker_kill.py [-n 500]
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills import common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="recipients (default 500)")
    parser.add_argument("--kills", type=int, default=1, help="how many times to kill the worker (default 1)")
    parser.add_argument("--batch-size", type=int, default=50, help="EMAIL_BATCH_SIZE (default 50)")
    parser.add_argument("--timeout", type=float, default=300, help="give up after this many seconds")
    args = parser.parse_args()
    deadline = common.Deadline(args.timeout)

    with common.Rig("worker_kill") as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
        database = common.drill_database("worker_kill")
        import os

        os.environ["EMAIL_BATCH_SIZE"] = str(args.batch_size)
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from notifications import tasks
        from notifications.models import Delivery

        ids = common.material_fanout(args.n)
        expected = set(Delivery.objects.filter(pk__in=ids).values_list("email", flat=True))
        print(f"worker_kill: {len(ids)} material deliveries, batches of {args.batch_size}, {args.kills} kill(s)")
        started = time.monotonic()
        worker = rig.add(common.Worker(env, tmp / "worker.log"), tmp / "worker.log")
        worker.start()
        tasks.queue(ids)
        most_in_flight, resent = 0, set()
        for kill in range(1, args.kills + 1):
            at = len(ids) * kill // (args.kills + 1) + 7  # mid-batch, not between two batches
            deadline.wait_for(f"{at} messages before kill {kill}", lambda at=at: mailbox.count() >= at, poll=0.01)
            worker.kill()
            time.sleep(0.3)  # a message whose DATA was complete reaches the server's handler now
            received = mailbox.per_address()
            # Rows still "sending" whose address the server has: accepted, not recorded (earlier kills' left out).
            caught = set(
                Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING, email__in=list(received))
                .exclude(email__in=resent)
                .values_list("email", flat=True)
            )
            resent |= caught
            in_flight = len(caught)
            print(
                f"  kill {kill}: SIGKILL to worker {worker.process.pid} after {sum(received.values())} messages; "
                f"accepted by the server but not marked sent (to be sent again): {in_flight} "
                f"(at most one per pool process: {worker.concurrency})"
            )
            most_in_flight = max(most_in_flight, in_flight)
            common.print_states("rows right after the kill")
            worker = rig.add(common.Worker(env, tmp / "worker.log"))
            worker.start()
            # The killed worker's messages stay in Redis unacked (visibility timeout an hour); its claimed rows
            # are "sending". The sweep queues them again once they are STUCK_AFTER old: run it as beat would.
            swept = common.sweep_as_if_later(16)
            print(f"  sweep (as 16 minutes later) queued {len(swept)} deliveries again")
        sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT)
        deadline.wait_for("every delivery sent", lambda: sent.count() == len(ids), poll=0.5)
        time.sleep(1)  # anything still in flight would arrive now
        print(f"  all {len(ids)} sent in {time.monotonic() - started:.1f} s")
        allowed = args.kills * worker.concurrency
        once = common.verify_once(mailbox, expected, allowed_twice=allowed)
        return common.verdict(once and most_in_flight <= worker.concurrency)


if __name__ == "__main__":
    sys.exit(main())
