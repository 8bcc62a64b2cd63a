"""Sending deliveries: claim, send over one SMTP connection per batch, record the outcome.

Failures are sorted by what the server said. 4xx replies, refused connections, timeouts and dropped
connections are temporary: the delivery goes back to pending with exponential backoff (1, 2, 4 … minutes,
at most an hour, MAX_ATTEMPTS in all). 5xx replies are permanent: the delivery is failed with the reply,
visible in the admin, and staff may retry it there.

Outcomes are written in groups (see Ledger): one transaction, and one UPDATE for all the sent rows, per
FLUSH_EVERY messages. A commit per message cost more than the SMTP exchange itself.
"""

import datetime
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db import transaction
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
# Outcomes are written after this many messages or this many seconds, whichever comes first. It bounds
# what a worker dying mid-batch can cause: at most this many accepted messages left in "sending", which
# the sweep sends again after STUCK_AFTER (the at-least-once case in docs/notifications.md).
FLUSH_EVERY = 20
FLUSH_SECONDS = 2.0


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
    # Prefetched, not joined: the hundred deliveries of a batch share one mailing (and a delegation's
    # deliveries one registration), so each is loaded and instantiated once, not once per row.
    claimed = (
        Delivery.objects.filter(pk__in=ids, claim=claim, status=Delivery.Status.SENDING)
        .select_related("participant")
        .prefetch_related(
            Prefetch("mailing", Mailing.objects.select_related("workshop", "session", "previous_session")),
            Prefetch("mailing__registration", _registrations()),
            Prefetch("registration", _registrations()),
        )
    )
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(claimed, key=lambda d: order.get(d.pk, 0))


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
    recipient is no longer eligible) or pending again with a later next_attempt_at; emails sent. The rows
    are written in groups of FLUSH_EVERY, each group in one transaction.
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
            ledger.write_if_due()
    finally:
        _close(connection)
        ledger.write()
    return result


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
        logger.warning("Delivery %s to %s: %s", delivery.pk, delivery.email, outcome.text)
        if outcome.temporary:
            ledger.release(delivery, outcome.text)
        else:
            ledger.finish(delivery, Delivery.Status.FAILED, error=outcome.text)
        if outcome.connection_lost or _dropped(connection):
            ledger.write()  # reconnecting may take EMAIL_TIMEOUT: do not hold the outcomes that long
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


class Ledger:
    """The outcomes of one batch, kept in memory and written in groups, each group in one transaction.

    Every write is conditional on our claim: a sweep that reset a stuck row meanwhile is not overwritten.
    The sent rows of a group take one UPDATE: their Message-ID was written by the claim, and sent_at is
    the moment the group is written (later than the server's reply by at most the group's sending time).
    Failed, skipped and retried rows, rarer and each with its own error text, take one UPDATE each and
    drop the Message-ID of the attempt.
    """

    def __init__(self, *, claim: str, now: datetime.datetime, result: BatchResult):
        self.claim = claim
        self.now = now
        self.result = result
        self.sent_ids: list[int] = []
        self.other_rows: list[tuple[int, dict]] = []
        self.oldest: float | None = None  # time.monotonic() of the oldest outcome not written yet

    def sent(self, delivery: Delivery) -> None:
        self._note()
        self.sent_ids.append(delivery.pk)
        self.result.sent.append(delivery.pk)

    def finish(self, delivery: Delivery, status: str, *, error: str) -> None:
        self._note()
        self.other_rows.append((delivery.pk, {"status": status, "last_error": error[:2000], "message_id": ""}))
        bucket = self.result.skipped if status == Delivery.Status.SKIPPED else self.result.failed
        bucket.append(delivery.pk)

    def release(self, delivery: Delivery, error: str) -> None:
        """A temporary failure: pending again after a backoff, or failed once MAX_ATTEMPTS are used."""
        if delivery.attempts >= MAX_ATTEMPTS:
            error = f"Gave up after {delivery.attempts} attempts. Last error: {error}"
            self.finish(delivery, Delivery.Status.FAILED, error=error)
            return
        self._note()
        next_attempt = self.now + min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_MAX)
        fields = {"status": Delivery.Status.PENDING, "next_attempt_at": next_attempt}
        self.other_rows.append((delivery.pk, {**fields, "last_error": error[:2000], "message_id": ""}))
        self.result.retry_ids.append(delivery.pk)
        self.result.retry_at = min(self.result.retry_at or next_attempt, next_attempt)

    def write_if_due(self) -> None:
        waiting = len(self.sent_ids) + len(self.other_rows)
        if waiting >= FLUSH_EVERY or (self.oldest is not None and time.monotonic() - self.oldest >= FLUSH_SECONDS):
            self.write()

    def write(self) -> None:
        if self.oldest is None:
            return
        mine = Delivery.objects.filter(claim=self.claim, status=Delivery.Status.SENDING)
        with transaction.atomic():
            if self.sent_ids:
                mine.filter(pk__in=self.sent_ids).update(
                    status=Delivery.Status.SENT, last_error="", sent_at=timezone.now()
                )
            for pk, fields in self.other_rows:
                mine.filter(pk=pk).update(**fields)
        self.sent_ids, self.other_rows, self.oldest = [], [], None

    def _note(self) -> None:
        if self.oldest is None:
            self.oldest = time.monotonic()


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
