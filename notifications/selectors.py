"""Reads on the outbox. Who a mailing goes to: the one place that decides eligibility, used when
deliveries are created and again just before each one is sent (a delegation may have been cancelled in
between). Which mailings are due, and what a scheduled mailing still lacks before staff approve it."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from notifications import outreach_selectors
from notifications.models import Delivery, Mailing, MaterialFile
from notifications.privacy import ANONYMISED_DOMAIN, is_anonymised
from registrations.models import Participant, Registration
from workshops.cache import ProcessCache
from workshops.models import ReflectionQuestion, Session

Status = Registration.Status
# Mailings to the participants of a workshop or a session (the others are about one delegation).
WORKSHOP_KINDS = (Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER, Mailing.Kind.CUSTOM)


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    registration: Registration | None  # None for an invitation (a municipal contact, not a delegation)
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
    # An erased person keeps their seat under an anonymised address, which is nobody's (notifications.privacy).
    return [person for person in people.values() if not is_anonymised(person.email)]


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
    if mailing.is_invitation:
        return [] if registration_ids is not None else invitation_audience(mailing=mailing, emails=emails)
    qs = (
        Participant.objects.filter(registration__workshop_id=mailing.workshop_id)
        .exclude(email__iendswith="@" + ANONYMISED_DOMAIN)
        .select_related("registration__municipality", "registration__session")
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


def invitation_audience(*, mailing: Mailing, emails: Iterable[str] | None = None) -> list[Recipient]:
    """The contacts of the municipalities not registered for the workshop (outreach_selectors), each
    address once; a delegation's catch-up never includes them."""
    targets = outreach_selectors.invitation_targets(
        workshop=mailing.workshop, emails=list(emails) if emails is not None else None
    )
    return [
        Recipient(email=email, name=target["name"], registration=None, participant=None, language="nb")
        for email, target in targets.items()
    ]


@dataclass
class Eligibility:
    """For deliveries about to be sent: why some must not go (``skip``), and whom the others address."""

    skip: dict[int, str] = field(default_factory=dict)
    addressees: dict[int, tuple[Registration | None, Participant | None]] = field(default_factory=dict)


def deliveries_eligibility(*, deliveries: Sequence[Delivery], now: datetime.datetime) -> Eligibility:
    """Whether each delivery may still be sent, checked at the moment of sending.

    A delegation's own mailing (confirmation, change) is not sent once the delegation is cancelled, nor
    to an address no longer in the delegation (see _registration_mailing_skip), and one with its link only
    to the contact person as they are at the moment of sending. A
    workshop mailing goes only to someone still in ``mailing_audience`` and not after its session ended;
    a person in two delegations is addressed through the one the audience picks (e.g. after the other was
    cancelled), which ``addressees`` gives for every delivery not skipped.
    """
    result = Eligibility()
    by_mailing: dict[int, list[Delivery]] = {}
    members: dict[int, set[str]] = {}  # the delegation's addresses now, read once per delegation
    for delivery in deliveries:
        mailing = delivery.mailing
        if not mailing.is_about_registration:
            by_mailing.setdefault(mailing.pk, []).append(delivery)
            continue
        registration = delivery.registration or mailing.registration
        if registration is None:
            result.skip[delivery.pk] = "The registration was deleted."
            continue
        if registration.pk not in members:
            members[registration.pk] = {r.key for r in registration_recipients(registration=registration)}
        reason = _registration_mailing_skip(mailing, registration, delivery, members[registration.pk])
        if reason:
            result.skip[delivery.pk] = reason
        else:
            result.addressees[delivery.pk] = (registration, delivery.participant)
    for group in by_mailing.values():
        mailing = group[0].mailing
        end = mailing_window_end(mailing=mailing)
        audience = {r.key: r for r in mailing_audience(mailing=mailing, emails=[d.email for d in group])}
        for delivery in group:
            recipient = audience.get(delivery.email.strip().lower())
            if end is not None and end <= now:
                result.skip[delivery.pk] = (
                    "The registration deadline has passed." if mailing.is_invitation else "The session is over."
                )
            elif recipient is None and mailing.is_invitation:
                result.skip[delivery.pk] = "The municipality has registered (or the contact was removed)."
            elif recipient is None:
                result.skip[delivery.pk] = "The recipient is no longer registered for this mailing."
            else:
                result.addressees[delivery.pk] = (recipient.registration, recipient.participant)
    return result


