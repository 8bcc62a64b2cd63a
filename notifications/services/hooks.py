"""The outbox hooks that registrations services call inside their transaction (transactional outbox).

The Mailing and Delivery rows commit or roll back with the registration change, and the task that sends them
is queued with ``transaction.on_commit``. If the broker is down at that moment nothing is lost: the rows stay
pending and the periodic sweep queues them again.
"""

import logging
from collections.abc import Sequence

from django.utils import timezone

from notifications import scheduling, selectors, tasks
from notifications.models import Mailing
from registrations.models import Participant, Registration
from workshops.models import Session

logger = logging.getLogger(__name__)

# --- Hooks called by registrations.services -------------------------------------------------


def registration_confirmed(*, registration: Registration, participants: Sequence[Participant] | None = None) -> None:
    """A new delegation was saved (confirmed or on the waiting list).

    ``participants``: the rows just written, when the caller has them (saves reading them again).
    Side effects: a confirmation Mailing for the registration and one Delivery per address (contact person
    and participants); deliveries of workshop mailings already sent (catch-up); sending queued on commit.
    """
    mailing = registration_mailing(registration=registration, kind=Mailing.Kind.CONFIRMATION)
    recipients = selectors.registration_recipients(registration=registration, participants=participants)
    # A mailing created a moment ago has no deliveries yet: nothing to de-duplicate against.
    _deliver(mailing=mailing, registration=registration, recipients=recipients, fresh=True)


def participants_added(*, registration: Registration, participants: Sequence[Participant]) -> None:
    """Participants joined an existing delegation.

    Side effects: Deliveries of the delegation's confirmation Mailing for the new addresses only (the
    others already have theirs); catch-up deliveries of workshop mailings already sent; queued on commit.
    """
    mailing = Mailing.objects.filter(registration=registration, kind=Mailing.Kind.CONFIRMATION).order_by(
        "pk"
    ).first() or registration_mailing(registration=registration, kind=Mailing.Kind.CONFIRMATION)
    people = [r for r in selectors.registration_recipients(registration=registration) if r.participant in participants]
    _deliver(mailing=mailing, registration=registration, recipients=people)


def session_changed(*, registration: Registration, previous_session: Session | None) -> None:
    """A delegation got a seat from the waiting list (previous_session None) or was moved by staff.

    Side effects: a session-change Mailing (new session, previous session) with one Delivery per address;
    catch-up of workshop mailings for the new session (e.g. a reminder already sent); queued on commit.
    """
    mailing = registration_mailing(
        registration=registration, kind=Mailing.Kind.SESSION_CHANGE, previous_session=previous_session
    )
    _deliver(mailing=mailing, registration=registration)


def registration_cancelled(*, registration: Registration, previous_session: Session | None) -> None:
    """A delegation was cancelled; ``previous_session`` is the session it had (None when it was waiting).

    Side effects: a cancellation Mailing with one Delivery per address, queued on commit. Pending
    deliveries of workshop mailings to the delegation are skipped when their turn comes (never sent).
    """
    mailing = registration_mailing(
        registration=registration, kind=Mailing.Kind.CANCELLATION, previous_session=previous_session
    )
    _deliver(mailing=mailing, registration=registration, catch_up=False)


def contact_link_resent(*, registration: Registration) -> None:
    """The contact person asked for the delegation's link again (the lost-link page).

    Side effects: a link-resend Mailing with one Delivery, to the contact person only; queued on commit.
    The link is put in when it is sent, and only if the address is still the contact person's then.
    """
    _to_contact(registration=registration, kind=Mailing.Kind.LINK_RESEND)


def contact_link_replaced(*, registration: Registration) -> None:
    """The delegation got a new link (staff rotated it, or gave the registration to a new contact person).

    Side effects: a new-link Mailing with one Delivery, to the (new) contact person only; queued on commit.
    """
    _to_contact(registration=registration, kind=Mailing.Kind.LINK_NEW)


