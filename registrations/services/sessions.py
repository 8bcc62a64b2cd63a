"""Writes on sessions: open, close, create, change (capacity), delete; and the waiting list after them."""

from django.db import transaction

from registrations.errors import RegistrationError
from registrations.models import Registration
from registrations.services.seats import (
    lock_sessions,
    seats_in,
    waitlist_plan,
    waitlist_promote_locked,
)
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.models import Session, Workshop


def session_open(*, session: Session, actor: Actor) -> list[Registration]:
    """Open a session (typically the overflow) and give its seats to the waiting list.

    Waiting delegations move in registration order, each only if it fits whole; one that does not fit is
    passed over for the next (it keeps its place for later). Returns the promoted registrations.
    Side effects: Session.is_open set; promoted Registrations confirmed; session-change emails in the outbox;
    "session.opened" and one "registration.promoted" log entry per moved delegation.
    """
    with transaction.atomic():
        sessions = lock_sessions(session.workshop)
        locked = next(s for s in sessions if s.pk == session.pk)
        if not locked.is_open:
            locked.is_open = True
            locked.save(update_fields=["is_open"])
            log_action(actor=actor, action="session.opened", obj=locked, workshop_id=locked.workshop_id)
        session.is_open = True
        return waitlist_promote_locked(session.workshop, sessions, actor=actor)


def session_open_preview(*, session: Session) -> list[Registration]:
    """The delegations that opening `session` would move from the waiting list now (nothing is written)."""
    sessions = list(Session.objects.filter(workshop_id=session.workshop_id).order_by("pk"))
    for each in sessions:
        if each.pk == session.pk:
            each.is_open = True
    return [registration for registration, _session in waitlist_plan(session.workshop, sessions)]


def session_close(*, session: Session, actor: Actor) -> None:
    """Close a session to new registrations; its delegations keep their seats. Side effects: a log entry."""
    with transaction.atomic():
        changed = Session.objects.filter(pk=session.pk, is_open=True).update(is_open=False)
        if changed:
            log_action(actor=actor, action="session.closed", obj=session, workshop_id=session.workshop_id)
    session.is_open = False


def session_check_capacity(*, session: Session, capacity: int) -> None:
    """A session's capacity may not go below the seats its confirmed delegations take."""
    if session.pk is None:
        return
    taken = seats_in([session])[session.pk]
    if capacity < taken:
        raise RegistrationError("capacity_below_taken", field="capacity", taken=taken, capacity=capacity)


def session_create(*, workshop: Workshop, actor: Actor, **values) -> tuple[Session, list[Registration]]:
    """Add a session to a workshop. An open one with seats takes delegations from the waiting list.

    Returns the session and the promoted registrations. Side effects: a Session row; "session.created"
    log entry; promotions as in session_open.
    """
    with transaction.atomic():
        sessions = lock_sessions(workshop)
        session = Session(workshop=workshop, **values)
        session.full_clean()
        session.save()
        log_action(
            actor=actor,
            action="session.created",
            obj=session,
            workshop_id=workshop.pk,
            data={"values": snapshot(session, values.keys())},
        )
        return session, waitlist_promote_locked(workshop, [*sessions, session], actor=actor)


def session_delete(*, session: Session, actor: Actor) -> None:
    """Remove a session that no delegation is placed in (the database refuses otherwise).

    Side effects: the Session deleted; a "session.deleted" log entry.
    """
    with transaction.atomic():
        log_action(actor=actor, action="session.deleted", obj=session, workshop_id=session.workshop_id)
        session.delete()


def session_update(*, session: Session, actor: Actor, **values) -> list[Registration]:
    """Change a session's label, times, capacity, meeting link… (not whether it is open: see session_open).

    Refused when the new capacity is below the seats taken. A larger capacity gives the new seats to the
    waiting list. Returns the promoted registrations.
    Side effects: the Session saved; "session.changed" log entry; promotions as in session_open.
    """
    if "is_open" in values:
        raise ValueError("open and close sessions with session_open / session_close")
    with transaction.atomic():
        sessions = lock_sessions(session.workshop)
        locked = next(s for s in sessions if s.pk == session.pk)
        if "capacity" in values:
            session_check_capacity(session=locked, capacity=values["capacity"])
        before = snapshot(locked, values.keys())
        for name, value in values.items():
            setattr(locked, name, value)
            setattr(session, name, value)
        locked.full_clean(exclude=["workshop"])
        locked.save()
        diff = changes(before, snapshot(locked, values.keys()))
        if diff:
            log_action(
                actor=actor,
                action="session.changed",
                obj=locked,
                workshop_id=locked.workshop_id,
                data={"changes": diff},
            )
        return waitlist_promote_locked(session.workshop, sessions, actor=actor)
