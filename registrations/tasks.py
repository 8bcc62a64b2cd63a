"""Celery tasks of registrations: thin wrappers around services."""

import logging

from celery import shared_task

from registrations import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def anonymise_past_workshops() -> int:
    """Beat, daily: anonymise the personal data of every workshop past its retention period.

    Safe to run twice: a workshop is anonymised once (``workshop_anonymise`` is idempotent)."""
    workshops = services.workshops_anonymise_due()
    for workshop in workshops:
        logger.info("Workshop %s: personal data anonymised (retention period over)", workshop.pk)
    return len(workshops)
