"""Staff actions on mailings (create, approve, send, resend, retry) and the reminder about unapproved ones."""

import datetime
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import emails, scheduling, selectors, tasks
from notifications.models import Delivery, Mailing
from notifications.services.hooks import registration_mailing
from registrations.models import Registration
from workshops.audit import Actor, changes, log_action, snapshot
from workshops.models import Session, Workshop

logger = logging.getLogger(__name__)


class MailingError(Exception):
    """A mailing action refused, with a message for staff and the checklist gaps when that is the reason."""

    def __init__(self, message: str, *, gaps: Sequence[selectors.Gap] = ()):
        super().__init__(message)
        self.message = message
        self.gaps = list(gaps)


def mailing_create_custom(
    *, workshop: Workshop, subject: str, body: str, actor: Actor, session: Session | None = None
) -> Mailing:
    """A draft message from the organisers (sent by ``mailing_send_now``).

    Side effects: a Mailing row; a "mailing.created" log entry.
    """
    with transaction.atomic():
        mailing = Mailing.objects.create(
            workshop=workshop,
            session=session,
            kind=Mailing.Kind.CUSTOM,
            subject=subject,
            body=body,
            created_by=actor.user if actor.is_staff else None,
        )
        log_action(
            actor=actor,
            action="mailing.created",
            obj=mailing,
            workshop_id=workshop.pk,
            data={"subject": subject, "session": session.pk if session else None},
        )
    return mailing


def mailing_send_now(*, mailing: Mailing, actor: Actor, now: datetime.datetime | None = None) -> list[int]:
    """Send a message from the organisers (or an approved scheduled mailing early) to its audience now.

    Sending a message from the organisers is its approval. A scheduled mailing (material, reminder) must be
    approved first (``mailing_approve``, with its checklist): MailingError otherwise.
    Side effects: Mailing.scheduled_for set to now when later or empty (and approved_at for a message);
    Deliveries created for its audience; a "mailing.sent" log entry; sending queued on commit. Later
    additions to the audience get it on the next beat tick (catch-up).
    """
    if mailing.is_about_registration:
        raise ValueError("registration mailings are sent by their hooks")
    now = now or timezone.now()
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.is_scheduled_kind and mailing.approved_at is None:
            raise MailingError(_("Approve «%(mailing)s» before it is sent.") % {"mailing": mailing})
        if mailing.scheduled_for is None or mailing.scheduled_for > now:
            mailing.scheduled_for = now
        if mailing.approved_at is None:
            mailing.approved_at, mailing.approved_by = now, actor.user if actor.is_staff else None
        mailing.save(update_fields=["scheduled_for", "approved_at", "approved_by"])
        ids = scheduling.mailing_release(mailing=mailing, now=now)
        log_action(
            actor=actor,
            action="mailing.sent",
            obj=mailing,
            workshop_id=mailing.workshop_id,
            data={"deliveries": len(ids)},
        )
        tasks.queue_on_commit(ids)
    return ids


def mailing_approve(
    *, mailing: Mailing, actor: Actor, accept_gaps: bool = False, now: datetime.datetime | None = None
) -> Mailing:
    """Let a scheduled mailing (material, reminder) go out at its time.

    Refused (MailingError with the gaps) while ``selectors.mailing_checklist`` finds something missing,
    unless ``accept_gaps``: staff confirmed they send it anyway. The approval holds when the scheduled time
    moves later (the workshop's dates changed). Side effects: approved_at and approved_by set; a
    "mailing.approved" log entry listing the gaps accepted.
    """
    if not mailing.is_scheduled_kind:
        raise MailingError(_("Only the material and reminders are approved; a message is approved by sending it."))
    now = now or timezone.now()
    with transaction.atomic():
        mailing = (
            Mailing.objects.select_for_update(of=("self",)).select_related("workshop", "session").get(pk=mailing.pk)
        )
        if mailing.approved_at is not None:
            return mailing
        gaps = selectors.mailing_checklist(mailing=mailing)
        if gaps and not accept_gaps:
            raise MailingError(_("«%(mailing)s» is not complete.") % {"mailing": mailing}, gaps=gaps)
        mailing.approved_at, mailing.approved_by = now, actor.user if actor.is_staff else None
        mailing.save(update_fields=["approved_at", "approved_by"])
        log_action(
            actor=actor,
            action="mailing.approved",
            obj=mailing,
            workshop_id=mailing.workshop_id,
            data={"scheduled_for": mailing.scheduled_for, "gaps_accepted": [g.code for g in gaps]},
        )
    return mailing


