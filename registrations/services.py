"""Every write on registrations that has a rule.

Each rule lives in exactly one function here; the public form, the admin and the
management commands all call these. Writes happen inside ``transaction.atomic()``
with the workshop's session rows locked (``select_for_update``), so concurrent
submissions cannot exceed a session's capacity; the partial unique constraint on
(workshop, municipality) backs the one-delegation rule.

Side effects are listed in each docstring. Email is never sent here: the
notifications outbox rows are written in the same transaction and the tasks
that send them are queued on commit.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from notifications import services as notify
from registrations.errors import Problem, RegistrationError
from registrations.models import Municipality, Participant, Registration, Role
from registrations.selectors import seats_taken
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.formatting import format_date, format_datetime
from workshops.models import Session, Workshop

# What the record of who did what keeps of a registration and a participant.
REGISTRATION_FIELDS = ("status", "session", "preferred_session", "contact_name", "contact_email", "contact_phone")
PARTICIPANT_FIELDS = ("name", "email", "phone", "role", "title")


@dataclass(frozen=True)
class ContactData:
    name: str
    email: str
    phone: str = ""


@dataclass(frozen=True)
class ParticipantData:
    name: str
    email: str
    role: str
    phone: str = ""
    title: str = ""
    # Set when the participant already exists (an update keeps their id and delivery history).
    id: int | None = None


# --- Checks (each rule once) ---------------------------------------------------------------


class Window:
    """Where a workshop's public registration stands at a moment."""

    NOT_PUBLISHED = "not_published"
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    CLOSED = "deadline_passed"


def registration_window(*, workshop: Workshop, now: datetime.datetime | None = None) -> str:
    """The public registration window: published, opened, and not past the deadline second (inclusive).

    The one place this rule lives; pages ask it what to show, services ask it whether to refuse.
    """
    now = now or timezone.now()
    if not workshop.is_published:
        return Window.NOT_PUBLISHED
    if workshop.registration_opens_at and now < workshop.registration_opens_at:
        return Window.NOT_OPEN_YET
    # Whole seconds: 23:59:59.7 is still inside a 23:59:59 deadline second.
    if now.replace(microsecond=0) > workshop.registration_deadline:
        return Window.CLOSED
    return Window.OPEN


def registration_check_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> None:
    """Raise the reason the public form would refuse now (see registration_window)."""
    state = registration_window(workshop=workshop, now=now)
    if state == Window.NOT_PUBLISHED:
        raise RegistrationError("not_published")
    if state == Window.NOT_OPEN_YET:
        raise RegistrationError("not_open_yet", opens=format_datetime(workshop.registration_opens_at))
    if state == Window.CLOSED:
        raise RegistrationError("deadline_passed", deadline=format_datetime(workshop.registration_deadline))


def registration_is_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> bool:
    """Whether the public form takes registrations now."""
    return registration_window(workshop=workshop, now=now) == Window.OPEN


def _check_open_unless_staff(*, workshop: Workshop, actor: Actor, now: datetime.datetime | None) -> None:
    # Staff may act outside the window (after the deadline, before publishing); everyone else may not.
    if not actor.is_staff:
        registration_check_open(workshop=workshop, now=now)


def delegation_validate(*, workshop: Workshop, participants: Sequence[ParticipantData]) -> None:
    """The delegation rules: representatives, roles, size and unique emails. Raises with every problem found."""
    problems: list[Problem] = []
    if not participants:
        raise RegistrationError("no_participants", field="participants")
    representing = [p for p in participants if p.role in Role.representing_municipality()]
    if len(representing) < workshop.min_representatives:
        problems.append(
            Problem(
                "too_few_representatives",
                {"minimum": workshop.min_representatives, "count": len(representing)},
                "participants",
            )
        )
    if workshop.require_role_composition:
        roles = {p.role for p in participants}
        if Role.CULTURE_SCHOOL_LEADER not in roles:
            problems.append(Problem("missing_culture_school_leader", {}, "participants"))
        if Role.MUNICIPAL_LEADER not in roles:
            problems.append(Problem("missing_municipal_leader", {}, "participants"))
    if len(participants) > workshop.max_delegation_size:
        problems.append(
            Problem(
                "too_many_participants",
                {"maximum": workshop.max_delegation_size, "count": len(participants)},
                "participants",
            )
        )
    seen: set[str] = set()
    for person in participants:
        email = person.email.strip().lower()
        if email in seen:
            problems.append(Problem("duplicate_email", {"email": person.email}, "participants"))
        seen.add(email)
    if problems:
        raise RegistrationError(problems=problems)


