"""The delegation's secret link: sent again to the contact person, or replaced by a new one.

The link is /r/<access_id>/<token>/ (registrations/access.py). A new ``access_id`` and ``token`` make the old
link answer 404, and end every session grant of the old link too: a grant is kept by access_id.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from notifications import services as notify
from registrations.errors import RegistrationError
from registrations.models import LinkRequest, Municipality, Registration, new_access_id, new_token
from registrations.selectors import registration_active
from workshops.audit import Actor, log_action
from workshops.models import Workshop


def registration_link_resend(*, workshop: Workshop, municipality: Municipality, actor: Actor) -> Registration | None:
    """Send the link of the municipality's active registration for the workshop to its contact person again.

    Nothing happens when the municipality has no active registration (the caller answers the same either
    way). Side effects: a link-resend email to the contact person in the outbox (queued on commit); a
    "registration.link_resent" log entry. Returns the registration, or None.
    """
    with transaction.atomic():
        registration = registration_active(workshop=workshop, municipality=municipality)
        if registration is None:
            return None
        log_action(actor=actor, action="registration.link_resent", obj=registration, workshop_id=workshop.pk)
        notify.contact_link_resent(registration=registration)
    return registration


def link_request_create(*, workshop: Workshop, municipality: Municipality, actor: Actor) -> LinkRequest:
    """Record a request for the municipality's link, to be handled by the worker (``link_request_handle``).

    The same work whether or not the municipality is registered: the registration is not looked at here, so
    the request's answer and timing tell nobody who registered. The caller queues the handling; if the broker
    is down the row waits for ``link_requests_sweep``. Side effects: one LinkRequest row. (``actor`` is the
    public page's; nothing is logged until the link is sent.)
    """
    return LinkRequest.objects.create(workshop=workshop, municipality=municipality)


def link_request_handle(*, link_request_id: int, actor: Actor, now: datetime.datetime | None = None) -> bool:
    """Handle one waiting request: send the link if the municipality is registered (``registration_link_resend``).

    Once only: the row is locked and marked handled in the transaction that writes the email to the outbox,
    so a task delivered twice, or a task and the sweep at the same time, send one email. Returns whether a
    link was sent.
    """
    with transaction.atomic():
        request = (
            LinkRequest.objects.select_for_update(skip_locked=True)
            .select_related("workshop", "municipality")
            .filter(pk=link_request_id, handled_at__isnull=True)
            .first()
        )
        if request is None:  # handled already, or being handled right now
            return False
        registration = registration_link_resend(
            workshop=request.workshop, municipality=request.municipality, actor=actor
        )
        request.handled_at = now or timezone.now()
        request.save(update_fields=["handled_at"])
    return registration is not None


# A request's task normally runs within a second; older waiting rows never reached the broker.
LINK_REQUEST_GRACE = datetime.timedelta(minutes=2)
# Handled requests are kept this long (to see what was asked, and when), then deleted.
LINK_REQUEST_KEEP = datetime.timedelta(days=30)


def link_requests_sweep(*, actor: Actor, now: datetime.datetime | None = None) -> list[int]:
    """Handle the requests still waiting after ``LINK_REQUEST_GRACE`` (their task was lost: broker down),
    and delete handled ones older than ``LINK_REQUEST_KEEP``. Returns the ids handled."""
    now = now or timezone.now()
    waiting = list(
        LinkRequest.objects.filter(handled_at__isnull=True, requested_at__lte=now - LINK_REQUEST_GRACE)
        .order_by("requested_at")
        .values_list("pk", flat=True)[:1000]
    )
    for link_request_id in waiting:
        link_request_handle(link_request_id=link_request_id, actor=actor, now=now)
    LinkRequest.objects.filter(handled_at__lt=now - LINK_REQUEST_KEEP).delete()
    return waiting


def registration_link_rotate(*, registration: Registration, actor: Actor) -> Registration:
    """Give the delegation a new link: the old one answers 404 and its session grants end; the contact
    person gets the new one by email.

    Refused (RegistrationError) for a cancelled registration. Side effects: Registration.access_id and token
    replaced; a new-link email to the contact person in the outbox (queued on commit); a
    "registration.link_rotated" log entry (without the secret).
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        replace_link(registration)
        registration.save(update_fields=["access_id", "token", "updated_at"])
        log_action(
            actor=actor, action="registration.link_rotated", obj=registration, workshop_id=registration.workshop_id
        )
        notify.contact_link_replaced(registration=registration)
    return registration


def replace_link(registration: Registration) -> None:
    """A new id and secret on the instance (the caller saves it). Both change: an old session grant, kept by
    access_id, must not open the delegation any more."""
    registration.access_id = new_access_id()
    registration.token = new_token()