def mailing_approval_withdraw(*, mailing: Mailing, actor: Actor) -> Mailing:
    """Take back the approval of a scheduled mailing that has not gone out: it waits for approval again.

    Refused (MailingError) once it went out. Side effects: approved_at and approved_by cleared; a
    "mailing.approval_withdrawn" log entry.
    """
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        if mailing.released_at is not None or mailing.deliveries.exists():
            raise MailingError(_("«%(mailing)s» has gone out already.") % {"mailing": mailing})
        if mailing.approved_at is None:
            return mailing
        mailing.approved_at, mailing.approved_by = None, None
        mailing.save(update_fields=["approved_at", "approved_by"])
        log_action(actor=actor, action="mailing.approval_withdrawn", obj=mailing, workshop_id=mailing.workshop_id)
    return mailing


def mailing_update(*, mailing: Mailing, actor: Actor, subject: str | None = None, body: str | None = None) -> Mailing:
    """Staff edit the text of a mailing that has not gone out (None leaves a field as it is).

    Refused (MailingError) once the mailing went out, and for a delegation's own mailings: what was sent
    stays on record. Side effects: subject and body saved; a "mailing.changed" log entry with the values
    before and after (none when nothing changed).
    """
    values = {name: value for name, value in (("subject", subject), ("body", body)) if value is not None}
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().get(pk=mailing.pk)
        before = snapshot(mailing, values)
        if not changes(before, values):
            return mailing
        if mailing.is_about_registration or mailing.released_at is not None:
            raise MailingError(_("«%(mailing)s» has gone out already.") % {"mailing": mailing})
        for name, value in values.items():
            setattr(mailing, name, value)
        mailing.save(update_fields=list(values))
        log_action(
            actor=actor,
            action="mailing.changed",
            obj=mailing,
            workshop_id=mailing.workshop_id,
            data={"changes": changes(before, values)},
        )
    return mailing


def registration_confirmation_resend(*, registration: Registration, actor: Actor) -> list[int]:
    """Send a delegation its confirmation again, as it reads today, to the contact person and every participant.

    A new confirmation Mailing rather than the old rows reset: the delegation may have changed since, and the
    first confirmation stays on record as it was sent. Refused (MailingError) for a cancelled delegation.
    Side effects: a confirmation Mailing with one Delivery per address; a "registration.confirmation_resent"
    log entry on the registration; sending queued on commit. Returns the new deliveries' ids.
    """
    with transaction.atomic():
        registration = Registration.objects.select_related("workshop", "session").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise MailingError(
                _("%(registration)s is cancelled: no confirmation is sent.") % {"registration": registration}
            )
        mailing = registration_mailing(
            registration=registration,
            kind=Mailing.Kind.CONFIRMATION,
            created_by=actor.user if actor.is_staff else None,
        )
        recipients = selectors.registration_recipients(registration=registration)
        ids = scheduling.deliveries_create(mailing=mailing, recipients=recipients, now=timezone.now(), fresh=True)
        log_action(
            actor=actor,
            action="registration.confirmation_resent",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={"mailing": mailing.pk, "deliveries": len(ids)},
        )
        tasks.queue_on_commit(ids)
    return ids


