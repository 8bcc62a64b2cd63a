"""Sending over SMTP: temporary and permanent failures, batches over one connection, claims."""

import datetime
import email
import email.policy
from collections import Counter

import pytest
from django.core.mail.backends import smtp as smtp_backend
from django.db import connection as db_connection
from django.test import override_settings

from notifications import sending, services, tasks
from notifications.models import Delivery, Mailing
from registrations.services import ContactData
from tests.conftest import STAFF, closed_port, delegation, municipalities, register
from tests.notifications.conftest import smtp_settings, subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


def test_a_temporary_failure_is_retried_later_and_delivered_once(workshop, smtp_server, commit, time_machine):
    smtp_server.data_failures.append("451 4.3.0 Mailbox busy, try again later")
    with commit():
        registration = register(workshop, "0301", language="en")

    failed_once = Delivery.objects.get(registration=registration, status=Delivery.Status.PENDING)
    assert failed_once.attempts == 1
    assert failed_once.last_error == "451 4.3.0 Mailbox busy, try again later"
    assert failed_once.next_attempt_at == failed_once.claimed_at + datetime.timedelta(minutes=1)
    assert len(smtp_server.messages) == 2

    # Not before its time, even if a task turns up early.
    with commit():
        tasks.send_deliveries.delay([failed_once.pk])
    assert len(smtp_server.messages) == 2

    time_machine.shift(datetime.timedelta(seconds=61))
    with commit():
        tasks.send_deliveries.delay([failed_once.pk])

    failed_once.refresh_from_db()
    assert (failed_once.status, failed_once.attempts) == (Delivery.Status.SENT, 2)
    assert [m["To"] for m in smtp_server.messages].count(failed_once.email) == 1
    assert len(smtp_server.messages) == 3


