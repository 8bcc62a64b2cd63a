"""Reads for the overview of one workshop (the back office's first page): where registration stands.

Every function runs a fixed number of queries whatever the number of registrations: counts are aggregated in
the database, never per row.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from notifications.models import Mailing
from registrations import selectors
from registrations.models import Dispute, Municipality, Participant, Registration, Role
from workshops.models import Session, Workshop

ACTIVE = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


@dataclass(frozen=True)
class CountyCoverage:
    number: str
    name: str
    registered: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.registered / self.total) if self.total else 0


@dataclass
class WorkshopOverview:
    workshop: Workshop
    event_date: datetime.date | None
    sessions: list[Session]
    confirmed_delegations: int
    confirmed_people: int
    waiting_delegations: int
    waiting_people: int
    roles: list[tuple[str, int]]
    per_day: list[tuple[datetime.date, int]]
    days_left: int | None  # None once the deadline has passed
    counties: list[CountyCoverage]
    next_mailing: Mailing | None
    sessions_closed: list[Session] = field(default_factory=list)
    open_disputes: list[Dispute] = field(default_factory=list)

    @property
    def municipalities_registered(self) -> int:
        return self.confirmed_delegations + self.waiting_delegations

    @property
    def municipalities_total(self) -> int:
        return sum(county.total for county in self.counties)


def _event_date(sessions: list[Session]) -> datetime.date | None:
    """The workshop's date (its first session's local day), from sessions already loaded."""
    return timezone.localtime(min(s.starts_at for s in sessions)).date() if sessions else None


def _municipalities_on(day: datetime.date | None) -> QuerySet[Municipality]:
    if day is None:
        return Municipality.objects.filter(valid_to__isnull=True)
    return Municipality.objects.valid_on(day)


def workshop_county_coverage(*, workshop: Workshop, day: datetime.date | None) -> list[CountyCoverage]:
    """Per county, as the counties were on `day`: municipalities registered (confirmed or waiting) and all.

    Counties changed in 2024 (Viken became Østfold, Akershus and Buskerud, …): the municipality rows valid on
    the workshop's date decide which county a municipality belongs to and how many there were. One query.
    """
    registered = Q(registrations__workshop=workshop, registrations__status__in=ACTIVE)
    rows = (
        _municipalities_on(day)
        .values("county_number", "county")
        .annotate(total=Count("pk", distinct=True), registered=Count("pk", filter=registered, distinct=True))
        .order_by("county_number", "county")
    )
    return [CountyCoverage(r["county_number"], r["county"], r["registered"], r["total"]) for r in rows]


def county_unregistered(*, workshop: Workshop, day: datetime.date | None, county_number: str) -> list[Municipality]:
    """The municipalities of a county (as on `day`) without a confirmed or waiting registration. One query."""
    registered = Registration.objects.filter(workshop=workshop, status__in=ACTIVE).values("municipality_id")
    return list(_municipalities_on(day).filter(county_number=county_number).exclude(pk__in=registered).order_by("name"))


def workshop_overview(*, workshop: Workshop, now: datetime.datetime | None = None) -> WorkshopOverview:
    """Everything the overview page shows, in eight queries."""
    now = now or timezone.now()
    sessions = selectors.sessions_with_seats(workshop=workshop)
    day = _event_date(sessions)
    counts = Registration.objects.filter(workshop=workshop).aggregate(
        confirmed_delegations=Count("pk", filter=Q(status=Registration.Status.CONFIRMED), distinct=True),
        confirmed_people=Count("participants", filter=Q(status=Registration.Status.CONFIRMED)),
        waiting_delegations=Count("pk", filter=Q(status=Registration.Status.WAITLISTED), distinct=True),
        waiting_people=Count("participants", filter=Q(status=Registration.Status.WAITLISTED)),
    )
    role_rows = dict(
        Participant.objects.filter(registration__workshop=workshop, registration__status__in=ACTIVE)
        .values_list("role")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_day = list(
        Registration.objects.filter(workshop=workshop)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    )
    deadline_passed = now.replace(microsecond=0) > workshop.registration_deadline
    days_left = (
        None if deadline_passed else (timezone.localdate(workshop.registration_deadline) - timezone.localdate(now)).days
    )
    return WorkshopOverview(
        workshop=workshop,
        event_date=day,
        sessions=sessions,
        sessions_closed=[s for s in sessions if not s.is_open],
        roles=[(str(role.label), role_rows.get(role.value, 0)) for role in Role],
        per_day=per_day,
        days_left=days_left,
        counties=workshop_county_coverage(workshop=workshop, day=day),
        next_mailing=mailing_next_scheduled(workshop=workshop, now=now),
        open_disputes=workshop_open_disputes(workshop=workshop),
        **counts,
    )


def workshop_open_disputes(*, workshop: Workshop) -> list[Dispute]:
    """Open disputes («we did not register this») on the workshop's registrations, oldest first. One query."""
    return list(
        Dispute.objects.filter(registration__workshop=workshop, status=Dispute.Status.OPEN)
        .select_related("registration__municipality")
        .order_by("created_at", "pk")
    )


def mailing_next_scheduled(*, workshop: Workshop, now: datetime.datetime) -> Mailing | None:
    """The next material or reminder mailing not yet due (its approval state is shown where the model has it)."""
    return (
        Mailing.objects.filter(
            workshop=workshop, kind__in=[Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER], scheduled_for__gte=now
        )
        .select_related("session")
        .order_by("scheduled_for", "pk")
        .first()
    )


def workshops_upcoming(*, now: datetime.datetime | None = None) -> list[Workshop]:
    """Workshops whose first session is today or later, soonest first (for the admin home). One query."""
    today = timezone.localtime(now or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)
    return list(
        Workshop.objects.annotate(first_starts_at=Min("sessions__starts_at"))
        .filter(first_starts_at__gte=today)
        .order_by("first_starts_at", "pk")
    )
