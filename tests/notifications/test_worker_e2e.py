"""End to end: a registration is committed, a real Celery worker on Redis sends its confirmation over SMTP.

Needs PostgreSQL (the worker process reads the test database, so the test commits for real) and Redis.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from notifications.models import Delivery
from registrations.models import Registration
from tests.conftest import STAFF, redis_url, register

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(smtp_server, broker, tmp_path):
    """`celery -A config worker` in a subprocess, on Redis, with the test database and the test SMTP server."""
    broker(redis_url(), {"max_retries": 1, "socket_connect_timeout": 2, "visibility_timeout": 3600})
    # A queue of its own: other tests (other xdist workers) may publish to the same Redis database.
    queue = f"e2e-{uuid.uuid4().hex}"
    saved_queue, celery_app.conf.task_default_queue = celery_app.conf.task_default_queue, queue
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": redis_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.port}",
        "VAR_DIR": str(tmp_path),
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    log = open(tmp_path / "worker.log", "w+")  # noqa: SIM115 (read back on failure)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues",
            queue,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    yield process
    with celery_app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_delete(queue)
        channel.client.delete(f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    celery_app.conf.task_default_queue = saved_queue
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    print(log.read()[-5000:])
    log.close()


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_a_worker_on_redis_sends_the_confirmation(workshop, smtp_server, worker):
    registration = register(workshop, "0301", language="en", actor=STAFF)  # commits, then queues on Redis

    assert wait_for(lambda: len(smtp_server.messages) == 3), "the worker did not send the confirmations in 30 s"
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]
    assert {str(m["Subject"]).strip() for m in smtp_server.messages} == {
        "Registration confirmed: Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
    }
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert wait_for(lambda: set(Delivery.objects.values_list("status", flat=True)) == {"sent"}, 10)
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}