def test_backoff_doubles_and_gives_up_after_max_attempts(workshop, smtp_server, commit, time_machine):
    with commit():
        registration = register(workshop, "0301", language="en")
    delivery = Delivery.objects.filter(registration=registration).first()
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", attempts=0)
    delays = []
    for _ in range(sending.MAX_ATTEMPTS):
        smtp_server.data_failures.append("421 4.7.0 Too many connections")
        now = sending.timezone.now()
        sending.deliveries_send(ids=[delivery.pk], now=now)
        delivery.refresh_from_db()
        if delivery.status == Delivery.Status.PENDING:
            delays.append(int((delivery.next_attempt_at - now).total_seconds() // 60))
            time_machine.move_to(delivery.next_attempt_at, tick=False)
    assert delays == [1, 2, 4, 8, 16, 32, 60]
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error == "Gave up after 8 attempts. Last error: 421 4.7.0 Too many connections"


def test_a_permanent_failure_is_recorded_with_the_servers_reply(workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 5.1.1 <03011@kommune.example>: no such user"
    with commit():
        registration = register(workshop, "0301", language="en")

    refused = Delivery.objects.get(registration=registration, email="03011@kommune.example")
    assert refused.status == Delivery.Status.FAILED
    assert refused.last_error == "550 5.1.1 <03011@kommune.example>: no such user"
    assert refused.sent_at is None
    assert sorted(m["To"] for m in smtp_server.messages) == ["03012@kommune.example", "kari@kommune.example"]
    assert set(Delivery.objects.exclude(pk=refused.pk).values_list("status", flat=True)) == {"sent"}


def test_staff_can_retry_a_failed_delivery(workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 5.1.1 no such user"
    with commit():
        register(workshop, "0301", language="en")
    del smtp_server.refuse["03011@kommune.example"]

    with commit():
        ids = services.deliveries_retry(deliveries=Delivery.objects.all(), actor=STAFF)

    delivery = Delivery.objects.get(email="03011@kommune.example")
    assert ids == [delivery.pk]
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert [m["To"] for m in smtp_server.messages].count("03011@kommune.example") == 1


def test_a_refused_connection_is_temporary(workshop, commit, time_machine, smtp_server):
    with override_settings(**smtp_settings(closed_port())), commit():
        registration = register(workshop, "0301", language="en")

    deliveries = Delivery.objects.filter(registration=registration)
    assert {(d.status, d.attempts) for d in deliveries} == {("pending", 1)}
    assert all("ConnectionRefusedError" in d.last_error for d in deliveries)

    time_machine.shift(datetime.timedelta(minutes=3))
    with commit():
        tasks.sweep_deliveries.delay()
    assert set(deliveries.values_list("status", flat=True)) == {"sent"}
    assert len(smtp_server.messages) == 3


def test_a_dropped_connection_is_temporary_and_the_batch_goes_on(workshop, smtp_server, commit):
    smtp_server.data_failures.append("421 4.4.2 Connection dropped")
    with commit():
        registration = register(workshop, "0301", language="en")

    statuses = dict(Delivery.objects.filter(registration=registration).values_list("email", "status"))
    assert sorted(statuses.values()) == ["pending", "sent", "sent"]
    assert len(smtp_server.messages) == 2


def test_a_batch_reuses_one_connection(workshop, main_session, smtp_server, commit, settings):
    settings.EMAIL_BATCH_SIZE = 100
    for index, municipality in enumerate(municipalities(50)):
        # Registered without commit(): their confirmations are written but not sent in this test.
        register(workshop, municipality.number, people=delegation(5, prefix=f"m{index}-"), actor=STAFF)
    mailing = services.mailing_create_custom(
        workshop=workshop, subject="Programme", body="Hello {participant_name}", actor=STAFF
    )

    with commit():
        ids = services.mailing_send_now(mailing=mailing, actor=STAFF)

    assert len(ids) == 250
    assert len([s for s in smtp_server.subjects() if s == "Programme"]) == 250
    assert smtp_server.connections("Programme") == 3
    assert Delivery.objects.filter(mailing=mailing, status="sent").count() == 250


def test_a_duplicated_task_does_not_send_twice(workshop, smtp_server, commit):
    register(workshop, "0301", language="en")  # not committed: nothing queued yet
    ids = list(Delivery.objects.values_list("pk", flat=True))

    with commit():
        tasks.send_deliveries.delay(ids)
        tasks.send_deliveries.delay(ids)
    tasks.send_deliveries.apply(args=[ids])  # a redelivered message (acks_late) after the first run

    assert len(smtp_server.messages) == 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_a_second_worker_cannot_claim_what_the_first_holds(workshop):
    register(workshop, "0301", language="en")
    ids = list(Delivery.objects.values_list("pk", flat=True))
    now = sending.timezone.now()

    first = sending.deliveries_claim(ids=ids, now=now)
    second = sending.deliveries_claim(ids=ids, now=now)

    assert sorted(d.pk for d in first) == sorted(ids)
    assert second == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sending"}


def test_a_delivery_stuck_in_sending_is_queued_again_by_the_sweep(workshop, smtp_server, commit, time_machine):
    register(workshop, "0301", language="en")
    ids = list(Delivery.objects.values_list("pk", flat=True))
    sending.deliveries_claim(ids=ids, now=sending.timezone.now())  # and then the worker died

    time_machine.shift(sending.STUCK_AFTER - datetime.timedelta(minutes=1))
    with commit():
        tasks.sweep_deliveries.delay()
    assert smtp_server.messages == []

    time_machine.shift(datetime.timedelta(minutes=2))
    with commit():
        tasks.sweep_deliveries.delay()
    assert len(smtp_server.messages) == 3
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 2)}


def test_the_mailing_counts(workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 no"
    with commit():
        registration = register(workshop, "0301", language="en")
    from notifications.selectors import mailing_counts

    mailing = Mailing.objects.get(registration=registration)
    assert mailing_counts(mailing=mailing) == {"pending": 0, "sending": 0, "sent": 2, "failed": 1, "skipped": 0}
    assert subject(smtp_server.messages[0]).startswith("Registration confirmed")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_delivery_once(workshop, smtp_server):
    import threading

    from django.db import connection

    for index, municipality in enumerate(municipalities(20)):
        register(workshop, municipality.number, people=delegation(3, prefix=f"w{index}-"), actor=STAFF)
    # The confirmations went out on commit; make them all pending again and let two workers race for them.
    ids = list(Delivery.objects.values_list("pk", flat=True))
    Delivery.objects.update(status="pending", attempts=0)
    smtp_server.messages.clear()
    barrier = threading.Barrier(2)
    results = []

    def work():
        barrier.wait()
        try:
            results.append(sending.deliveries_send(ids=ids))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(len(r.sent) for r in results) == len(ids)
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(Delivery.objects.values_list("email", flat=True))
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}


def test_without_email_url_each_email_is_an_eml_file(workshop, commit, settings, tmp_path):
    settings.EMAIL_BACKEND = "notifications.backends.EmlFileBackend"  # what settings.py picks without EMAIL_URL
    settings.EMAIL_FILE_PATH = str(tmp_path)
    with commit():
        register(workshop, "0301", language="en")

    written = []
    for path in sorted(tmp_path.iterdir()):
        with path.open("rb") as file:
            written.append(email.message_from_binary_file(file, policy=email.policy.default))
    assert sorted(m["To"] for m in written) == sorted(Delivery.objects.values_list("email", flat=True))
    assert {(m["Auto-Submitted"], m["Message-ID"]) for m in written} == {
        ("auto-generated", message_id) for message_id in Delivery.objects.values_list("message_id", flat=True)
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


# --- Each outcome written at once (sending.Ledger): exactly once under failure ------------------------


def _five_pending_deliveries(workshop) -> list[Delivery]:
    """The contact person and four participants, registered without commit(): written, not yet sent."""
    register(workshop, "0301", people=delegation(4), language="en")
    return list(Delivery.objects.order_by("pk"))


def test_a_permanent_failure_mid_batch_fails_that_message_only(workshop, smtp_server):
    deliveries = _five_pending_deliveries(workshop)
    third = deliveries[2]
    smtp_server.refuse[third.email] = "550 5.1.1 No such user"

    result = sending.deliveries_send(ids=[d.pk for d in deliveries])

    assert result.summary() == {"sent": 4, "failed": 1, "skipped": 0, "retry": 0}
    others = [d for d in deliveries if d.pk != third.pk]
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(d.email for d in others)
    third.refresh_from_db()
    assert (third.status, third.attempts, third.last_error) == ("failed", 1, "550 5.1.1 No such user")
    assert (third.sent_at, third.message_id) == (None, "")
    header_ids = {m["To"]: m["Message-ID"] for m in smtp_server.messages}
    for delivery in others:
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")
        assert delivery.message_id == header_ids[delivery.email]
        assert delivery.sent_at is not None


class StatusRecordingBackend(smtp_backend.EmailBackend):
    """The SMTP backend, noting before each message how many deliveries the database shows as sent."""

    sent_before_each: list[int] = []

    def send_messages(self, email_messages):
        self.sent_before_each.append(Delivery.objects.filter(status=Delivery.Status.SENT).count())
        return super().send_messages(email_messages)


def test_each_sent_row_is_marked_before_the_next_message_goes_out(workshop, smtp_server, settings, monkeypatch):
    deliveries = _five_pending_deliveries(workshop)
    settings.EMAIL_BACKEND = f"{__name__}.StatusRecordingBackend"
    monkeypatch.setattr(StatusRecordingBackend, "sent_before_each", [])

    sending.deliveries_send(ids=[d.pk for d in deliveries])

    # At most the message in flight is ever accepted and unrecorded: all a killed worker can send twice.
    assert StatusRecordingBackend.sent_before_each == [0, 1, 2, 3, 4]
    assert set(Delivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert len(smtp_server.messages) == 5


class StoppingBackend(smtp_backend.EmailBackend):
    """The SMTP backend of a worker told to stop (warm shutdown) when its third message is due."""

    sent = 0

    def send_messages(self, email_messages):
        if StoppingBackend.sent == 2:
            raise SystemExit("worker shutting down")
        StoppingBackend.sent += len(email_messages)
        return super().send_messages(email_messages)


def test_a_worker_stopped_mid_batch_records_what_went_out_and_the_sweep_sends_the_rest(
    workshop, smtp_server, settings, commit, time_machine, monkeypatch
):
    deliveries = _five_pending_deliveries(workshop)
    settings.EMAIL_BACKEND = f"{__name__}.StoppingBackend"
    monkeypatch.setattr(StoppingBackend, "sent", 0)

    with pytest.raises(SystemExit):
        sending.deliveries_send(ids=[d.pk for d in deliveries])

    # The two messages that went out are recorded; the rest wait in "sending".
    statuses = list(Delivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["sent", "sent", "sending", "sending", "sending"]
    assert len(smtp_server.messages) == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    time_machine.shift(sending.STUCK_AFTER + datetime.timedelta(minutes=1))
    with commit():
        tasks.sweep_deliveries.delay()
    assert sorted(m["To"] for m in smtp_server.messages) == sorted(d.email for d in deliveries)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


class WorkerKilled(BaseException):
    """What SIGKILL does to a worker, as far as this process can show it: nothing of ours runs after it."""


def test_a_worker_killed_after_an_accepted_message_resends_only_that_one(workshop, smtp_server, commit, time_machine):
    register(workshop, "0301", people=delegation(4), language="en")
    other = ContactData(name="Ola Kontakt", email="ola@kommune.example", phone="+47 98 98 98 98")
    register(workshop, municipalities(2)[1].number, people=delegation(2, prefix="q"), contact=other, language="en")
    deliveries = list(Delivery.objects.order_by("pk"))
    assert len({d.email for d in deliveries}) == len(deliveries) == 8
    k = 3

    def die_after_k_accepted(execute, sql, params, many, context):
        # The server has accepted message k + 1 (its handler recorded it): the worker dies before it can
        # write anything more to the database, i.e. before message k + 1 is recorded as sent.
        if len(smtp_server.messages) > k:
            raise WorkerKilled
        return execute(sql, params, many, context)

    with pytest.raises(WorkerKilled), db_connection.execute_wrapper(die_after_k_accepted):
        sending.deliveries_send(ids=[d.pk for d in deliveries])

    rows = list(Delivery.objects.order_by("pk"))
    assert [r.status for r in rows] == ["sent"] * k + ["sending"] * (8 - k)
    received_ids = {m["Message-ID"] for m in smtp_server.messages}
    ambiguous = [r for r in rows if r.status == "sending" and r.message_id in received_ids]
    assert [r.pk for r in ambiguous] == [rows[k].pk]  # accepted, not recorded: the one in flight

    time_machine.shift(sending.STUCK_AFTER + datetime.timedelta(minutes=1))
    with commit():
        tasks.sweep_deliveries.delay()

    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    received = Counter(m["To"] for m in smtp_server.messages)
    assert set(received) == {d.email for d in deliveries}
    assert [address for address, n in received.items() if n > 1] == [rows[k].email]
    assert max(received.values()) == 2
