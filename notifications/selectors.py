"""Who a mailing goes to. The one place that decides eligibility, used when deliveries are created and
again just before each one is sent (a delegation may have been cancelled in between)."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Max
from django.db.models.functions import Lower

from notifications.models import Delivery, Mailing
from registrations.models import Participant, Registration

Status = Registration.Status


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    registration: Registration
    participant: Participant | None
    language: str

    @property
    def key(self) -> str:
        return self.email.strip().lower()


def registration_recipients(
    *, registration: Registration, participants: Sequence[Participant] | None = None
) -> list[Recipient]:
    """The contact person and every participant of one delegation, each address once (contact first).

    ``participants``: the delegation's rows when the caller already holds them (else they are read).
    """
    people: dict[str, Recipient] = {}
    participants = list(registration.participants.all()) if participants is None else list(participants)
    by_email = {p.email.strip().lower(): p for p in participants}
    contact_key = registration.contact_email.strip().lower()
    contact_as_participant = by_email.get(contact_key)
    people[contact_key] = Recipient(
        email=registration.contact_email.strip(),
        name=contact_as_participant.name if contact_as_participant else registration.contact_name,
        registration=registration,
        participant=contact_as_participant,
        language=registration.language,
    )
    for participant in participants:
        recipient = _participant_recipient(participant)
        people.setdefault(recipient.key, recipient)
    return list(people.values())


def _participant_recipient(participant: Participant) -> Recipient:
    return Recipient(
        email=participant.email.strip(),
        name=participant.name,
        registration=participant.registration,
        participant=participant,
        language=participant.registration.language,
    )


def mailing_audience(
    *, mailing: Mailing, registration_ids: Iterable[int] | None = None, emails: Iterable[str] | None = None
) -> list[Recipient]:
    """The participants a workshop or session mailing goes to, each address once.

    Material: participants of confirmed and waiting delegations. Reminder: of confirmed delegations in the
    reminder's session. A message from the organisers: of its session, or of every active delegation of the
    workshop. Never cancelled delegations. A person in two delegations is addressed through the confirmed
    one (so they get the meeting link), else the earliest.
    """
    if mailing.is_about_registration:
        raise ValueError("registration mailings address their delegation, see registration_recipients()")
    qs = Participant.objects.filter(registration__workshop_id=mailing.workshop_id).select_related(
        "registration__municipality", "registration__session"
    )
    if mailing.kind == Mailing.Kind.REMINDER or mailing.session_id is not None:
        qs = qs.filter(registration__status=Status.CONFIRMED, registration__session_id=mailing.session_id)
    else:
        qs = qs.filter(registration__status__in=[Status.CONFIRMED, Status.WAITLISTED])
    if registration_ids is not None:
        qs = qs.filter(registration_id__in=list(registration_ids))
    if emails is not None:
        qs = qs.alias(email_lower=Lower("email")).filter(email_lower__in={e.strip().lower() for e in emails})
    rows = sorted(
        qs,
        key=lambda p: (p.registration.status != Status.CONFIRMED, p.registration.created_at, p.registration_id, p.pk),
    )
    people: dict[str, Recipient] = {}
    for participant in rows:
        recipient = _participant_recipient(participant)
        people.setdefault(recipient.key, recipient)
    return list(people.values())


def mailing_window_end(*, mailing: Mailing) -> datetime.datetime | None:
    """After this moment the mailing is pointless (its session is over): no first send, no catch-up."""
    if mailing.session_id is not None:
        return mailing.session.ends_at
    return mailing.workshop.sessions.aggregate(end=Max("ends_at"))["end"]


def workshop_has_released_mailings(*, workshop_id: int, now: datetime.datetime) -> bool:
    """Whether any workshop or session mailing of the workshop is due (the catch-up has work to look at)."""
    return Mailing.objects.filter(
        workshop_id=workshop_id,
        kind__in=[Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER, Mailing.Kind.CUSTOM],
        scheduled_for__lte=now,
    ).exists()


def mailings_due(*, now: datetime.datetime, workshop_id: int | None = None) -> list[Mailing]:
    """Workshop and session mailings whose time has come and whose session is not over yet."""
    qs = Mailing.objects.filter(
        kind__in=[Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER, Mailing.Kind.CUSTOM],
        scheduled_for__isnull=False,
        scheduled_for__lte=now,
    ).select_related("workshop", "session")
    if workshop_id is not None:
        qs = qs.filter(workshop_id=workshop_id)
    due = []
    for mailing in qs.order_by("scheduled_for", "pk"):
        end = mailing_window_end(mailing=mailing)
        if end is None or end > now:
            due.append(mailing)
    return due


def mailing_counts(*, mailing: Mailing) -> dict[str, int]:
    """Deliveries per status, every status present (zero when none)."""
    counts = dict.fromkeys(Delivery.Status.values, 0)
    rows = mailing.deliveries.values("status").order_by().annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def material_released(*, workshop_id: int, now: datetime.datetime) -> bool:
    """Whether the material mailing has gone out: from then on, meeting links are part of the emails."""
    return Mailing.objects.filter(workshop_id=workshop_id, kind=Mailing.Kind.MATERIAL, scheduled_for__lte=now).exists()
