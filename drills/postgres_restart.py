"""Drill: PostgreSQL crashes and restarts in the middle of a fan-out; everything arrives, almost all once.

Runs on a PRIVATE PostgreSQL cluster (initdb into a temporary folder, its own loopback port, run as the
`postgres` user when the drill runs as root): the shared server is never stopped. Otherwise the set-up of
worker_kill.py: private Redis, a real Celery worker, aiosmtpd in this process. When a third of the material
has arrived, the cluster is stopped with `pg_ctl stop -m immediate` (a crash: no checkpoint, the WAL not
yet flushed is lost) and started again after --down seconds. The batches that hit the outage fail (their
rows stay "sending"); the sweep, run as 16 minutes later, queues them again.

What may repeat: the message in flight when the database went away, plus the "sent" marks lost with the
unflushed WAL (the batch commits with synchronous_commit off: at most 3 × wal_writer_delay = 600 ms of
marks). The drill prints how many addresses got the material twice and fails on any missing address,
any address three times, or more repeats than --allowed-twice (default 40).

    .venv/bin/python drills/postgres_restart.py [-n 500] [--down 5]
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills import common  # noqa: E402


class PrivatePostgres:
    """A throwaway cluster under `folder` on `port` (loopback only, trust auth, no fsync: it is thrown away)."""

    def __init__(self, folder: Path, port: int):
        self.bin = Path(sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1])
        self.folder, self.port = folder, port
        self.data = folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"FAIL: {command[0]} ended with {done.returncode}: {done.stderr.strip()}")

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def crash(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")


def private_postgres(rig: common.Rig) -> PrivatePostgres:
    """A private cluster, started, and stopped and removed when the drill ends."""
    # Its own folder, not inside the drill's: the postgres user must be able to reach it.
    postgres = PrivatePostgres(Path(tempfile.mkdtemp(prefix="drill-pg-")), common.free_port())
    rig.callback(common.cleanup, postgres.folder)
    rig.add(postgres)
    postgres.init()
    postgres.start()
    return postgres


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="recipients (default 500)")
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays down (default 5)")
    parser.add_argument("--allowed-twice", type=int, default=40, help="addresses allowed to get it twice")
    parser.add_argument("--batch-size", type=int, default=50, help="EMAIL_BATCH_SIZE (default 50)")
    parser.add_argument("--timeout", type=float, default=240, help="give up after this many seconds")
    args = parser.parse_args()
    deadline = common.Deadline(args.timeout)

    with common.Rig("postgres_restart") as rig:
        tmp, redis, smtp, mailbox = rig.tmp, rig.redis, rig.smtp, rig.mailbox
        postgres = private_postgres(rig)
        os.environ["DATABASE_URL"] = postgres.url
        database = common.drill_database("postgres_restart")
        os.environ["EMAIL_BATCH_SIZE"] = str(args.batch_size)
        env = common.configure(database_url=database, redis_url=redis.url, smtp_port=smtp.port, var_dir=tmp)
        from django.db import connection

        from notifications import tasks
        from notifications.models import Delivery

        ids = common.material_fanout(args.n)
        expected = set(Delivery.objects.filter(pk__in=ids).values_list("email", flat=True))
        print(f"postgres_restart: {len(ids)} material deliveries; private PostgreSQL on port {postgres.port}")
        worker = rig.add(common.Worker(env, tmp / "worker.log"), tmp / "worker.log")
        worker.start()
        tasks.queue(ids)
        at = len(ids) // 3 + 7
        deadline.wait_for(f"{at} messages", lambda: mailbox.count() >= at, poll=0.01)
        connection.close()
        postgres.crash()
        print(f"  PostgreSQL stopped (-m immediate) after {mailbox.count()} messages")
        time.sleep(args.down)
        postgres.start()
        print(f"  PostgreSQL started again after {args.down:.0f} s; {mailbox.count()} messages so far")
        common.print_states("rows after the restart")
        swept = common.sweep_as_if_later(16)
        print(f"  sweep (as 16 minutes later) queued {len(swept)} deliveries again")
        sent = Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENT)

        def all_sent() -> bool:
            if sent.count() == len(ids):
                return True
            if not Delivery.objects.filter(status="pending").exists() and time.monotonic() % 10 < 0.6:
                common.sweep_as_if_later(16)  # a batch that failed after the first sweep (worker reconnecting)
            return False

        deadline.wait_for("every delivery sent", all_sent, poll=0.5)
        time.sleep(1)
        return common.verdict(common.verify_once(mailbox, expected, allowed_twice=args.allowed_twice))


if __name__ == "__main__":
    sys.exit(main())
