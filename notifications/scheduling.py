"""The workshop mailings' rows and the creation of their deliveries (first send and catch-up).

When they go out is computed in workshops/schedule.py (the one place for those dates). Beat calls
``mailings_release_due`` every tick: it (re)computes the schedule of upcoming workshops, and for each
mailing whose time has come and that staff approved creates the deliveries its audience lacks. The same
run is the catch-up of anyone who became eligible after the first send; the registration hooks call
``deliveries_catch_up`` to do it at once for one delegation. Whether an address was given a workshop
mailing is read from the ledger (models.LedgerEntry), so deleted rows never cause a second send.
"""

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from notifications import selectors
from notifications.models import Delivery, LedgerEntry, Mailing
from notifications.selectors import Recipient
from workshops.models import Session, Workshop
from workshops.schedule import material_time, reminder_days, reminder_time

logger = logging.getLogger(__name__)


def mailings_schedule(*, workshop: Workshop) -> list[Mailing]:
    """Create or move the workshop's material mailing and reminders to match its settings.

    Mailings already released keep their time (they went out); an approved mailing stays approved when its
    time moves. Reminders for offsets no longer configured are deleted while nothing of them was sent.
    Side effects: Mailing rows created, updated and deleted.
    """
    scheduled: list[Mailing] = []
    sessions = list(workshop.sessions.all())
    when = material_time(workshop=workshop)
    if when is not None:
        scheduled.append(_upsert(workshop=workshop, kind=Mailing.Kind.MATERIAL, when=when))
    offsets = reminder_days(workshop)
    for session in sessions:
        session.workshop = workshop
        for days in offsets:
            when = reminder_time(session=session, days_before=days, workshop=workshop)
            scheduled.append(
                _upsert(workshop=workshop, kind=Mailing.Kind.REMINDER, when=when, session=session, days=days)
            )
    Mailing.objects.filter(
        workshop=workshop, kind=Mailing.Kind.REMINDER, released_at__isnull=True, deliveries__isnull=True
    ).exclude(pk__in=[m.pk for m in scheduled]).delete()
    return scheduled


def _upsert(
    *, workshop: Workshop, kind: str, when: datetime.datetime, session: Session | None = None, days: int | None = None
) -> Mailing:
    lookup = {"workshop": workshop, "kind": kind}
    if kind == Mailing.Kind.REMINDER:
        lookup = {"kind": kind, "session": session, "days_before": days}
    with transaction.atomic():
        mailing, created = Mailing.objects.select_for_update().get_or_create(
            **lookup, defaults={"workshop": workshop, "scheduled_for": when, "session": session, "days_before": days}
        )
        if not created and mailing.released_at is None and mailing.scheduled_for != when:
            mailing.scheduled_for = when
            mailing.save(update_fields=["scheduled_for"])
    return mailing


def mailings_schedule_upcoming(*, now: datetime.datetime) -> None:
    """Keep the schedule of every workshop with a session still to come in step with its settings."""
    for workshop in Workshop.objects.filter(sessions__ends_at__gt=now).distinct().prefetch_related("sessions"):
        mailings_schedule(workshop=workshop)


def mailings_release_due(*, now: datetime.datetime | None = None) -> list[int]:
    """The beat tick: create the missing deliveries of every mailing whose time has come.

    Returns the ids of the deliveries created, for the caller to queue. Side effects: Mailing.released_at
    set on first release; Delivery rows created (at most one per mailing and address).
    """
    now = now or timezone.now()
    mailings_schedule_upcoming(now=now)
    created: list[int] = []
    for mailing in selectors.mailings_due(now=now):
        created += mailing_release(mailing=mailing, now=now)
    return created


def mailing_release(
    *, mailing: Mailing, now: datetime.datetime | None = None, registration_ids: Iterable[int] | None = None
) -> list[int]:
    """Create the deliveries a due workshop/session mailing lacks (optionally for some delegations only)."""
    now = now or timezone.now()
    audience = selectors.mailing_audience(mailing=mailing, registration_ids=registration_ids)
    with transaction.atomic():
        ids = deliveries_create(mailing=mailing, recipients=audience, now=now)
        if mailing.released_at is None and registration_ids is None:
            Mailing.objects.filter(pk=mailing.pk, released_at__isnull=True).update(released_at=now)
            mailing.released_at = now
    if ids:
        logger.info("Mailing %s: %d deliveries created", mailing.pk, len(ids))
    return ids


def deliveries_catch_up(*, registration_id: int, workshop_id: int, now: datetime.datetime | None = None) -> list[int]:
    """Give one delegation the workshop mailings that already went out and that it is now eligible for."""
    now = now or timezone.now()
    if not selectors.workshop_has_released_mailings(workshop_id=workshop_id, now=now):
        return []  # the usual case before the material goes out: one cheap query instead of the full one
    created: list[int] = []
    for mailing in selectors.mailings_due(now=now, workshop_id=workshop_id):
        created += mailing_release(mailing=mailing, now=now, registration_ids=[registration_id])
    return created


def deliveries_create(
    *,
    mailing: Mailing,
    recipients: Sequence[Recipient],
    now: datetime.datetime,
    fresh: bool = False,
    resend: bool = False,
) -> list[int]:
    """Insert a pending delivery for each recipient the mailing was not given yet; return the new ids.

    A workshop mailing (material, reminder, custom) asks the ledger, not its Delivery rows: the ledger is
    keyed by what the mailing is, so a mailing deleted and created again is not given to anyone twice.
    The ledger entries are written here, in the same transaction as the deliveries.
    ``ignore_conflicts`` lets the unique constraints settle a race with another writer (a beat tick and a
    registration hook at the same moment): one row wins, nobody fails.
    ``fresh``: a registration mailing created in this transaction, so no other writer can know it yet; the
    rows are inserted plainly and their ids come back from the INSERT (the registration hot path).
    ``resend``: staff chose to send a workshop mailing again (services.mailing_resend). The ledger is not
    asked, only this mailing's Delivery rows (an address with one is reset by the caller instead); the
    ledger entries are still written, so the scheduler does not send it a further time.
    """
    ledger = not mailing.is_about_registration
    existing = set()
    if ledger and not resend:
        existing = set(LedgerEntry.objects.filter(key=mailing.ledger_key).values_list("email", flat=True))
    elif not fresh:
        existing = set(
            Delivery.objects.filter(mailing=mailing).annotate(key=Lower("email")).values_list("key", flat=True)
        )
    missing = {r.key: r for r in recipients if r.key not in existing}
    if not missing:
        return []
    rows = [
        Delivery(
            mailing=mailing,
            email=r.email,
            name=r.name,
            registration=r.registration,
            participant=r.participant,
            language=r.language,
            next_attempt_at=now,
        )
        for r in missing.values()
    ]
    if fresh and not ledger:
        return [row.pk for row in Delivery.objects.bulk_create(rows)]
    if ledger:
        entries = [LedgerEntry(key=mailing.ledger_key, email=key) for key in missing]
        LedgerEntry.objects.bulk_create(entries, ignore_conflicts=True)
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        Delivery.objects.filter(mailing=mailing, status=Delivery.Status.PENDING)
        .alias(key=Lower("email"))
        .filter(key__in=list(missing))
        .values_list("pk", flat=True)
    )
