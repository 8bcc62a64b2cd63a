"""Sending deliveries: claim, send over one SMTP connection per batch, record the outcome.

Failures are sorted by what the server said. 4xx replies, refused connections, timeouts and dropped
connections are temporary: the delivery goes back to pending with exponential backoff (1, 2, 4 … minutes,
at most an hour, MAX_ATTEMPTS in all). 5xx replies are permanent: the delivery is failed with the reply,
visible in the admin, and staff may retry it there.

Each outcome is written as soon as it is known (see Ledger): a message the server accepted is marked sent
by one UPDATE by primary key before the next one is sent, so a worker killed at any point (SIGKILL, OOM)
leaves at most the one message in flight accepted but unrecorded: the sweep sends that one again, nothing
else twice. On PostgreSQL the batch commits with synchronous_commit off (see _fast_commits): that keeps
the per-message commit cheaper than the SMTP exchange.
"""

import datetime
import logging
import smtplib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db.models import CharField, F, Prefetch, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from notifications import emails, messages, selectors
from notifications.models import Delivery, Mailing
from registrations.models import Participant, Registration

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = datetime.timedelta(minutes=1)
RETRY_MAX = datetime.timedelta(hours=1)
# A delivery still "sending" this long after its claim belongs to a worker that died.
STUCK_AFTER = datetime.timedelta(minutes=15)
# A pending delivery not picked up this long after it was due was never queued (broker down) or was lost.
SWEEP_GRACE = datetime.timedelta(minutes=2)


@dataclass
class BatchResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry_ids: list[int] = field(default_factory=list)
    retry_at: datetime.datetime | None = None

    def summary(self) -> dict:
        return {
            "sent": len(self.sent),
            "failed": len(self.failed),
            "skipped": len(self.skipped),
            "retry": len(self.retry_ids),
        }


class Outcome(Exception):
    """Why one message was not sent: temporary (retry later) or not, with the server's reply."""

    def __init__(self, text: str, *, temporary: bool, connection_lost: bool = False):
        super().__init__(text)
        self.text = text
        self.temporary = temporary
        self.connection_lost = connection_lost