def municipality_check_valid(*, workshop: Workshop, municipality: Municipality) -> None:
    day = workshop.event_date
    if day and not municipality.is_valid_on(day):
        raise RegistrationError(
            "municipality_not_valid", field="municipality", municipality=municipality.name, date=format_date(day)
        )


# --- Seats ---------------------------------------------------------------------------------


def _lock_sessions(workshop: Workshop) -> list[Session]:
    """Lock the workshop's session rows for the rest of the transaction, in a fixed order (no deadlocks)."""
    return list(Session.objects.select_for_update().filter(workshop=workshop).order_by("pk"))


def _seats_taken(sessions: Sequence[Session]) -> dict[int, int]:
    # Counted by the selector that the pages use too: one definition of a taken seat.
    return seats_taken(session_ids=[s.pk for s in sessions])


def _choose_session(
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


# --- Actions -------------------------------------------------------------------------------


def registration_create(
    *,
    workshop: Workshop,
    municipality: Municipality,
    contact: ContactData,
    participants: Sequence[ParticipantData],
    actor: Actor,
    preferred_session: Session | None = None,
    municipality_input: str = "",
    language: str = "nb",
    now: datetime.datetime | None = None,
) -> Registration:
    """Register a municipality's delegation: a seat in a session for all of it, or the waiting list.

    Staff may register outside the public window (after the deadline, for an unpublished workshop).
    Side effects: one Registration and its Participants written; confirmation deliveries written to the
    notifications outbox and queued on commit; a "registration.created" log entry (with the override
    noted when staff acted outside the window).
    """
    override = registration_window(workshop=workshop, now=now) if actor.is_staff else Window.OPEN
    _check_open_unless_staff(workshop=workshop, actor=actor, now=now)
    municipality_check_valid(workshop=workshop, municipality=municipality)
    delegation_validate(workshop=workshop, participants=participants)
    if preferred_session is not None and (
        preferred_session.workshop_id != workshop.pk or not preferred_session.is_open
    ):
        raise RegistrationError("session_not_available", field="preferred_session")

    with transaction.atomic():
        sessions = _lock_sessions(workshop)
        already = Registration.objects.filter(workshop=workshop, municipality=municipality).exclude(
            status=Registration.Status.CANCELLED
        )
        if already.exists():
            raise RegistrationError("already_registered", field="municipality", municipality=municipality.name)
        session = _choose_session(sessions, _seats_taken(sessions), len(participants), preferred_session)
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    workshop=workshop,
                    municipality=municipality,
                    contact_name=contact.name.strip(),
                    contact_email=contact.email.strip(),
                    contact_phone=contact.phone.strip(),
                    session=session,
                    preferred_session=preferred_session,
                    status=Registration.Status.CONFIRMED if session else Registration.Status.WAITLISTED,
                    municipality_input=municipality_input.strip(),
                    language=language,
                )
        except IntegrityError as exc:
            # Only reachable when the session lock was not taken (SQLite) and another request won the race.
            raise RegistrationError("already_registered", field="municipality", municipality=municipality.name) from exc
        people = Participant.objects.bulk_create([_participant(registration, person) for person in participants])
        data = {
            "values": snapshot(registration, REGISTRATION_FIELDS),
            "participants": [snapshot(p, PARTICIPANT_FIELDS) for p in people],
        }
        if override != Window.OPEN:
            data["staff_override"] = override
        log_action(actor=actor, action="registration.created", obj=registration, workshop_id=workshop.pk, data=data)
        notify.registration_confirmed(registration=registration, participants=people)
    return registration


def _participant(registration: Registration, person: ParticipantData) -> Participant:
    return Participant(
        registration=registration,
        name=person.name.strip(),
        email=person.email.strip(),
        phone=person.phone.strip(),
        role=person.role,
        title=person.title.strip(),
    )


