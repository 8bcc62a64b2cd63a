"""Celery tasks of registrations: thin wrappers that take ids and call a service."""

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings

from registrations import services
from workshops import audit

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def anonymise_past_workshops() -> int:
    """Beat, daily: anonymise the personal data of every workshop past its retention period.

    Safe to run twice: a workshop is anonymised once (``workshop_anonymise`` is idempotent)."""
    workshops = services.workshops_anonymise_due()
    for workshop in workshops:
        logger.info("Workshop %s: personal data anonymised (retention period over)", workshop.pk)
    return len(workshops)


@shared_task(acks_late=True)
def clear_expired_sessions() -> None:
    """Beat, daily: delete expired sessions (Django's ``clearsessions``): they hold the delegations a visitor
    opened through a secret link, and would otherwise stay in the database for ever."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task(acks_late=True)
def link_request_handle(link_request_id: int) -> bool:
    """A lost-link request: send the link if the municipality is registered (else nothing). Once only."""
    return services.link_request_handle(link_request_id=link_request_id, actor=audit.PUBLIC)


def link_request_queue(link_request_id: int) -> None:
    """Queue the handling of a lost-link request; the page answers the same whatever the worker then finds.

    A broker outage is logged, not raised: the page still answers as usual, and the request (a row) is
    handled by ``sweep_link_requests`` once the broker is back.
    """
    try:
        link_request_handle.apply_async(args=[link_request_id], retry=False)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError: any failure to publish
        logger.warning("Could not queue lost-link request %s; the sweep will handle it", link_request_id, exc_info=True)


@shared_task(acks_late=True)
def sweep_link_requests() -> int:
    """Beat, every tick: lost-link requests whose task never reached the broker are handled (see the service)."""
    return len(services.link_requests_sweep(actor=audit.PUBLIC))