def mailing_resend(
    *, mailing: Mailing, registrations: Iterable[Registration], actor: Actor, now: datetime.datetime | None = None
) -> list[int]:
    """Send a workshop mailing that went out (material, reminder, message) again to the participants of these
    delegations who are in its audience now (``selectors.mailing_audience``: e.g. not a cancelled delegation,
    for a reminder only its session).

    An address that had a delivery of the mailing gets that row back as pending, due now, attempts from zero
    (unless a worker is sending it at this moment): the same row, so the mailing still has one delivery per
    address. An address without one gets a new delivery. The ledger (LedgerEntry) stops the scheduler and
    the catch-up from giving a mailing to an address twice; an explicit staff resend is the one exception:
    it does not ask the ledger, and writes the entry where it is missing, so the scheduler still never adds
    a send of its own. Refused (MailingError) before the mailing went out and after its session ended.
    Side effects: Delivery rows reset or created; ledger entries written; a "mailing.resent" log entry on
    the mailing; sending queued on commit. Returns the ids queued.
    """
    if mailing.is_about_registration:
        raise ValueError("a delegation's own mailings are sent again with registration_confirmation_resend")
    now = now or timezone.now()
    registration_ids = sorted({r.pk for r in registrations})
    with transaction.atomic():
        mailing = (
            Mailing.objects.select_for_update(of=("self",)).select_related("workshop", "session").get(pk=mailing.pk)
        )
        if mailing.released_at is None:
            raise MailingError(_("«%(mailing)s» has not gone out yet.") % {"mailing": mailing})
        end = selectors.mailing_window_end(mailing=mailing)
        if end is not None and end <= now:
            raise MailingError(_("«%(mailing)s» is over: its session has ended.") % {"mailing": mailing})
        audience = selectors.mailing_audience(mailing=mailing, registration_ids=registration_ids)
        had_it = (
            Delivery.objects.filter(mailing=mailing)
            .alias(key=Lower("email"))
            .filter(key__in=[r.key for r in audience])
            .exclude(status=Delivery.Status.SENDING)  # going out right now: that is the resend
        )
        reset = list(had_it.values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=reset).exclude(status=Delivery.Status.SENDING).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claim="", last_error=""
        )
        created = scheduling.deliveries_create(mailing=mailing, recipients=audience, now=now, resend=True)
        log_action(
            actor=actor,
            action="mailing.resent",
            obj=mailing,
            workshop_id=mailing.workshop_id,
            data={"registrations": registration_ids, "reset": len(reset), "created": len(created)},
        )
        ids = reset + created
        tasks.queue_on_commit(ids)
    return ids


def deliveries_retry(*, deliveries, actor: Actor, now: datetime.datetime | None = None) -> list[int]:
    """Give failed (and skipped) deliveries a fresh start: pending, no attempts, due now.

    Side effects: the Delivery rows reset; a "mailing.retried" log entry per mailing; sending queued on
    commit. Returns the ids reset.
    """
    now = now or timezone.now()
    retryable = [Delivery.Status.FAILED, Delivery.Status.SKIPPED]
    with transaction.atomic():
        rows = list(deliveries.filter(status__in=retryable).values_list("pk", "mailing_id"))
        ids = [pk for pk, _mailing in rows]
        Delivery.objects.filter(pk__in=ids, status__in=retryable).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now, claim=""
        )
        by_mailing: dict[int, list[int]] = {}
        for pk, mailing_id in rows:
            by_mailing.setdefault(mailing_id, []).append(pk)
        for mailing in Mailing.objects.filter(pk__in=by_mailing):
            log_action(
                actor=actor,
                action="mailing.retried",
                obj=mailing,
                workshop_id=mailing.workshop_id,
                data={"deliveries": by_mailing[mailing.pk]},
            )
        tasks.queue_on_commit(ids)
    return ids


# --- The organisers are told what awaits approval -----------------------------------------------

# How far ahead the organisers' address is told about a mailing not approved yet.
APPROVAL_REMINDER_BEFORE = datetime.timedelta(days=2)


def mailings_approval_remind(*, now: datetime.datetime | None = None) -> list[Mailing]:
    """Email settings.ORGANISERS_EMAIL about each scheduled mailing due within two days and not approved.

    Once per mailing: a conditional UPDATE of approval_reminder_sent_at claims it (one beat tick wins), and
    the claim is undone when the email cannot be sent, so the next tick tries again.
    Side effects: approval_reminder_sent_at set; one email per mailing. Returns the mailings told about.
    """
    now = now or timezone.now()
    told = []
    for mailing in selectors.mailings_awaiting_approval(now=now, within=APPROVAL_REMINDER_BEFORE):
        if mailing.approval_reminder_sent_at is not None:
            continue
        claimed = Mailing.objects.filter(
            pk=mailing.pk, approval_reminder_sent_at__isnull=True, approved_at__isnull=True
        ).update(approval_reminder_sent_at=now)
        if not claimed:
            continue
        try:
            emails.send_approval_reminder(
                mailing=mailing, gaps=selectors.mailing_checklist(mailing=mailing), to=settings.ORGANISERS_EMAIL
            )
        except Exception:  # SMTP trouble: give the mailing back to the next tick
            logger.warning("Could not tell the organisers about mailing %s", mailing.pk, exc_info=True)
            Mailing.objects.filter(pk=mailing.pk, approval_reminder_sent_at=now).update(approval_reminder_sent_at=None)
            continue
        told.append(mailing)
    return told