def registration_update(
    *,
    registration: Registration,
    contact: ContactData,
    participants: Sequence[ParticipantData],
    actor: Actor,
    municipality_input: str | None = None,
    now: datetime.datetime | None = None,
) -> Registration:
    """Change a delegation's contact person and participants; the delegation keeps its session.

    A confirmed delegation may grow only while its session has seats for the whole of it.
    Side effects: the Registration updated, Participants updated, created and deleted (matched by id,
    then by email); new participants get their confirmation (and any mailing already sent) through the
    outbox; freed seats go to the waiting list; a "registration.changed" log entry with before and after.
    """
    _check_open_unless_staff(workshop=registration.workshop, actor=actor, now=now)
    delegation_validate(workshop=registration.workshop, participants=participants)

    with transaction.atomic():
        sessions = _lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        existing = list(registration.participants.all())
        if registration.session_id is not None:
            session = next(s for s in sessions if s.pk == registration.session_id)
            free = session.capacity - _seats_taken([session])[session.pk] + len(existing)
            if len(participants) > free:
                raise RegistrationError(
                    "session_full", field="participants", session=session.label, free=free, needed=len(participants)
                )
        before = snapshot(registration, (*REGISTRATION_FIELDS, "municipality_input"))
        people_before = {p.pk: snapshot(p, PARTICIPANT_FIELDS) for p in existing}
        registration.contact_name = contact.name.strip()
        registration.contact_email = contact.email.strip()
        registration.contact_phone = contact.phone.strip()
        if municipality_input is not None:
            registration.municipality_input = municipality_input.strip()
        registration.save()
        added = _replace_participants(registration, existing, participants)
        people_after = {p.pk: snapshot(p, PARTICIPANT_FIELDS) for p in registration.participants.all()}
        log_action(
            actor=actor,
            action="registration.changed",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={
                "changes": changes(before, snapshot(registration, (*REGISTRATION_FIELDS, "municipality_input"))),
                **_participant_changes(people_before, people_after),
            },
        )
        if added:
            notify.participants_added(registration=registration, participants=added)
        _waitlist_promote_locked(registration.workshop, sessions, actor=actor)
    return registration


def _participant_changes(before: dict[int, dict], after: dict[int, dict]) -> dict[str, list]:
    """Participants added, removed and changed between two {id: values} snapshots (empty lists left out)."""
    result = {
        "added": [after[pk] for pk in after if pk not in before],
        "removed": [before[pk] for pk in before if pk not in after],
        "participants_changed": [
            {"participant": after[pk]["name"], "changes": changes(before[pk], after[pk])}
            for pk in after
            if pk in before and before[pk] != after[pk]
        ],
    }
    return {key: value for key, value in result.items() if value}


def _replace_participants(
    registration: Registration, existing: list[Participant], wanted: Sequence[ParticipantData]
) -> list[Participant]:
    by_id = {p.pk: p for p in existing}
    before = {p.pk: p.email for p in existing}
    by_email = {p.email.lower(): p for p in existing}
    keep: list[Participant] = []
    new: list[Participant] = []
    for person in wanted:
        current = by_id.get(person.id) if person.id else by_email.get(person.email.strip().lower())
        if current is None or current in keep:
            new.append(_participant(registration, person))
            continue
        fresh = _participant(registration, person)
        for field in PARTICIPANT_FIELDS:
            setattr(current, field, getattr(fresh, field))
        keep.append(current)
    gone = [p.pk for p in existing if p not in keep]
    # Delete first: a kept or new row may take over an email address a removed one had.
    Participant.objects.filter(pk__in=gone).delete()
    # The unique (delegation, email) index is checked row by row, so two kept participants swapping
    # addresses would collide halfway: park the changed addresses on unique placeholders first.
    moved = [p for p in keep if p.email.lower() != before[p.pk].lower()]
    if moved:
        Participant.objects.bulk_update(
            [Participant(pk=p.pk, email=f"moving-{p.pk}@invalid") for p in moved], ["email"]
        )
    if keep:
        Participant.objects.bulk_update(keep, list(PARTICIPANT_FIELDS))
    return Participant.objects.bulk_create(new) if new else []


def registration_cancel(
    *, registration: Registration, actor: Actor, now: datetime.datetime | None = None
) -> Registration:
    """Cancel a delegation. Its seats go to the waiting list.

    Side effects: the Registration marked cancelled (its session cleared); a cancellation email to the
    delegation and session-change emails to promoted delegations written to the outbox; a
    "registration.cancelled" log entry.
    """
    with transaction.atomic():
        sessions = _lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        previous = registration.session
        before = snapshot(registration, REGISTRATION_FIELDS)
        registration.status = Registration.Status.CANCELLED
        registration.session = None
        registration.cancelled_at = now or timezone.now()
        registration.save(update_fields=["status", "session", "cancelled_at", "updated_at"])
        _log_change(actor, "registration.cancelled", registration, before)
        notify.registration_cancelled(registration=registration, previous_session=previous)
        _waitlist_promote_locked(registration.workshop, sessions, actor=actor)
    return registration


def registration_move(*, registration: Registration, session: Session, actor: Actor) -> Registration:
    """Staff move a delegation (confirmed or waiting) to another session of the same workshop.

    Refused when the session cannot take the whole delegation. Closed sessions are allowed: staff decide.
    Side effects: the Registration's session and status updated; a session-change email in the outbox;
    a "registration.moved" log entry.
    """
    if session.workshop_id != registration.workshop_id:
        raise RegistrationError("session_not_available", field="session")
    with transaction.atomic():
        sessions = _lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        if registration.session_id == session.pk:
            return registration
        size = registration.participants.count()
        target = next(s for s in sessions if s.pk == session.pk)
        free = target.capacity - _seats_taken([target])[target.pk]
        if size > free:
            raise RegistrationError("session_full", field="session", session=target.label, free=free, needed=size)
        previous = registration.session
        before = snapshot(registration, REGISTRATION_FIELDS)
        _assign(registration, target)
        _log_change(actor, "registration.moved", registration, before)
        notify.session_changed(registration=registration, previous_session=previous)
        _waitlist_promote_locked(registration.workshop, sessions, actor=actor)
    return registration


