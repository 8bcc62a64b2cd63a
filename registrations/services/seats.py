"""Seats: the session locks every writer of a workshop's registrations takes, the count of seats taken, the
choice of a session for a whole delegation and the waiting list that moves up when seats free."""

import functools
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Count

from notifications import services as notify
from registrations.models import Registration
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.models import Session, Workshop

# What the record of who did what keeps of a registration and a participant.
REGISTRATION_FIELDS = ("status", "session", "preferred_session", "contact_name", "contact_email", "contact_phone")
PARTICIPANT_FIELDS = ("name", "email", "phone", "role", "title")


def lock_sessions(workshop: Workshop) -> list[Session]:
    """Lock the workshop's session rows for the rest of the transaction, in a fixed order (no deadlocks).

    Every writer of a registration passes here, so the statement is written out rather than compiled by the
    ORM on each call (a third of a millisecond less on the registration hot path). PostgreSQL returns the
    rows as committed by whoever held the lock before: capacity and openness are read fresh.
    """
    return list(Session.objects.raw(_lock_sql(), [workshop.pk]))


def seats_in(sessions: Sequence[Session]) -> dict[int, int]:
    """{session id: seats taken}, counted in a statement of its own after the locks are held.

    The same definition of a taken seat as ``registrations.selectors.sessions_annotate_seats`` (the pages'
    count; a test holds the two equal), written out for the hot path. Not in the locking statement:
    PostgreSQL would count with the snapshot taken before the wait for the lock.
    """
    if not sessions:
        return {}
    ids = [s.pk for s in sessions]
    taken = dict.fromkeys(ids, 0)
    with connection.cursor() as cursor:
        cursor.execute(_seats_sql(len(ids)), [Registration.Status.CONFIRMED, *ids])
        taken.update(cursor.fetchall())
    return taken


def municipality_has_registration(*, workshop: Workshop, municipality_id: int) -> bool:
    """Whether the municipality has a confirmed or waiting delegation for the workshop (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM registrations_registration"
            " WHERE workshop_id = %s AND municipality_id = %s AND status <> %s LIMIT 1",
            [workshop.pk, municipality_id, Registration.Status.CANCELLED],
        )
        return cursor.fetchone() is not None


@functools.cache
def _lock_sql() -> str:
    sql = "SELECT * FROM workshops_session WHERE workshop_id = %s ORDER BY id"
    return f"{sql} FOR UPDATE" if connection.features.has_select_for_update else sql


@functools.cache
def _seats_sql(count: int) -> str:
    marks = ", ".join(["%s"] * count)  # placeholders only: the values are parameters
    where = f"r.status = %s AND r.session_id IN ({marks})"
    return f"{_SEATS_FROM} WHERE {where} GROUP BY r.session_id"  # noqa: S608 (placeholders only)


_SEATS_FROM = (
    "SELECT r.session_id, COUNT(p.id) FROM registrations_registration r"
    " JOIN registrations_participant p ON p.registration_id = r.id"
)


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
