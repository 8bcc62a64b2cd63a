"""Reads for the back office exports: one query per export, whatever the number of rows.

Rows are plain dataclasses built from ``values()``: an export of 10,000 participants should not pay for
10,000 model instances. The county is the one of the registration's Municipality row, which is the row
valid on the workshop's date (registration checks that), so a 2021 workshop lists 2021's counties even
after the 2024 county reform.
"""

import dataclasses
import datetime

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from registrations.models import Answer, Participant, Registration
from workshops.models import ReflectionQuestion, Session, Workshop


@dataclasses.dataclass(frozen=True)
class AttendeeRow:
    name: str
    email: str
    phone: str
    role: str  # the code; Role(role).label for the translated label
    title: str
    municipality_number: str
    municipality: str
    county: str
    session: str  # the session's label; empty on the waiting list
    status: str  # Registration.Status code
    registered_at: datetime.datetime
    contact_name: str
    registration_id: int


@dataclasses.dataclass(frozen=True)
class RegistrationRow:
    municipality_number: str
    municipality: str
    county: str
    session: str
    status: str
    size: int
    contact_name: str
    contact_email: str
    contact_phone: str
    municipality_input: str  # the delegation's answers to the reflection questions, «1. …», one a paragraph
    registered_at: datetime.datetime


def attendees_list(*, workshop: Workshop, session: Session | None = None) -> list[AttendeeRow]:
    """The participants of the workshop's delegations that are not cancelled (confirmed and waiting),
    or only those seated in ``session``; by county, municipality, then as registered. One query."""
    queryset = Participant.objects.filter(registration__workshop=workshop).exclude(
        registration__status=Registration.Status.CANCELLED
    )
    if session is not None:
        queryset = queryset.filter(registration__session=session)
    rows = queryset.order_by(
        "registration__municipality__county_number",
        "registration__municipality__name",
        "registration__created_at",
        "pk",
    ).values_list(
        "name",
        "email",
        "phone",
        "role",
        "title",
        "registration__municipality__number",
        "registration__municipality__name",
        "registration__municipality__county",
        "registration__session__label",
        "registration__status",
        "registration__created_at",
        "registration__contact_name",
        "registration_id",
    )
    return [
        AttendeeRow(*row[:8], row[8] or "", *row[9:])  # a waiting delegation has no session label
        for row in rows
    ]


def _answers_by_registration(workshop: Workshop) -> dict[int, str]:
    """{registration id: its answers as «1. text», a blank line between}, numbered as the staff page numbers
    the questions (all of the workshop's, by position). Two queries."""
    numbers = {
        pk: number
        for number, pk in enumerate(
            ReflectionQuestion.objects.filter(workshop=workshop)
            .order_by("position", "pk")
            .values_list("pk", flat=True),
            start=1,
        )
    }
    texts: dict[int, list[tuple[int, str]]] = {}
    rows = Answer.objects.filter(answer_set__registration__workshop=workshop).values_list(
        "answer_set__registration_id", "question_id", "text"
    )
    for registration_id, question_id, text in rows:
        texts.setdefault(registration_id, []).append((numbers[question_id], text))
    return {pk: "\n\n".join(f"{n}. {text}" for n, text in sorted(items)) for pk, items in texts.items()}


def registrations_by_municipality(*, workshop: Workshop) -> list[RegistrationRow]:
    """Every registration of the workshop, cancelled ones too (their status says so), by county and
    municipality, with its answers as the municipality's input. ``size`` is counted in a subquery, so no
    join elsewhere in the query can double it. Three queries."""
    answers = _answers_by_registration(workshop)
    size = (
        Participant.objects.filter(registration=OuterRef("pk"))
        .order_by()
        .values("registration")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = (
        Registration.objects.filter(workshop=workshop)
        .annotate(size=Coalesce(Subquery(size, output_field=IntegerField()), 0))
        .order_by("municipality__county_number", "municipality__name", "created_at", "pk")
        .values_list(
            "municipality__number",
            "municipality__name",
            "municipality__county",
            "session__label",
            "status",
            "size",
            "contact_name",
            "contact_email",
            "contact_phone",
            "pk",
            "created_at",
        )
    )
    return [RegistrationRow(*row[:3], row[3] or "", *row[4:9], answers.get(row[9], ""), row[10]) for row in rows]


@dataclasses.dataclass(frozen=True)
class DelegationEmails:
    """A confirmed delegation of one session, as the Zoom room assignment needs it."""

    municipality: str
    county: str
    emails: tuple[str, ...]


def delegations_for_rooms(*, session: Session) -> list[DelegationEmails]:
    """The confirmed delegations seated in ``session`` with their participants' emails. One query."""
    rows = (
        Participant.objects.filter(registration__session=session, registration__status=Registration.Status.CONFIRMED)
        .order_by("registration__municipality__name", "registration_id", "pk")
        .values_list(
            "registration_id", "registration__municipality__name", "registration__municipality__county", "email"
        )
    )
    delegations: dict[int, tuple[str, str, list[str]]] = {}
    for registration_id, name, county, email in rows:
        delegations.setdefault(registration_id, (name, county, []))[2].append(email)
    return [DelegationEmails(name, county, tuple(emails)) for name, county, emails in delegations.values()]
