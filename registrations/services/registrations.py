"""Writes on a delegation: register, change, cancel, move."""

import datetime
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from notifications import services as notify
from registrations.errors import RegistrationError
from registrations.models import Municipality, Participant, Registration
from registrations.services.answers import answers_from_registration_form, answers_questions
from registrations.services.rules import (
    ContactData,
    ParticipantData,
    Window,
    check_open_unless_staff,
    delegation_validate,
    municipality_check_valid,
    registration_window,
)
from registrations.services.seats import (
    PARTICIPANT_FIELDS,
    REGISTRATION_FIELDS,
    assign,
    choose_session,
    lock_sessions,
    log_registration_change,
    municipality_has_registration,
    seats_in,
    waitlist_promote_locked,
)
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.models import Session, Workshop

# registration_update's default for preferred_session: leave the preference as it is.
KEEP = object()


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
    form_id: str = "",
    now: datetime.datetime | None = None,
) -> Registration:
    """Register a municipality's delegation: a seat in a session for all of it, or the waiting list.

    Staff may register outside the public window (after the deadline, for an unpublished workshop).
    ``municipality_input`` is the answer to the workshop's first question, asked on the form: saved as a
    draft answer (services.answers.answers_from_registration_form). ``form_id``: the public form's own id
    (``registration_resubmitted`` recognises the same form sent again).
    Side effects: one Registration and its Participants written; an AnswerSet (draft) with that answer when
    given; confirmation deliveries written to the notifications outbox and queued on commit; a
    "registration.created" log entry (with the override noted when staff acted outside the window).
    """
    override = registration_window(workshop=workshop, now=now) if actor.is_staff else Window.OPEN
    check_open_unless_staff(workshop=workshop, actor=actor, now=now)
    municipality_check_valid(workshop=workshop, municipality=municipality)
    delegation_validate(workshop=workshop, participants=participants)
    if preferred_session is not None and (
        preferred_session.workshop_id != workshop.pk or not preferred_session.is_open
    ):
        raise RegistrationError("session_not_available", field="preferred_session")

    with transaction.atomic():
        sessions = lock_sessions(workshop)
        if municipality_has_registration(workshop=workshop, municipality_id=municipality.pk):
            raise RegistrationError("already_registered", field="municipality", municipality=municipality.name)
        # Counted after the lock is held, in a statement of its own: a count in the locking statement would use
        # the snapshot taken before the wait for the lock (PostgreSQL), and miss the delegation that held it.
        session = choose_session(sessions, seats_in(sessions), len(participants), preferred_session)
        values = {
            "workshop": workshop,
            "municipality": municipality,
            "contact_name": contact.name.strip(),
            "contact_email": contact.email.strip(),
            "contact_phone": contact.phone.strip(),
            "session": session,
            "preferred_session": preferred_session,
            "status": Registration.Status.CONFIRMED if session else Registration.Status.WAITLISTED,
            "language": language,
            "form_id": form_id,
        }
        if sessions and connection.features.has_select_for_update:
            # Every writer of this workshop's registrations holds the session locks: the check above stands.
            registration = Registration.objects.create(**values)
        else:
            try:
                with transaction.atomic():
                    registration = Registration.objects.create(**values)
            except IntegrityError as exc:
                # Without the locks (SQLite, or a workshop without sessions) another request may have won.
                raise RegistrationError(
                    "already_registered", field="municipality", municipality=municipality.name
                ) from exc
        people = Participant.objects.bulk_create([_participant(registration, person) for person in participants])
        given = _input_answer(registration, municipality_input)
        data = {
            "values": snapshot(registration, REGISTRATION_FIELDS),
            "participants": [snapshot(p, PARTICIPANT_FIELDS) for p in people],
        }
        if given:
            data["input"] = given
        if override != Window.OPEN:
            data["staff_override"] = override
        log_action(actor=actor, action="registration.created", obj=registration, workshop_id=workshop.pk, data=data)
        notify.registration_confirmed(registration=registration, participants=people)
    return registration


