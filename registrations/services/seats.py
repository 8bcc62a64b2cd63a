"""Seats: the session locks every writer of a workshop's registrations takes, the count of seats taken, the
choice of a session for a whole delegation and the waiting list that moves up when seats free."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count

from notifications import services as notify
from registrations.models import Registration
from registrations.selectors import seats_taken
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.models import Session, Workshop

# What the record of who did what keeps of a registration and a participant.
REGISTRATION_FIELDS = ("status", "session", "preferred_session", "contact_name", "contact_email", "contact_phone")
PARTICIPANT_FIELDS = ("name", "email", "phone", "role", "title")


def lock_sessions(workshop: Workshop) -> list[Session]:
    """Lock the workshop's session rows for the rest of the transaction, in a fixed order (no deadlocks)."""
    return list(Session.objects.select_for_update().filter(workshop=workshop).order_by("pk"))


def seats_in(sessions: Sequence[Session]) -> dict[int, int]:
    # Counted by the selector that the pages use too: one definition of a taken seat.
    return seats_taken(session_ids=[s.pk for s in sessions])


def choose_session(
    sessions: Sequence[Session], taken: dict[int, int], size: int, preferred: Session | None
) -> Session | None:
    """The session a delegation of `size` goes to, or None for the waiting list.

    Main sessions first (in time order), then open overflow sessions; a stated preference wins when that
    session is open and has room. A delegation is never split.
    """
    candidates = sorted(
        (s for s in sessions if s.is_open), key=lambda s: (s.kind != Session.Kind.MAIN, s.starts_at, s.pk)
    )
    if preferred is not None:
        candidates.sort(key=lambda s: s.pk != preferred.pk)
    for session in candidates:
        if taken[session.pk] + size <= session.capacity:
            return session
    return None


def assign(registration: Registration, session: Session) -> None:
    registration.session = session
    registration.status = Registration.Status.CONFIRMED
    registration.save(update_fields=["session", "status", "updated_at"])


def log_registration_change(actor: Actor, action: str, registration: Registration, before: dict) -> None:
    after = snapshot(registration, REGISTRATION_FIELDS)
    log_action(
        actor=actor,
        action=action,
        obj=registration,
        workshop_id=registration.workshop_id,
        data={"changes": changes(before, after)},
    )


def waitlist_promote(*, workshop: Workshop, actor: Actor) -> list[Registration]:
    """Give free seats to waiting delegations (after a new session was added, for instance)."""
    with transaction.atomic():
        return waitlist_promote_locked(workshop, lock_sessions(workshop), actor=actor)


def waitlist_plan(workshop: Workshop, sessions: list[Session]) -> list[tuple[Registration, Session]]:
    """Which waiting delegation would get a seat where, in registration order, each only whole."""
    waiting = list(
        Registration.objects.filter(workshop=workshop, status=Registration.Status.WAITLISTED)
        .annotate(size=Count("participants"))
        .order_by("created_at", "pk")
    )
    if not waiting:
        return []
    taken = seats_in(sessions)
    by_pk = {s.pk: s for s in sessions}
    plan = []
    for registration in waiting:
        session = choose_session(sessions, taken, registration.size, by_pk.get(registration.preferred_session_id))
        if session is None:
            continue
        taken[session.pk] += registration.size
        plan.append((registration, session))
    return plan


def waitlist_promote_locked(workshop: Workshop, sessions: list[Session], *, actor: Actor) -> list[Registration]:
    # No row lock needed here: every writer of this workshop's registrations holds its session locks.
    promoted = []
    for registration, session in waitlist_plan(workshop, sessions):
        before = snapshot(registration, REGISTRATION_FIELDS)
        assign(registration, session)
        log_registration_change(actor, "registration.promoted", registration, before)
        notify.session_changed(registration=registration, previous_session=None)
        promoted.append(registration)
    return promoted
