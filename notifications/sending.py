"""Sending deliveries: claim, send over one SMTP connection per batch, record the outcome.

Failures are sorted by what the server said. 4xx replies, refused connections, timeouts and dropped
connections are temporary: the delivery goes back to pending with exponential backoff (1, 2, 4 … minutes,
at most an hour, MAX_ATTEMPTS in all). 5xx replies are permanent: the delivery is failed with the reply,
visible in the admin, and staff may retry it there.
"""

import datetime
import logging
import smtplib
import uuid
from dataclasses import dataclass, field

from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone

from notifications import messages
from notifications.models import Delivery

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
    ).update(status=Delivery.Status.SENDING, claim=claim, claimed_at=now, attempts=F("attempts") + 1)
    claimed = Delivery.objects.filter(pk__in=ids, claim=claim, status=Delivery.Status.SENDING).select_related(
        "mailing__workshop",
        "mailing__session",
        "mailing__previous_session",
        "mailing__registration",
        "registration__municipality",
        "registration__session",
        "participant",
    )
    order = {pk: i for i, pk in enumerate(ids)}
    return sorted(claimed, key=lambda d: order.get(d.pk, 0))


def deliveries_send(*, ids: list[int], now: datetime.datetime | None = None) -> BatchResult:
    """Claim and send a batch of deliveries over one connection of the configured email backend.

    Side effects: each claimed Delivery ends sent (sent_at, message_id), failed (last_error), skipped (the
    recipient is no longer eligible) or pending again with a later next_attempt_at; emails sent.
    """
    now = now or timezone.now()
    result = BatchResult()
    claimed = deliveries_claim(ids=ids, now=now)
    if not claimed:
        return result
    plans = messages.messages_for(claimed, now=now)
    connection = get_connection()
    connection_error = _open(connection)
    try:
        for delivery in claimed:
            plan = plans[delivery.pk]
            if plan.skip_reason:
                _finish(delivery, Delivery.Status.SKIPPED, result.skipped, error=plan.skip_reason)
                continue
            if plan.error:
                _finish(delivery, Delivery.Status.FAILED, result.failed, error=plan.error)
                continue
            if connection_error:
                _release(delivery, connection_error, now, result)
                continue
            try:
                connection.send_messages([plan.message])
            except Exception as exc:  # SMTP, socket and anything the backend raises for this one message
                outcome = classify(exc, delivery.email)
                logger.warning("Delivery %s to %s: %s", delivery.pk, delivery.email, outcome.text)
                if outcome.temporary:
                    _release(delivery, outcome.text, now, result)
                else:
                    _finish(delivery, Delivery.Status.FAILED, result.failed, error=outcome.text)
                if outcome.connection_lost or _dropped(connection):
                    _close(connection)
                    connection_error = _open(connection)
                continue
            _finish(delivery, Delivery.Status.SENT, result.sent, sent_at=timezone.now(), message_id=plan.message_id)
    finally:
        _close(connection)
    return result


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


def _finish(delivery: Delivery, status: str, bucket: list[int], *, error: str = "", **fields) -> None:
    # Conditional on our claim: a sweep that reset a stuck row meanwhile must not be overwritten.
    Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim, status=Delivery.Status.SENDING).update(
        status=status, last_error=error[:2000], **fields
    )
    bucket.append(delivery.pk)


def _release(delivery: Delivery, error: str, now: datetime.datetime, result: BatchResult) -> None:
    if delivery.attempts >= MAX_ATTEMPTS:
        _finish(
            delivery,
            Delivery.Status.FAILED,
            result.failed,
            error=f"Gave up after {delivery.attempts} attempts. Last error: {error}",
        )
        return
    delay = min(RETRY_BASE * 2 ** (delivery.attempts - 1), RETRY_MAX)
    next_attempt = now + delay
    Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING, last_error=error[:2000], next_attempt_at=next_attempt
    )
    result.retry_ids.append(delivery.pk)
    result.retry_at = min(result.retry_at or next_attempt, next_attempt)


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
