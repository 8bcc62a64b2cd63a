"""Celery tasks of registrations: thin wrappers that take ids and call a service."""

import logging
from importlib import import_module

from celery import shared_task
from django.conf import settings

from registrations import services
from registrations.models import Municipality
from workshops import audit
from workshops.models import Workshop

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
def link_resend(workshop_id: int, municipality_id: int) -> bool:
    """The lost-link page's request: send the link if the municipality is registered (else nothing)."""
    workshop = Workshop.objects.get(pk=workshop_id)
    municipality = Municipality.objects.get(pk=municipality_id)
    return (
        services.registration_link_resend(workshop=workshop, municipality=municipality, actor=audit.PUBLIC) is not None
    )


def link_resend_queue(*, workshop_id: int, municipality_id: int) -> None:
    """Queue the lost-link request; the page answers the same whatever the worker then finds.

    The web request does exactly this, registered municipality or not, so its timing tells nothing: the
    lookup and the outbox write happen in the worker. A broker outage is logged, not raised: the page
    still answers as usual, and the contact person can ask again.
    """
    try:
        link_resend.apply_async(args=[workshop_id, municipality_id], retry=False)
    except Exception:  # kombu OperationalError, redis ConnectionError, OSError: any failure to publish
        logger.warning("Could not queue a lost-link request for workshop %s", workshop_id, exc_info=True)
