"""Celery tasks: thin wrappers that take ids, call a service, and retry on temporary failures.

Every task can run twice (acks_late, a redelivered message, the sweep queueing a pending row again):
a delivery is sent only by the worker whose conditional UPDATE claimed it.
"""

import logging
from collections.abc import Sequence
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import scheduling, sending

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_deliveries(self, delivery_ids: list[int]) -> dict:
    """Send these deliveries over one SMTP connection; retry the temporarily failed ones later."""
    result = sending.deliveries_send(ids=delivery_ids)
    if result.retry_ids:
        countdown = max(1, int((result.retry_at - timezone.now()).total_seconds()) + 1)
        raise self.retry(args=[result.retry_ids], countdown=countdown)
    return result.summary()


@shared_task(acks_late=True)
def release_due_mailings() -> int:
    """Beat: create the deliveries of scheduled mailings whose time has come (and catch-up ones)."""
    ids = scheduling.mailings_release_due()
    queue(ids)
    return len(ids)


@shared_task(acks_late=True)
def remind_approvals() -> int:
    """Beat: tell the organisers' address about scheduled mailings due within two days and not approved."""
    from notifications import services  # services import this module (queue_on_commit)

    return len(services.mailings_approval_remind())


@shared_task(acks_late=True)
def sweep_deliveries() -> int:
    """Beat: queue deliveries that were never picked up (broker was down) or whose worker died."""
    ids = sending.deliveries_sweep()
    queue(ids)
    return len(ids)


def queue(delivery_ids: Sequence[int]) -> None:
    """Queue `send_deliveries` in batches of EMAIL_BATCH_SIZE.

    A broker outage is logged, not raised: the rows are committed and pending, and the sweep queues them
    again within a few minutes. Raising here would turn a saved registration into an error page.
    """
    ids = list(delivery_ids)
    size = max(1, settings.EMAIL_BATCH_SIZE)
    for start in range(0, len(ids), size):
        batch = ids[start : start + size]
        try:
            send_deliveries.apply_async(args=[batch], retry=False)
        except Exception:  # kombu OperationalError, redis ConnectionError, OSError: any failure to publish
            logger.warning(
                "Could not queue %d deliveries (%s…); the sweep will send them later.",
                len(batch),
                batch[:5],
                exc_info=True,
            )


def queue_on_commit(delivery_ids: Sequence[int]) -> None:
    """Queue the deliveries once the current transaction commits (so the worker sees the rows)."""
    if delivery_ids:
        transaction.on_commit(partial(queue, list(delivery_ids)), robust=True)
