"""The delegation's secret link: sent again to the contact person, or replaced by a new one.

The link is /r/<access_id>/<token>/ (registrations/access.py). A new ``access_id`` and ``token`` make the old
link answer 404, and end every session grant of the old link too: a grant is kept by access_id.
"""

from django.db import transaction

from notifications import services as notify
from registrations.errors import RegistrationError
from registrations.models import Municipality, Registration, new_access_id, new_token
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
