"""Queueing: a broker outage never fails a registration; the sweep sends what was not queued."""

import datetime
import logging
import time

import pytest

from config.celery import app as celery_app
from notifications import tasks
from notifications.models import Delivery
from registrations.models import Registration
from tests.conftest import closed_port, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


def test_the_registration_survives_redis_down_and_the_sweep_sends_later(
    workshop, smtp_server, commit, broker, time_machine, caplog
):
    broker(f"redis://127.0.0.1:{closed_port()}/5", {"max_retries": 0, "socket_connect_timeout": 1})
    caplog.set_level(logging.WARNING, logger="notifications.tasks")
    started = time.monotonic()
    with commit():
        registration = register(workshop, "0301", language="en")

    assert time.monotonic() - started < 10  # the registrant is not kept waiting for long
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert sorted(Delivery.objects.values_list("email", "status")) == [
        ("03011@kommune.example", "pending"),
        ("03012@kommune.example", "pending"),
        ("kari@kommune.example", "pending"),
    ]
    assert smtp_server.messages == []
    assert "Could not queue 3 deliveries" in caplog.text

    # The broker is back (tasks run in-process again); the next sweeps find the rows.
    celery_app.conf.task_always_eager = True
    with commit():
        tasks.sweep_deliveries.delay()
    assert smtp_server.messages == []  # within the grace period: maybe still in a queue somewhere

    time_machine.shift(datetime.timedelta(minutes=3))
    with commit():
        tasks.sweep_deliveries.delay()
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_deliveries_are_queued_only_after_commit(workshop, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        register(workshop, "0301", language="en")

    assert smtp_server.messages == []
    assert len(callbacks) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
    callbacks[0]()
    assert len(smtp_server.messages) == 3


def test_a_failed_registration_writes_no_outbox_rows(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    from registrations.errors import RegistrationError

    with pytest.raises(RegistrationError), commit():
        register(workshop, "0301", language="en")

    assert Delivery.objects.count() == 3
    assert len(smtp_server.messages) == 3


def test_batches_follow_the_batch_size(workshop, settings, broker, django_capture_on_commit_callbacks):
    settings.EMAIL_BATCH_SIZE = 2
    broker("memory://")
    with celery_app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        queue.clear()  # the in-memory broker is shared by the whole process
        with django_capture_on_commit_callbacks(execute=True):
            register(workshop, "0301", language="en")
        bodies = [queue.get(timeout=1) for _ in range(2)]
        queue.close()
    assert sorted(len(message.decode()[0][0]) for message in bodies) == [1, 2]