def _is_contact(registration: Registration, email: str) -> bool:
    return registration.contact_email.strip().lower() == email.strip().lower()


def _registration_mailing_skip(
    mailing: Mailing, registration: Registration, delivery: Delivery, members: set[str]
) -> str:
    """Why a delegation's own mailing must not go to this address now ("" when it may).

    The cancellation goes to those it was written for. A notice to someone removed goes to an address no
    longer in the delegation (unless it is back); so does the notice to a replaced contact person. A link
    goes only to whoever is the contact person at the moment of sending. Everything else goes only while
    the delegation is not cancelled and the address is still in it: a removed participant gets nothing
    more; a contact-change email also goes to the previous contact person, who is told without the link.
    """
    address = delivery.email.strip().lower()
    kind = mailing.kind
    if kind == Mailing.Kind.CANCELLATION:
        return ""
    if kind == Mailing.Kind.PARTICIPANT_REMOVED:
        return "The recipient is in the delegation again." if address in members else ""
    if registration.status == Status.CANCELLED:
        return "The registration was cancelled."
    if kind in Mailing.LINK_KINDS and not _is_contact(registration, delivery.email):
        # The link opens the delegation: never to an address that stopped being the contact person's.
        return "The recipient is no longer the contact person."
    if kind not in (Mailing.Kind.CONTACT_CHANGED, Mailing.Kind.CONTACT_REPLACED) and address not in members:
        return "The recipient is no longer in the delegation."
    return ""


def registration_confirmation_sent(*, registration: Registration) -> bool:
    """Whether the delegation's confirmation has gone out (to at least one of its addresses)."""
    return Delivery.objects.filter(
        registration=registration, mailing__kind=Mailing.Kind.CONFIRMATION, status=Delivery.Status.SENT
    ).exists()


def latest_delivery_status(*, participant_ref: str = "pk") -> Subquery:
    """The status of a participant's most recent delivery (by created_at, then pk), NULL when they have
    none: an expression to annotate a Participant queryset with, one subquery rather than a query per row."""
    latest = Delivery.objects.filter(participant=OuterRef(participant_ref)).order_by("-created_at", "-pk")
    return Subquery(latest.values("status")[:1])


def mailing_window_end(*, mailing: Mailing) -> datetime.datetime | None:
    """After this moment the mailing is pointless (its session is over, or for an invitation the registration
    deadline has passed): no first send, no catch-up."""
    if mailing.is_invitation:
        return mailing.workshop.registration_deadline
    if mailing.session_id is not None:
        return mailing.session.ends_at
    return mailing.workshop.sessions.aggregate(end=Max("ends_at"))["end"]


# --- Sending again (the registration list's resend actions) ---------------------------------------


@dataclass
class ResendRow:
    """What sending again means for one delegation: the addresses it reaches, or why none."""

    registration: Registration
    recipients: list[Recipient] = field(default_factory=list)
    had_it: set[str] = field(default_factory=set)  # the addresses (keys) with a delivery of the mailing already
    reason: str = ""  # why nothing goes to this delegation

    @property
    def contacts(self) -> int:
        contact = self.registration.contact_email.strip().lower()
        return sum(1 for r in self.recipients if r.key == contact)


def confirmation_resend_plan(*, registrations: Iterable[Registration]) -> list[ResendRow]:
    """Whom a new confirmation reaches in each delegation: the contact person and every participant.
    A cancelled delegation gets none (its confirmation would be skipped when sent)."""
    rows = []
    for registration in registrations:
        if registration.status == Status.CANCELLED:
            rows.append(ResendRow(registration, reason=str(_("cancelled"))))
        else:
            rows.append(ResendRow(registration, registration_recipients(registration=registration)))
    return rows


