"""Writes on the notifications outbox.

The four hooks at the top are called by registrations services inside their transaction (transactional
outbox): the Mailing and Delivery rows commit or roll back with the registration change, and the task that
sends them is queued with ``transaction.on_commit``. If the broker is down at that moment nothing is lost:
the rows stay pending and the periodic sweep queues them again.
"""

import datetime
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from notifications import scheduling, selectors, tasks
from notifications.models import Delivery, Mailing
from registrations.models import Participant, Registration
from workshops.models import Session, Workshop

# --- Hooks called by registrations.services -------------------------------------------------


def registration_confirmed(*, registration: Registration, participants: Sequence[Participant] | None = None) -> None:
    """A new delegation was saved (confirmed or on the waiting list).

    ``participants``: the rows just written, when the caller has them (saves reading them again).
    Side effects: a confirmation Mailing for the registration and one Delivery per address (contact person
    and participants); deliveries of workshop mailings already sent (catch-up); sending queued on commit.
    """
    mailing = _registration_mailing(registration=registration, kind=Mailing.Kind.CONFIRMATION)
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
    ).first() or _registration_mailing(registration=registration, kind=Mailing.Kind.CONFIRMATION)
    people = [r for r in selectors.registration_recipients(registration=registration) if r.participant in participants]
    _deliver(mailing=mailing, registration=registration, recipients=people)


def session_changed(*, registration: Registration, previous_session: Session | None) -> None:
    """A delegation got a seat from the waiting list (previous_session None) or was moved by staff.

    Side effects: a session-change Mailing (new session, previous session) with one Delivery per address;
    catch-up of workshop mailings for the new session (e.g. a reminder already sent); queued on commit.
    """
    mailing = _registration_mailing(
        registration=registration, kind=Mailing.Kind.SESSION_CHANGE, previous_session=previous_session
    )
    _deliver(mailing=mailing, registration=registration)


def registration_cancelled(*, registration: Registration, previous_session: Session | None) -> None:
    """A delegation was cancelled; ``previous_session`` is the session it had (None when it was waiting).

    Side effects: a cancellation Mailing with one Delivery per address, queued on commit. Pending
    deliveries of workshop mailings to the delegation are skipped when their turn comes (never sent).
    """
    mailing = _registration_mailing(
        registration=registration, kind=Mailing.Kind.CANCELLATION, previous_session=previous_session
    )
    _deliver(mailing=mailing, registration=registration, catch_up=False)


def _registration_mailing(*, registration: Registration, kind: str, previous_session: Session | None = None) -> Mailing:
    now = timezone.now()
    return Mailing.objects.create(
        workshop_id=registration.workshop_id,
        kind=kind,
        registration=registration,
        session=registration.session,
        previous_session=previous_session,
        scheduled_for=now,
        released_at=now,
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


# --- Staff actions (admin) ------------------------------------------------------------------


def mailing_create_custom(
    *, workshop: Workshop, subject: str, body: str, session: Session | None = None, created_by=None
) -> Mailing:
    """A draft message from the organisers (sent by ``mailing_send_now``). Side effects: a Mailing row."""
    return Mailing.objects.create(
        workshop=workshop, session=session, kind=Mailing.Kind.CUSTOM, subject=subject, body=body, created_by=created_by
    )


def mailing_send_now(*, mailing: Mailing, now: datetime.datetime | None = None) -> list[int]:
    """Send a message from the organisers (or a scheduled mailing early) to its audience now.

    Side effects: Mailing.scheduled_for set to now when later or empty; Deliveries created for its audience;
    sending queued on commit. Later additions to the audience get it on the next beat tick (catch-up).
    """
    if mailing.is_about_registration:
        raise ValueError("registration mailings are sent by their hooks")
    now = now or timezone.now()
    with transaction.atomic():
        if mailing.scheduled_for is None or mailing.scheduled_for > now:
            mailing.scheduled_for = now
            mailing.save(update_fields=["scheduled_for"])
        ids = scheduling.mailing_release(mailing=mailing, now=now)
        tasks.queue_on_commit(ids)
    return ids


def deliveries_retry(*, deliveries, now: datetime.datetime | None = None) -> list[int]:
    """Give failed (and skipped) deliveries a fresh start: pending, no attempts, due now.

    Side effects: the Delivery rows reset; sending queued on commit. Returns the ids reset.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            deliveries.filter(status__in=[Delivery.Status.FAILED, Delivery.Status.SKIPPED]).values_list("pk", flat=True)
        )
        Delivery.objects.filter(pk__in=ids, status__in=[Delivery.Status.FAILED, Delivery.Status.SKIPPED]).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claim=""
        )
        tasks.queue_on_commit(ids)
    return ids
