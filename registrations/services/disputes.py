"""«We did not register this»: a dispute about who registered a delegation, and how staff settle it.

Someone from the municipality reports on the public page that the municipality did not register the
delegation. The contact person is told (without the reporter's name or address); staff see the dispute on
the registration and in the workshop's overview, and either give the registration to the reporter as its new
contact person (a new link: the old one stops working) or dismiss the dispute.
"""

from django.db import transaction
from django.utils import timezone

from notifications import services as notify
from registrations.errors import RegistrationError
from registrations.models import Dispute, Registration
from registrations.services.links import replace_link
from registrations.services.seats import REGISTRATION_FIELDS
from workshops.audit import Actor, changes, log_action, snapshot


def dispute_create(*, registration: Registration, name: str, email: str, note: str, actor: Actor) -> Dispute:
    """Record that `name` (`email`) says the municipality did not register this delegation.

    Refused (RegistrationError) for a cancelled registration. The contact person is told only about the
    first open dispute: more reports on the same registration do not flood their inbox.
    Side effects: a Dispute row; a dispute-notice email to the contact person in the outbox when no other
    dispute was open (queued on commit); a "registration.disputed" log entry.
    """
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        already_open = registration.disputes.filter(status=Dispute.Status.OPEN).exists()
        dispute = Dispute.objects.create(
            registration=registration, name=name.strip(), email=email.strip(), note=note.strip()
        )
        log_action(
            actor=actor,
            action="registration.disputed",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={"dispute": dispute.pk, "name": dispute.name, "email": dispute.email},
        )
        if not already_open:
            notify.contact_dispute_noticed(registration=registration)
    return dispute


def dispute_transfer(*, dispute: Dispute, actor: Actor) -> Registration:
    """Make the reporter the registration's contact person, with a new link; the previous link stops working.

    Refused (RegistrationError) when the dispute is no longer open or the registration is cancelled.
    Side effects: the Registration's contact person (name, email; the phone cleared), access_id and token
    replaced; the Dispute marked transferred (by, at); the new contact person gets the link and the previous
    one is told, both through the outbox (queued on commit); a "registration.contact_transferred" log entry
    with before and after (never the secret).
    """
    with transaction.atomic():
        dispute, registration = _lock(dispute)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        before = snapshot(registration, REGISTRATION_FIELDS)
        previous_name, previous_email = registration.contact_name, registration.contact_email
        registration.contact_name = dispute.name
        registration.contact_email = dispute.email
        registration.contact_phone = ""
        replace_link(registration)
        registration.save(
            update_fields=["contact_name", "contact_email", "contact_phone", "access_id", "token", "updated_at"]
        )
        _resolve(dispute, Dispute.Status.TRANSFERRED, actor)
        log_action(
            actor=actor,
            action="registration.contact_transferred",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={
                "dispute": dispute.pk,
                "changes": changes(before, snapshot(registration, REGISTRATION_FIELDS)),
                "link_replaced": True,
            },
        )
        notify.contact_link_replaced(registration=registration)
        if previous_email.strip().lower() != registration.contact_email.strip().lower():
            notify.contact_replaced(registration=registration, name=previous_name, email=previous_email)
    return registration


def dispute_dismiss(*, dispute: Dispute, actor: Actor) -> Dispute:
    """Staff found the registration right: the dispute is closed and the registration stays as it is.

    Refused (RegistrationError) when the dispute is no longer open. Side effects: the Dispute marked dismissed
    (by, at); a "registration.dispute_dismissed" log entry. No email.
    """
    with transaction.atomic():
        dispute, registration = _lock(dispute)
        _resolve(dispute, Dispute.Status.DISMISSED, actor)
        log_action(
            actor=actor,
            action="registration.dispute_dismissed",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={"dispute": dispute.pk},
        )
    return dispute


def _lock(dispute: Dispute) -> tuple[Dispute, Registration]:
    """The registration and the dispute, locked in that order, and the dispute still open."""
    registration = Registration.objects.select_for_update().get(pk=dispute.registration_id)
    dispute = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != Dispute.Status.OPEN:
        raise RegistrationError("dispute_resolved")
    return dispute, registration


def _resolve(dispute: Dispute, status: str, actor: Actor) -> None:
    dispute.status = status
    dispute.resolved_by = actor.user if actor.is_staff else None
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolved_by", "resolved_at"])
