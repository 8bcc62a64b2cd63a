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
from workshops.formatting import format_date, format_datetime
from workshops.models import Session, Workshop


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


def registration_check_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> None:
    """The public registration window: published, opened, and not past the deadline second (inclusive)."""
    now = now or timezone.now()
    if not workshop.is_published:
        raise RegistrationError("not_published")
    if workshop.registration_opens_at and now < workshop.registration_opens_at:
        raise RegistrationError("not_open_yet", opens=format_datetime(workshop.registration_opens_at))
    # Whole seconds: 23:59:59.7 is still inside a 23:59:59 deadline second.
    if now.replace(microsecond=0) > workshop.registration_deadline:
        raise RegistrationError("deadline_passed", deadline=format_datetime(workshop.registration_deadline))


def registration_is_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> bool:
    """Whether the public form takes registrations now (the same rule as registration_check_open)."""
    try:
        registration_check_open(workshop=workshop, now=now)
    except RegistrationError:
        return False
    return True


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
    rows = (
        Participant.objects.filter(
            registration__session__in=sessions, registration__status=Registration.Status.CONFIRMED
        )
        .values("registration__session")
        .annotate(n=Count("pk"))
    )
    taken = {s.pk: 0 for s in sessions}
    taken.update({row["registration__session"]: row["n"] for row in rows})
    return taken


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
    preferred_session: Session | None = None,
    municipality_input: str = "",
    language: str = "nb",
    by_staff: bool = False,
    now: datetime.datetime | None = None,
) -> Registration:
    """Register a municipality's delegation: a seat in a session for all of it, or the waiting list.

    Staff (``by_staff``) may register after the deadline or for an unpublished workshop.
    Side effects: one Registration and its Participants written; confirmation deliveries written to the
    notifications outbox and queued on commit.
    """
    if not by_staff:
        registration_check_open(workshop=workshop, now=now)
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
    municipality_input: str | None = None,
    by_staff: bool = False,
    now: datetime.datetime | None = None,
) -> Registration:
    """Change a delegation's contact person and participants; the delegation keeps its session.

    A confirmed delegation may grow only while its session has seats for the whole of it.
    Side effects: the Registration updated, Participants updated, created and deleted (matched by id,
    then by email); new participants get their confirmation (and any mailing already sent) through the
    outbox; freed seats go to the waiting list.
    """
    if not by_staff:
        registration_check_open(workshop=registration.workshop, now=now)
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
        registration.contact_name = contact.name.strip()
        registration.contact_email = contact.email.strip()
        registration.contact_phone = contact.phone.strip()
        if municipality_input is not None:
            registration.municipality_input = municipality_input.strip()
        registration.save()
        added = _replace_participants(registration, existing, participants)
        if added:
            notify.participants_added(registration=registration, participants=added)
        _waitlist_promote_locked(registration.workshop, sessions)
    return registration


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
        for field in ("name", "email", "phone", "role", "title"):
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
        Participant.objects.bulk_update(keep, ["name", "email", "phone", "role", "title"])
    return Participant.objects.bulk_create(new) if new else []


def registration_cancel(*, registration: Registration, now: datetime.datetime | None = None) -> Registration:
    """Cancel a delegation. Its seats go to the waiting list.

    Side effects: the Registration marked cancelled (its session cleared); a cancellation email to the
    delegation and session-change emails to promoted delegations written to the outbox.
    """
    with transaction.atomic():
        sessions = _lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        registration.status = Registration.Status.CANCELLED
        registration.session = None
        registration.cancelled_at = now or timezone.now()
        registration.save(update_fields=["status", "session", "cancelled_at", "updated_at"])
        notify.registration_cancelled(registration=registration)
        _waitlist_promote_locked(registration.workshop, sessions)
    return registration


def registration_move(*, registration: Registration, session: Session) -> Registration:
    """Staff move a delegation (confirmed or waiting) to another session of the same workshop.

    Refused when the session cannot take the whole delegation. Closed sessions are allowed: staff decide.
    Side effects: the Registration's session and status updated; a session-change email in the outbox.
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
        _assign(registration, target)
        notify.session_changed(registration=registration, previous_session=previous)
        _waitlist_promote_locked(registration.workshop, sessions)
    return registration


def _assign(registration: Registration, session: Session) -> None:
    registration.session = session
    registration.status = Registration.Status.CONFIRMED
    registration.save(update_fields=["session", "status", "updated_at"])


def session_open(*, session: Session) -> list[Registration]:
    """Open a session (typically the overflow) and give its seats to the waiting list.

    Waiting delegations move in registration order, each only if it fits whole; one that does not fit is
    passed over for the next (it keeps its place for later). Returns the promoted registrations.
    Side effects: Session.is_open set; promoted Registrations confirmed; session-change emails in the outbox.
    """
    with transaction.atomic():
        sessions = _lock_sessions(session.workshop)
        locked = next(s for s in sessions if s.pk == session.pk)
        if not locked.is_open:
            locked.is_open = True
            locked.save(update_fields=["is_open"])
        session.is_open = True
        return _waitlist_promote_locked(session.workshop, sessions)


def session_close(*, session: Session) -> None:
    """Close a session to new registrations; its delegations keep their seats."""
    Session.objects.filter(pk=session.pk).update(is_open=False)
    session.is_open = False


def waitlist_promote(*, workshop: Workshop) -> list[Registration]:
    """Give free seats to waiting delegations (after a capacity change, for instance)."""
    with transaction.atomic():
        return _waitlist_promote_locked(workshop, _lock_sessions(workshop))


def _waitlist_promote_locked(workshop: Workshop, sessions: list[Session]) -> list[Registration]:
    # No row lock needed here: every writer of this workshop's registrations holds its session locks.
    waiting = list(
        Registration.objects.filter(workshop=workshop, status=Registration.Status.WAITLISTED)
        .annotate(size=Count("participants"))
        .order_by("created_at", "pk")
    )
    if not waiting:
        return []
    taken = _seats_taken(sessions)
    preferred = {s.pk: s for s in sessions}
    promoted = []
    for registration in waiting:
        session = _choose_session(sessions, taken, registration.size, preferred.get(registration.preferred_session_id))
        if session is None:
            continue
        _assign(registration, session)
        taken[session.pk] += registration.size
        notify.session_changed(registration=registration, previous_session=None)
        promoted.append(registration)
    return promoted