def mailing_resend_plan(*, mailing: Mailing, registrations: Iterable[Registration]) -> list[ResendRow]:
    """Whom sending a workshop mailing again reaches in each delegation: its participants in the mailing's
    audience (``mailing_audience``, the one rule), and how many of them had it already."""
    registrations = list(registrations)
    audience = mailing_audience(mailing=mailing, registration_ids=[r.pk for r in registrations])
    had_it = set(
        Delivery.objects.filter(mailing=mailing)
        .annotate(key=Lower("email"))
        .filter(key__in=[r.key for r in audience])
        .values_list("key", flat=True)
    )
    rows = {r.pk: ResendRow(r) for r in registrations}
    for recipient in audience:
        row = rows[recipient.registration.pk]
        row.recipients.append(recipient)
        if recipient.key in had_it:
            row.had_it.add(recipient.key)
    for row in rows.values():
        if not row.recipients:
            row.reason = _why_not(mailing, row.registration)
    return list(rows.values())


def _why_not(mailing: Mailing, registration: Registration) -> str:
    """Why mailing_audience() left a delegation out, in words for staff."""
    if registration.status == Status.CANCELLED:
        return str(_("cancelled"))
    if mailing.kind == Mailing.Kind.REMINDER or mailing.session_id is not None:
        if registration.status == Status.WAITLISTED:
            return str(_("on the waiting list"))
        if registration.session_id != mailing.session_id:
            return str(_("not in that session"))
    return str(_("its participants get it through another delegation"))


def mailings_resendable(*, workshop_id: int, now: datetime.datetime) -> list[Mailing]:
    """The workshop's mailings that went out and may go again: material, reminders and messages from the
    organisers, released, whose session is not over."""
    qs = Mailing.objects.filter(
        workshop_id=workshop_id, kind__in=WORKSHOP_KINDS, released_at__isnull=False
    ).select_related("workshop", "session")
    return [m for m in qs.order_by("scheduled_for", "pk") if _still_useful(m, now)]


def _still_useful(mailing: Mailing, now: datetime.datetime) -> bool:
    end = mailing_window_end(mailing=mailing)
    return end is None or end > now


# A message from the organisers is approved by being sent ("send now"); the scheduled kinds by staff.
_APPROVED = Q(kind=Mailing.Kind.CUSTOM) | Q(approved_at__isnull=False)


def workshop_has_released_mailings(*, workshop_id: int, now: datetime.datetime) -> bool:
    """Whether any workshop or session mailing of the workshop is due (the catch-up has work to look at).

    Asked for every new delegation, so each process keeps the workshop's earliest approved mailing time for
    WORKSHOP_CACHE_SECONDS, forgotten at once when this process saves or deletes a mailing. A mailing
    approved in another process within those seconds reaches a delegation registered meanwhile with the
    next beat tick (``mailings_release_due`` gives every due mailing to everyone who lacks it), not at once.
    """
    first = _first_due.get(workshop_id, lambda: _first_due_query(workshop_id))
    return first is not None and first <= now


def _first_due_query(workshop_id: int) -> datetime.datetime | None:
    return Mailing.objects.filter(
        _APPROVED,
        workshop_id=workshop_id,
        kind__in=[Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER, Mailing.Kind.CUSTOM],
        scheduled_for__isnull=False,
    ).aggregate(first=Min("scheduled_for"))["first"]


_first_due = ProcessCache(lambda: settings.WORKSHOP_CACHE_SECONDS, maxsize=256)


def first_due_forget(instance: Mailing | None = None, **_signal_kwargs) -> None:
    """Forget the kept mailing times (this process); connected to Mailing's save and delete. A delegation's
    own mailings (a confirmation with every registration) change nothing here and keep them."""
    if instance is None or not instance.is_about_registration:
        _first_due.clear()


def mailings_due(*, now: datetime.datetime, workshop_id: int | None = None) -> list[Mailing]:
    """Approved workshop and session mailings whose time has come and whose session is not over yet.

    An invitation is released once: contacts imported after it went out get the next invitation staff
    approve, never one on their own (the ledger keeps those already invited out of it)."""
    qs = (
        Mailing.objects.filter(
            _APPROVED,
            kind__in=[Mailing.Kind.MATERIAL, Mailing.Kind.REMINDER, Mailing.Kind.CUSTOM, *Mailing.INVITATION_KINDS],
            scheduled_for__isnull=False,
            scheduled_for__lte=now,
        )
        .exclude(kind__in=Mailing.INVITATION_KINDS, released_at__isnull=False)
        .select_related("workshop", "session")
    )
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
    return Mailing.objects.filter(
        workshop_id=workshop_id, kind=Mailing.Kind.MATERIAL, approved_at__isnull=False, scheduled_for__lte=now
    ).exists()