def contact_dispute_noticed(*, registration: Registration) -> None:
    """Someone said the municipality did not register this delegation: the contact person is told.

    The email names neither the reporter nor their address. Side effects: a dispute-notice Mailing with one
    Delivery, to the contact person only; queued on commit.
    """
    _to_contact(registration=registration, kind=Mailing.Kind.DISPUTE_NOTICE)


def contact_replaced(*, registration: Registration, name: str, email: str) -> None:
    """Staff gave the registration to a new contact person: the previous one (`name`, `email`) is told.

    Side effects: a contact-replaced Mailing with one Delivery to the previous address; queued on commit.
    """
    _to_contact(registration=registration, kind=Mailing.Kind.CONTACT_REPLACED, name=name, email=email)


def _to_contact(*, registration: Registration, kind: str, name: str | None = None, email: str | None = None) -> None:
    recipient = selectors.Recipient(
        email=(email or registration.contact_email).strip(),
        name=name if name is not None else registration.contact_name,
        registration=registration,
        participant=None,
        language=registration.language,
    )
    mailing = registration_mailing(registration=registration, kind=kind)
    _deliver(mailing=mailing, registration=registration, recipients=[recipient], catch_up=False, fresh=True)


def participants_removed(*, registration: Registration, people: Sequence[tuple[str, str]]) -> None:
    """People (name, email) left a delegation that goes on: each gets a short notice, and nothing more.

    Side effects: a participant-removed Mailing with one Delivery per address, queued on commit (no
    catch-up). Their pending deliveries of other mailings are skipped when their turn comes
    (selectors.deliveries_eligibility: the address is no longer in the delegation).
    """
    mailing = registration_mailing(registration=registration, kind=Mailing.Kind.PARTICIPANT_REMOVED)
    recipients = [_outsider(registration, name, email) for name, email in people]
    _deliver(mailing=mailing, registration=registration, recipients=recipients, catch_up=False, fresh=True)


def contact_changed(*, registration: Registration, previous_name: str, previous_email: str) -> None:
    """The delegation has a new contact person (``registration.contact_*``), at another address.

    Side effects: a contact-changed Mailing with two Deliveries, queued on commit: the new contact person
    gets the self-service link, the previous one a short notice without it (the email is built for the
    address that is the contact person when it is sent, so only the current one ever gets the link).
    """
    mailing = registration_mailing(registration=registration, kind=Mailing.Kind.CONTACT_CHANGED)
    current = selectors.registration_recipients(registration=registration)[0]  # the contact person comes first
    recipients = [current, _outsider(registration, previous_name, previous_email)]
    _deliver(mailing=mailing, registration=registration, recipients=recipients, catch_up=False, fresh=True)


def _outsider(registration: Registration, name: str, email: str) -> selectors.Recipient:
    """Someone the delegation had and no longer has: addressed in the delegation's language."""
    return selectors.Recipient(
        email=email.strip(), name=name, registration=registration, participant=None, language=registration.language
    )


def registration_mailing(
    *, registration: Registration, kind: str, previous_session: Session | None = None, created_by=None
) -> Mailing:
    now = timezone.now()
    return Mailing.objects.create(
        workshop_id=registration.workshop_id,
        kind=kind,
        registration=registration,
        session=registration.session,
        previous_session=previous_session,
        scheduled_for=now,
        released_at=now,
        created_by=created_by,
    )


def _deliver(
    *,
    mailing: Mailing,
    registration: Registration,
    recipients: Sequence[selectors.Recipient] | None = None,
    catch_up: bool = True,
    fresh: bool = False,
) -> None:
    now = timezone.now()
    if recipients is None:
        recipients = selectors.registration_recipients(registration=registration)
    ids = scheduling.deliveries_create(mailing=mailing, recipients=recipients, now=now, fresh=fresh)
    if catch_up:
        ids += scheduling.deliveries_catch_up(
            registration_id=registration.pk, workshop_id=registration.workshop_id, now=now
        )
    tasks.queue_on_commit(ids)