def _assign(registration: Registration, session: Session) -> None:
    registration.session = session
    registration.status = Registration.Status.CONFIRMED
    registration.save(update_fields=["session", "status", "updated_at"])


def _log_change(actor: Actor, action: str, registration: Registration, before: dict) -> None:
    after = snapshot(registration, REGISTRATION_FIELDS)
    log_action(
        actor=actor,
        action=action,
        obj=registration,
        workshop_id=registration.workshop_id,
        data={"changes": changes(before, after)},
    )


# --- Sessions ------------------------------------------------------------------------------


def session_open(*, session: Session, actor: Actor) -> list[Registration]:
    """Open a session (typically the overflow) and give its seats to the waiting list.

    Waiting delegations move in registration order, each only if it fits whole; one that does not fit is
    passed over for the next (it keeps its place for later). Returns the promoted registrations.
    Side effects: Session.is_open set; promoted Registrations confirmed; session-change emails in the outbox;
    "session.opened" and one "registration.promoted" log entry per moved delegation.
    """
    with transaction.atomic():
        sessions = _lock_sessions(session.workshop)
        locked = next(s for s in sessions if s.pk == session.pk)
        if not locked.is_open:
            locked.is_open = True
            locked.save(update_fields=["is_open"])
            log_action(actor=actor, action="session.opened", obj=locked, workshop_id=locked.workshop_id)
        session.is_open = True
        return _waitlist_promote_locked(session.workshop, sessions, actor=actor)


def session_open_preview(*, session: Session) -> list[Registration]:
    """The delegations that opening `session` would move from the waiting list now (nothing is written)."""
    sessions = list(Session.objects.filter(workshop_id=session.workshop_id).order_by("pk"))
    for each in sessions:
        if each.pk == session.pk:
            each.is_open = True
    return [registration for registration, _session in _waitlist_plan(session.workshop, sessions)]


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
    taken = _seats_taken([session])[session.pk]
    if capacity < taken:
        raise RegistrationError("capacity_below_taken", field="capacity", taken=taken, capacity=capacity)


def session_create(*, workshop: Workshop, actor: Actor, **values) -> tuple[Session, list[Registration]]:
    """Add a session to a workshop. An open one with seats takes delegations from the waiting list.

    Returns the session and the promoted registrations. Side effects: a Session row; "session.created"
    log entry; promotions as in session_open.
    """
    with transaction.atomic():
        sessions = _lock_sessions(workshop)
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
        return session, _waitlist_promote_locked(workshop, [*sessions, session], actor=actor)


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
        sessions = _lock_sessions(session.workshop)
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
        return _waitlist_promote_locked(session.workshop, sessions, actor=actor)


def waitlist_promote(*, workshop: Workshop, actor: Actor) -> list[Registration]:
    """Give free seats to waiting delegations (after a new session was added, for instance)."""
    with transaction.atomic():
        return _waitlist_promote_locked(workshop, _lock_sessions(workshop), actor=actor)


def _waitlist_plan(workshop: Workshop, sessions: list[Session]) -> list[tuple[Registration, Session]]:
    """Which waiting delegation would get a seat where, in registration order, each only whole."""
    waiting = list(
        Registration.objects.filter(workshop=workshop, status=Registration.Status.WAITLISTED)
        .annotate(size=Count("participants"))
        .order_by("created_at", "pk")
    )
    if not waiting:
        return []
    taken = _seats_taken(sessions)
    by_pk = {s.pk: s for s in sessions}
    plan = []
    for registration in waiting:
        session = _choose_session(sessions, taken, registration.size, by_pk.get(registration.preferred_session_id))
        if session is None:
            continue
        taken[session.pk] += registration.size
        plan.append((registration, session))
    return plan


def _waitlist_promote_locked(workshop: Workshop, sessions: list[Session], *, actor: Actor) -> list[Registration]:
    # No row lock needed here: every writer of this workshop's registrations holds its session locks.
    promoted = []
    for registration, session in _waitlist_plan(workshop, sessions):
        before = snapshot(registration, REGISTRATION_FIELDS)
        _assign(registration, session)
        _log_change(actor, "registration.promoted", registration, before)
        notify.session_changed(registration=registration, previous_session=None)
        promoted.append(registration)
    return promoted
