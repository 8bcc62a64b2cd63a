"""Outreach: inviting the municipalities that have not registered for a workshop, and reminding them.

Invitations are Mailings like the others (kinds ``invitation`` and ``invitation_reminder``): created here
as drafts with a send time, approved by staff with the checklist (services.mailing_approve), released by
the beat tick to the contacts of municipalities not registered at that moment (outreach_selectors), and
checked again just before each email is sent, so a municipality that registers in between gets nothing.
The ledger gives each address one invitation and one reminder per offset per workshop.
"""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Mailing
from notifications.services import MailingError
from workshops.audit import Actor, log_action
from workshops.models import Workshop
from workshops.schedule import local_time


def invitation_create(*, workshop: Workshop, actor: Actor, scheduled_for: datetime.datetime) -> Mailing:
    """An invitation to register, to go out at ``scheduled_for`` once staff approve it.

    Refused (MailingError) when the time is after the registration deadline.
    Side effects: a Mailing row (kind invitation); a "mailing.created" log entry.
    """
    if scheduled_for > workshop.registration_deadline:
        raise MailingError(_("The invitation must go out before the registration deadline."))
    return _create(workshop=workshop, actor=actor, kind=Mailing.Kind.INVITATION, when=scheduled_for)


def invitation_reminder_create(*, workshop: Workshop, days_before_deadline: int, actor: Actor) -> Mailing:
    """A reminder to register, to the municipalities still not registered, ``days_before_deadline``
    calendar days before the deadline at the workshop's reminder time (Oslo time), once staff approve it.

    Refused (MailingError) when that moment has passed or is after the deadline, or when the workshop
    has a reminder with that offset already. Side effects: a Mailing row (kind invitation_reminder,
    days_before); a "mailing.created" log entry.
    """
    deadline = timezone.localtime(workshop.registration_deadline)
    when = local_time(deadline.date(), days_before_deadline, workshop.reminder_send_time)
    if when <= timezone.now():
        raise MailingError(_("That day has passed."))
    if when > workshop.registration_deadline:
        raise MailingError(_("The reminder would go out after the registration deadline."))
    if Mailing.objects.filter(
        workshop=workshop, kind=Mailing.Kind.INVITATION_REMINDER, days_before=days_before_deadline
    ).exists():
        raise MailingError(
            _("This workshop has a reminder %(days)d days before the deadline already.")
            % {"days": days_before_deadline}
        )
    return _create(
        workshop=workshop, actor=actor, kind=Mailing.Kind.INVITATION_REMINDER, when=when, days=days_before_deadline
    )


def _create(
    *, workshop: Workshop, actor: Actor, kind: str, when: datetime.datetime, days: int | None = None
) -> Mailing:
    with transaction.atomic():
        mailing = Mailing.objects.create(
            workshop=workshop,
            kind=kind,
            scheduled_for=when,
            days_before=days,
            created_by=actor.user if actor.is_staff else None,
        )
        log_action(
            actor=actor,
            action="mailing.created",
            obj=mailing,
            workshop_id=workshop.pk,
            data={"kind": kind, "scheduled_for": when, "days_before_deadline": days},
        )
    return mailing