# --- Approval of scheduled mailings -------------------------------------------------------------------

_GAP_MESSAGES = {
    "questions_empty": _("The workshop has no reflection questions."),
    "questions_draft": _("A reflection question is still marked as a draft."),
    "no_material_file": _("No material file is uploaded."),
    "no_meeting_link": _("The session «%(session)s» has no meeting link."),
    "not_published": _("The workshop is not published: the registration link in the invitation would not work."),
    "not_open_yet": _("Registration opens only after the invitation is sent."),
    "after_deadline": _("It is due after the registration deadline."),
    "no_contacts": _("No contact of a municipality that has not registered: import the contacts first."),
}


@dataclass(frozen=True)
class Gap:
    """Something a scheduled mailing lacks: ``code`` for programs, ``message`` for staff (in the language
    active when it is shown, e.g. the organisers' email)."""

    code: str
    session: str = ""

    @property
    def message(self) -> str:
        return str(_GAP_MESSAGES[self.code]) % {"session": self.session}


def mailing_checklist(*, mailing: Mailing) -> list[Gap]:
    """What is missing before a scheduled mailing (material, reminder) should go out; [] when complete.

    Both kinds carry the reflection questions: none, or one still marked as a draft (the seed's are, until
    staff have edited them and unticked «draft»), is a gap. The material needs a file. Both carry the meeting
    link: a reminder its session's, the material that of every session with a confirmed delegation or open for
    registration.
    """
    if not mailing.is_scheduled_kind:
        return []
    if mailing.is_invitation:
        return invitation_checklist(mailing=mailing)
    workshop = mailing.workshop
    gaps = []
    drafts = list(ReflectionQuestion.objects.filter(workshop=workshop).values_list("is_draft", flat=True))
    if not drafts:
        gaps.append(Gap("questions_empty"))
    elif any(drafts):
        gaps.append(Gap("questions_draft"))
    if mailing.kind == Mailing.Kind.MATERIAL:
        if not MaterialFile.objects.filter(workshop=workshop).exists():
            gaps.append(Gap("no_material_file"))
        sessions = Session.objects.filter(
            Q(is_open=True) | Q(registrations__status=Status.CONFIRMED), workshop=workshop
        ).distinct()
    else:
        sessions = Session.objects.filter(pk=mailing.session_id)
    for session in sessions.filter(meeting_url="").order_by("starts_at"):
        gaps.append(Gap("no_meeting_link", session=str(session)))
    return gaps


def invitation_checklist(*, mailing: Mailing) -> list[Gap]:
    """What an invitation (or its reminder) lacks: a published workshop open for registration at its send
    time, before the deadline, and someone to send it to."""
    workshop, when = mailing.workshop, mailing.scheduled_for
    gaps = []
    if not workshop.is_published:
        gaps.append(Gap("not_published"))
    if when is not None and workshop.registration_opens_at is not None and when < workshop.registration_opens_at:
        gaps.append(Gap("not_open_yet"))
    if when is not None and when > workshop.registration_deadline:
        gaps.append(Gap("after_deadline"))
    if not invitation_audience(mailing=mailing):
        gaps.append(Gap("no_contacts"))
    return gaps


def mailings_awaiting_approval(*, now: datetime.datetime, within: datetime.timedelta) -> list[Mailing]:
    """Scheduled mailings not approved that are due before now + `within` (overdue ones included) and
    whose session is not over: what staff must look at."""
    qs = Mailing.objects.filter(
        kind__in=Mailing.SCHEDULED_KINDS,
        approved_at__isnull=True,
        released_at__isnull=True,
        scheduled_for__lte=now + within,
    ).select_related("workshop", "session")
    awaiting = []
    for mailing in qs.order_by("scheduled_for", "pk"):
        end = mailing_window_end(mailing=mailing)
        if end is None or end > now:
            awaiting.append(mailing)
    return awaiting