def _input_answer(registration: Registration, text: str) -> str:
    """Save the answer given on the form to the workshop's first question; the text saved ("" for none)."""
    first_question = next(iter(answers_questions(workshop=registration.workshop)), None) if text.strip() else None
    if first_question is None:
        return ""
    answers_from_registration_form(registration=registration, question=first_question, text=text)
    return text.strip()


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
    preferred_session: Session | None | object = KEEP,
    now: datetime.datetime | None = None,
) -> Registration:
    """Change a delegation's contact person, participants and (when given) its preferred session.

    A confirmed delegation may grow only while its session has seats for the whole of it. A new preferred
    session (an open one of the workshop, or None for no preference; ``KEEP`` leaves it as it is) moves a
    confirmed delegation there only when the whole delegation fits; otherwise it keeps its seat and the
    preference is only recorded (the caller sees ``registration.session`` differ from the preference). A
    waiting delegation gets a seat in its preferred session as soon as that has room for all of it.
    Side effects: the Registration updated, Participants updated, created and deleted (matched by id,
    then by email); participants at a new address get their confirmation (and any mailing already sent),
    addresses no longer in the delegation a short notice, a new contact person the link (and the previous
    one a notice), a moved delegation a session-change email, all through the outbox; freed seats go to the
    waiting list; a "registration.changed" log entry with before and after.
    """
    workshop = registration.workshop
    override = registration_window(workshop=workshop, now=now) if actor.is_staff else Window.OPEN
    check_open_unless_staff(workshop=workshop, actor=actor, now=now)
    delegation_validate(workshop=workshop, participants=participants)

    with transaction.atomic():
        sessions = lock_sessions(workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        existing = list(registration.participants.all())
        target = _session_after_update(registration, sessions, len(existing), len(participants), preferred_session)
        before = snapshot(registration, REGISTRATION_FIELDS)
        people_before = {p.pk: snapshot(p, PARTICIPANT_FIELDS) for p in existing}
        previous_session = registration.session
        previous_contact = (registration.contact_name, registration.contact_email)
        registration.contact_name = contact.name.strip()
        registration.contact_email = contact.email.strip()
        registration.contact_phone = contact.phone.strip()
        if preferred_session is not KEEP:
            registration.preferred_session = preferred_session
        registration.session = target
        registration.save()
        _replace_participants(registration, existing, participants)
        people = list(registration.participants.all())
        people_after = {p.pk: snapshot(p, PARTICIPANT_FIELDS) for p in people}
        log_action(
            actor=actor,
            action="registration.changed",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={
                "changes": changes(before, snapshot(registration, REGISTRATION_FIELDS)),
                **_participant_changes(people_before, people_after),
                **({"staff_override": override} if override != Window.OPEN else {}),
            },
        )
        _notify_update(registration, people_before, people, previous_contact, previous_session)
        waitlist_promote_locked(workshop, sessions, actor=actor)
    return registration


def _session_after_update(
    registration: Registration, sessions: list[Session], size_before: int, size: int, preferred
) -> Session | None:
    """Where a changed delegation of ``size`` sits (None: waiting), or RegistrationError when it cannot.

    Checked before anything is written: a new preference must be an open session of the workshop; a
    confirmed delegation moves to a new preferred session when it fits whole there, else stays and must
    still fit whole in its own session. A waiting delegation stays waiting here (the waiting list, which
    respects preferences, gives it a seat at the end of the update when one is free).
    """
    changed = preferred is not KEEP and getattr(preferred, "pk", None) != registration.preferred_session_id
    if changed and preferred is not None:
        if preferred.workshop_id != registration.workshop_id or not preferred.is_open:
            raise RegistrationError("session_not_available", field="preferred_session")
    if registration.session_id is None:
        return None
    by_pk = {s.pk: s for s in sessions}
    if changed and preferred is not None and preferred.pk != registration.session_id:
        wanted = by_pk[preferred.pk]
        if seats_in([wanted])[wanted.pk] + size <= wanted.capacity:
            return wanted
    session = by_pk[registration.session_id]
    free = session.capacity - seats_in([session])[session.pk] + size_before
    if size > free:
        raise RegistrationError("session_full", field="participants", session=session.label, free=free, needed=size)
    return session


def _notify_update(
    registration: Registration,
    people_before: dict[int, dict],
    people: list[Participant],
    previous_contact: tuple[str, str],
    previous_session: Session | None,
) -> None:
    """The emails a change causes, by address: what an address newly in the delegation, one no longer
    in it, a new contact person and a moved delegation are told."""
    addresses_before = {values["email"].strip().lower() for values in people_before.values()}
    addresses_after = {p.email.strip().lower() for p in people}
    contact_after = registration.contact_email.strip().lower()
    arrived = [p for p in people if p.email.strip().lower() not in addresses_before]
    if arrived:
        notify.participants_added(registration=registration, participants=arrived)
    removed = {
        values["email"].strip().lower(): values
        for values in people_before.values()
        if values["email"].strip().lower() not in addresses_after | {contact_after}
    }
    if removed:
        notify.participants_removed(
            registration=registration, people=[(v["name"], v["email"]) for v in removed.values()]
        )
    if previous_contact[1].strip().lower() != contact_after:
        notify.contact_changed(
            registration=registration, previous_name=previous_contact[0], previous_email=previous_contact[1]
        )
    if registration.session_id != getattr(previous_session, "pk", None):
        notify.session_changed(registration=registration, previous_session=previous_session)


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
    "registration.cancelled" log entry. Outside the registration window only staff may cancel.
    """
    check_open_unless_staff(workshop=registration.workshop, actor=actor, now=now)
    with transaction.atomic():
        sessions = lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        previous = registration.session
        before = snapshot(registration, REGISTRATION_FIELDS)
        registration.status = Registration.Status.CANCELLED
        registration.session = None
        registration.cancelled_at = now or timezone.now()
        registration.save(update_fields=["status", "session", "cancelled_at", "updated_at"])
        log_registration_change(actor, "registration.cancelled", registration, before)
        notify.registration_cancelled(registration=registration, previous_session=previous)
        waitlist_promote_locked(registration.workshop, sessions, actor=actor)
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
        sessions = lock_sessions(registration.workshop)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        if registration.session_id == session.pk:
            return registration
        size = registration.participants.count()
        target = next(s for s in sessions if s.pk == session.pk)
        free = target.capacity - seats_in([target])[target.pk]
        if size > free:
            raise RegistrationError("session_full", field="session", session=target.label, free=free, needed=size)
        previous = registration.session
        before = snapshot(registration, REGISTRATION_FIELDS)
        assign(registration, target)
        log_registration_change(actor, "registration.moved", registration, before)
        notify.session_changed(registration=registration, previous_session=previous)
        waitlist_promote_locked(registration.workshop, sessions, actor=actor)
    return registration
