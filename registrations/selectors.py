"""Reads on registrations that are more than a one-line query."""

from itertools import groupby

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.signals import post_delete, post_save

from registrations.models import Municipality, Registration
from workshops.cache import ProcessCache
from workshops.models import Session, Workshop


def municipalities_valid_for(*, workshop: Workshop):
    """The municipalities that exist on the workshop's date (all current ones if it has no session yet)."""
    day = workshop.event_date
    if day is None:
        return Municipality.objects.filter(valid_to__isnull=True)
    return Municipality.objects.valid_on(day)


def municipalities_by_county(*, workshop: Workshop) -> list[tuple[str, tuple[tuple[int, str], ...]]]:
    """(county, ((pk, name), …)) pairs in county-number order, for a grouped select.

    Plain tuples, not model instances: the form renders ~360 of them on every page view. The list of a date
    is kept in this process for MUNICIPALITIES_CACHE_SECONDS (the rows change with a data load, not with
    use), and its tuples let ``widgets.GroupedSelect`` reuse the markup it wrote for them.
    """
    day = workshop.event_date

    def load():
        rows = (
            municipalities_valid_for(workshop=workshop)
            .order_by("county_number", "county", "name")
            .values_list("county_number", "county", "pk", "name")
        )
        return [
            (county, tuple((pk, name) for _n, _c, pk, name in items))
            for (_n, county), items in groupby(rows, key=lambda row: (row[0], row[1]))
        ]

    return _municipalities.get(day, load)


MUNICIPALITIES_CACHE_SECONDS = 300
_municipalities = ProcessCache(lambda: MUNICIPALITIES_CACHE_SECONDS, maxsize=32)


def municipalities_cache_clear() -> None:
    """Forget the kept lists (after loading municipality rows again)."""
    _municipalities.clear()


def sessions_annotate_seats(*, queryset: QuerySet[Session]) -> QuerySet[Session]:
    """Annotate each session with ``seats_taken``: the participants of its confirmed delegations."""
    return queryset.annotate(
        seats_taken=Count(
            "registrations__participants",
            filter=Q(registrations__status=Registration.Status.CONFIRMED),
        )
    )


def seats_taken(*, session_ids: list[int]) -> dict[int, int]:
    """{session id: seats taken} by the definition above (the services check capacity with it)."""
    rows = sessions_annotate_seats(queryset=Session.objects.filter(pk__in=session_ids)).values_list("pk", "seats_taken")
    return dict(rows)


_public_seats = ProcessCache(lambda: settings.WORKSHOP_CACHE_SECONDS)


def seats_taken_shown(*, workshop: Workshop) -> dict[int, int]:
    """{session id: seats taken} for what the public pages say ("all seats are taken"), kept per process for
    ``WORKSHOP_CACHE_SECONDS``: the registration page and every refused POST would count again otherwise.

    This process forgets it when it saves or deletes a registration or a session (signals); other writes
    (another process's, a bulk ``update()``) show within those seconds. Nothing is decided on it: the
    services count under the session locks.
    """
    return _public_seats.get(workshop.pk, lambda: seats_taken(session_ids=[s.pk for s in workshop.sessions.all()]))


def seats_shown_forget(**_signal_kwargs) -> None:
    _public_seats.clear()


def connect_signals() -> None:
    for model in (Registration, Session):
        post_save.connect(seats_shown_forget, sender=model, dispatch_uid=f"registrations.seats.save.{model.__name__}")
        post_delete.connect(
            seats_shown_forget, sender=model, dispatch_uid=f"registrations.seats.delete.{model.__name__}"
        )


def sessions_with_seats(*, workshop: Workshop) -> list[Session]:
    """The workshop's sessions, each annotated with ``seats_taken`` (participants of confirmed delegations)."""
    return list(sessions_annotate_seats(queryset=workshop.sessions.all()).order_by("starts_at", "pk"))


def waitlist_position(*, registration: Registration) -> int | None:
    """1 for the first delegation on the workshop's waiting list; None when not waiting."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    earlier = Q(created_at__lt=registration.created_at) | Q(created_at=registration.created_at, pk__lt=registration.pk)
    return (
        Registration.objects.filter(workshop_id=registration.workshop_id, status=Registration.Status.WAITLISTED)
        .filter(earlier)
        .count()
        + 1
    )


def registration_active(*, workshop: Workshop, municipality: Municipality) -> Registration | None:
    """The municipality's confirmed or waiting registration for the workshop (at most one), or None."""
    return (
        Registration.objects.filter(workshop=workshop, municipality=municipality)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


def registration_resubmitted(
    *, workshop: Workshop, municipality: Municipality, form_id: str, contact_email: str
) -> Registration | None:
    """The municipality's active registration if this very form made it, else None: the same form sent twice
    (a double click, or sent again after an error page when the first had been saved) is not a second
    delegation. The form is recognised by its own id (``form_id``, which only whoever was shown that form
    holds) and, to be sure, by the contact person's address typed into it."""
    registration = registration_active(workshop=workshop, municipality=municipality)
    if registration is None or not form_id or registration.form_id != form_id:
        return None
    if registration.contact_email.casefold() != contact_email.strip().casefold():
        return None
    return registration
