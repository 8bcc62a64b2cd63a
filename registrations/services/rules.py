"""The rules a delegation is checked against, each once: the registration window, the delegation's
composition and size, the municipality on the workshop's date. And the data the services take."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone

from registrations.errors import Problem, RegistrationError
from registrations.models import Municipality, Role
from workshops.audit import Actor
from workshops.formatting import format_date, format_datetime
from workshops.models import Workshop


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


def check_open_unless_staff(*, workshop: Workshop, actor: Actor, now: datetime.datetime | None) -> None:
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