def classify(exc: BaseException, email: str) -> Outcome:
    """Turn an SMTP or socket exception into an Outcome: 4xx and network trouble temporary, 5xx permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = exc.recipients.get(email) or next(iter(exc.recipients.values()), (0, b""))
        return _by_code(code, reply)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, smtplib.SMTPServerDisconnected | OSError):
        return Outcome(f"{type(exc).__name__}: {exc}", temporary=True, connection_lost=True)
    return Outcome(f"{type(exc).__name__}: {exc}", temporary=True)


def _by_code(code: int, reply) -> Outcome:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    return Outcome(f"{code} {text}".strip(), temporary=not 500 <= code < 600)


def deliveries_claim(*, ids: list[int], now: datetime.datetime) -> list[Delivery]:
    """Take the pending, due deliveries among `ids` for this worker. Exactly one caller wins each row."""
    claim = uuid.uuid4().hex
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ).update(
        status=Delivery.Status.SENDING,
        claim=claim,
        claimed_at=now,
        attempts=F("attempts") + 1,
        message_id=_message_id(claim),
    )
    return deliveries_load(ids=ids, claim=claim)


def deliveries_load(*, ids: list[int], claim: str | None = None) -> list[Delivery]:
    """The deliveries among `ids` (those of `claim` if given) with what their messages show, in `ids` order."""
    rows = Delivery.objects.filter(pk__in=ids)
    if claim is not None:
        rows = rows.filter(claim=claim, status=Delivery.Status.SENDING)
    # Prefetched, not joined: the hundred deliveries of a batch share one mailing (and a delegation's
    # deliveries one registration), so each is loaded and instantiated once, not once per row.
    rows = rows.select_related("participant").prefetch_related(
        Prefetch("mailing", Mailing.objects.select_related("workshop", "session", "previous_session")),
        Prefetch("mailing__registration", _registrations()),
        Prefetch("registration", _registrations()),
    )
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(rows, key=lambda d: order.get(d.pk, 0))


def _registrations():
    return Registration.objects.select_related("municipality", "session")


def _message_id(claim: str) -> Concat:
    """<claim.id@domain>, computed by the database for each claimed row.

    Unique: the claim is random per batch and the id unique per row. Written by the claim rather than when
    the row is marked sent, so that one UPDATE can mark a whole group sent, and so that a row left in
    "sending" by a dead worker shows the Message-ID to look for in the mail server's log.
    """
    domain = emails.message_id_domain()
    return Concat(Value(f"<{claim}."), Cast("pk", CharField()), Value(f"@{domain}>"), output_field=CharField())


def deliveries_send(*, ids: list[int], now: datetime.datetime | None = None) -> BatchResult:
    """Claim and send a batch of deliveries over one connection of the configured email backend.

    Side effects: each claimed Delivery ends sent (sent_at, message_id), failed (last_error), skipped (the
    recipient is no longer eligible) or pending again with a later next_attempt_at; emails sent. Each row
    is written as soon as its outcome is known, a sent one before the next message goes out.
    """
    now = now or timezone.now()
    result = BatchResult()
    claimed = deliveries_claim(ids=ids, now=now)
    if not claimed:
        return result
    eligibility = selectors.deliveries_eligibility(deliveries=claimed, now=now)
    deliveries_readdress(deliveries=claimed, addressees=eligibility.addressees)
    plans = messages.messages_for(claimed, now=now, skip=eligibility.skip)
    ledger = Ledger(claim=claimed[0].claim, now=now, result=result)
    connection = get_connection()
    connection_error = _open(connection)
    try:
        with _fast_commits():
            for delivery in claimed:
                plan = plans[delivery.pk]
                if plan.skip_reason:
                    ledger.finish(delivery, Delivery.Status.SKIPPED, error=plan.skip_reason)
                elif plan.error:
                    ledger.finish(delivery, Delivery.Status.FAILED, error=plan.error)
                elif connection_error:
                    ledger.release(delivery, connection_error)
                else:
                    connection_error = _send_one(connection, delivery, plan, ledger)
    finally:
        _close(connection)
    return result


@contextmanager
def _fast_commits():
    """On PostgreSQL, commit this batch's writes without waiting for the WAL flush (synchronous_commit off).

    Each sent row is its own commit, and waiting for the disk on each would cost more than the SMTP
    exchange. Safe for what we guard against: a commit is in the server's memory when UPDATE returns, so a
    killed worker loses nothing. Only a crash of PostgreSQL itself can lose the last few hundred
    milliseconds of "sent" marks (3 × wal_writer_delay at most): those rows go back to "sending" and the
    sweep sends them again. The setting is for this connection and reset afterwards.
    """
    if db_connection.vendor != "postgresql":
        yield
        return
    with db_connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_readdress(
    *, deliveries: list[Delivery], addressees: dict[int, tuple[Registration | None, Participant | None]]
) -> None:
    """Point each delivery at the delegation and participant it is sent as (selectors.deliveries_eligibility).

    E.g. a person in two delegations, one of them cancelled, is addressed through the other: the row
    records that, so the admin shows the delivery under the delegation it went to.
    Side effects: the Delivery rows whose delegation or participant changed are updated.
    """
    for delivery in deliveries:
        if delivery.pk not in addressees:
            continue
        registration, participant = addressees[delivery.pk]
        ids = (registration.pk if registration else None, participant.pk if participant else None)
        if ids != (delivery.registration_id, delivery.participant_id):
            Delivery.objects.filter(pk=delivery.pk).update(registration=registration, participant=participant)
        delivery.registration, delivery.participant = registration, participant


def _send_one(connection, delivery: Delivery, plan: messages.Plan, ledger: "Ledger") -> str:
    """Send one message and record the outcome. Returns why the connection cannot be used ("" if it can)."""
    try:
        connection.send_messages([plan.message])
    except Exception as exc:  # SMTP, socket and anything the backend raises for this one message
        outcome = classify(exc, delivery.email)
        # The id, not the address: no personal data in logs.
        logger.warning("Delivery %s: %s", delivery.pk, outcome.text)
        if outcome.temporary:
            ledger.release(delivery, outcome.text)
        else:
            ledger.finish(delivery, Delivery.Status.FAILED, error=outcome.text)
        if outcome.connection_lost or _dropped(connection):
            _close(connection)
            return _open(connection)
        return ""
    ledger.sent(delivery)
    return ""


def _open(connection) -> str:
    """Open the connection; return why it failed ("" when open). Every such failure is temporary."""
    try:
        connection.open()
    except Exception as exc:  # refused, timeout, TLS or login trouble: the server may be back later
        text = classify(exc, "").text
        logger.warning("Cannot open the email connection: %s", text)
        return text or type(exc).__name__
    return ""


def _dropped(connection) -> bool:
    """Whether smtplib closed the socket itself (it does on a 421 reply): reconnect for the rest."""
    smtp = getattr(connection, "connection", None)
    return smtp is not None and hasattr(smtp, "sock") and smtp.sock is None


def _close(connection) -> None:
    try:
        connection.close()
    except Exception:  # the connection is going away anyway; a failing QUIT must not hide the outcome
        logger.debug("Closing the email connection failed", exc_info=True)


_SENT_SQL = (
    "UPDATE {table} SET status = %s, last_error = '', sent_at = %s WHERE id = %s AND claim = %s AND status = 'sending'"
)


class Ledger:
    """Writes the outcome of each message of one batch as soon as it is known, and counts them.

    One UPDATE by primary key per row, in autocommit: nothing accepted by the server waits in memory, so a
    worker that dies (even SIGKILL) between two messages has recorded every message but the one in
    flight. Every write is conditional on our claim: a sweep that reset a stuck row meanwhile is not
    overwritten. A sent row keeps the Message-ID the claim wrote; failed, skipped and retried rows drop it.
    """

    def __init__(self, *, claim: str, now: datetime.datetime, result: BatchResult):
        self.claim = claim
        self.now = now
        self.result = result

    def sent(self, delivery: Delivery) -> None:
        # The fan-out's hot path, once per message: the statement is written out once, not built by the ORM
        # for every row (its Python costs more than the round trip with synchronous_commit off).
        ops = db_connection.ops
        with db_connection.cursor() as cursor:
            cursor.execute(
                _SENT_SQL.format(table=ops.quote_name(Delivery._meta.db_table)),
                [Delivery.Status.SENT, ops.adapt_datetimefield_value(timezone.now()), delivery.pk, self.claim],
            )
        self.result.sent.append(delivery.pk)

    def finish(self, delivery: Delivery, status: str, *, error: str) -> None:
        self._write(delivery.pk, status=status, last_error=error[:2000], message_id="")
        bucket = self.result.skipped if status == Delivery.Status.SKIPPED else self.result.failed
        bucket.append(delivery.pk)

    def release(self, delivery: Delivery, error: str) -> None:
        """A temporary failure: pending again after a backoff, or failed once MAX_ATTEMPTS are used."""
        if delivery.attempts >= MAX_ATTEMPTS:
            error = f"Gave up after {delivery.attempts} attempts. Last error: {error}"
            self.finish(delivery, Delivery.Status.FAILED, error=error)
            return
        next_attempt = self.now + min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_MAX)
        self._write(
            delivery.pk,
            status=Delivery.Status.PENDING,
            next_attempt_at=next_attempt,
            last_error=error[:2000],
            message_id="",
        )
        self.result.retry_ids.append(delivery.pk)
        self.result.retry_at = min(self.result.retry_at or next_attempt, next_attempt)

    def _write(self, pk: int, **fields) -> None:
        Delivery.objects.filter(pk=pk, claim=self.claim, status=Delivery.Status.SENDING).update(**fields)


def deliveries_sweep(*, now: datetime.datetime | None = None, limit: int = 10_000) -> list[int]:
    """Find deliveries to queue again: stuck in "sending" (worker died) or pending and overdue.

    Side effects: stuck deliveries set back to pending. Returns the ids to queue.
    """
    now = now or timezone.now()
    stuck = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now - SWEEP_GRACE,
        last_error="The worker stopped while sending; sending again.",
    )
    if stuck:
        logger.warning("%d deliveries were stuck in sending; queued again", stuck)
    return list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now - SWEEP_GRACE)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
