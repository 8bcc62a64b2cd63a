"""What each kind of email says, for one delivery. Content is rendered when the delivery is sent, so it
shows the delegation as it is then. Only builds messages: who may still receive one is decided by
selectors.deliveries_eligibility, before this runs (sending.deliveries_send).
"""

import datetime
import logging
import mimetypes
from dataclasses import dataclass, field
from email.mime.base import MIMEBase

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from notifications import calendar, emails, links, outreach_selectors, scheduling, selectors
from notifications.models import Delivery, Mailing, MaterialFile
from notifications.placeholders import placeholders_render
from registrations.models import AnswerSet, Registration, Role
from registrations.selectors import waitlist_position
from workshops.formatting import format_span
from workshops.models import ReflectionQuestion

logger = logging.getLogger(__name__)
Kind = Mailing.Kind


@dataclass
class Plan:
    """The message for one delivery, or why there is none."""

    message: object = None
    message_id: str = ""
    skip_reason: str = ""
    error: str = ""


@dataclass
class Batch:
    """Things shared by the deliveries of one batch, computed once: the workshop's material files, a
    delegation's names, a session's time in each language. A fan-out batch is a hundred deliveries of one
    mailing, so these would otherwise be recomputed (and re-queried) for every message."""

    now: datetime.datetime
    memo: dict = field(default_factory=dict)
    stencils: dict = field(default_factory=dict)  # emails.render_personal's templates rendered once

    def once(self, key: tuple, compute):
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def material_files(self, workshop_id: int) -> list[tuple[MaterialFile, MIMEBase | None]]:
        """The workshop's files, each as an attachment when it fits the attachment budget (else None: a link).

        Encoded once: a shared MIME part goes into every message as it is, where an attachment given as
        bytes would be base64-encoded again for each recipient (megabytes of work per message)."""
        return self.once(("files", workshop_id), lambda: _read_material_files(workshop_id))

    def delegation(self, registration: Registration) -> list[tuple[str, str]]:
        """Names and roles of a delegation (many deliveries share one)."""
        # The lazy label, not get_role_display(): the cache serves recipients of several languages.
        return self.once(
            ("delegation", registration.pk),
            lambda: [(p.name, Role(p.role).label) for p in registration.participants.all()],
        )

    def waitlist_position(self, registration: Registration) -> int | None:
        if registration.status != Registration.Status.WAITLISTED:
            return None
        return self.once(("position", registration.pk), lambda: waitlist_position(registration=registration))

    def questions(self, workshop_id: int) -> list[ReflectionQuestion]:
        """The reflection questions the delegations see (drafts left out), in order."""
        return self.once(
            ("questions", workshop_id),
            lambda: list(
                ReflectionQuestion.objects.filter(workshop_id=workshop_id).published().order_by("position", "pk")
            ),
        )

    def answered(self, workshop_id: int) -> frozenset[int]:
        """Ids of the workshop's registrations that have sent in their answers."""
        return self.once(
            ("answered", workshop_id),
            lambda: frozenset(
                AnswerSet.objects.filter(
                    registration__workshop_id=workshop_id, status=AnswerSet.Status.SUBMITTED
                ).values_list("registration_id", flat=True)
            ),
        )

    def material_released(self, workshop_id: int) -> bool:
        return self.once(
            ("released", workshop_id), lambda: selectors.material_released(workshop_id=workshop_id, now=self.now)
        )

    def material_at(self, workshop) -> datetime.datetime | None:
        return self.once(("material_at", workshop.pk), lambda: scheduling.material_time(workshop=workshop))

    def invitation_targets(self, workshop) -> dict[str, dict]:
        """Address → the municipalities it is invited for (those not registered), once per batch."""
        return self.once(("invitation", workshop.pk), lambda: outreach_selectors.invitation_targets(workshop=workshop))

    def session_time(self, session, language: str) -> str:
        """«onsdag 10. mars 2021 kl. 09.00–11.30», or «waiting list» without a session, in `language`."""

        def compute():
            with translation.override(language):
                return format_span(session.starts_at, session.ends_at) if session else _("waiting list")

        return self.once(("session_time", session.pk if session else None, language), compute)


def _read_material_files(workshop_id: int) -> list[tuple[MaterialFile, MIMEBase | None]]:
    budget = settings.EMAIL_MAX_ATTACHMENT_BYTES
    rows = []
    for item in MaterialFile.objects.filter(workshop_id=workshop_id):
        size = item.file.size
        part = None
        if size <= budget:
            with item.file.open("rb") as fh:
                content = fh.read()
            mimetype = mimetypes.guess_type(item.filename)[0] or "application/octet-stream"
            part = emails.attachment_part(item.filename, content, mimetype)
            budget -= size
        rows.append((item, part))
    return rows


def messages_for(deliveries: list[Delivery], *, now: datetime.datetime, skip: dict[int, str]) -> dict[int, Plan]:
    """The message of each delivery; ``skip`` (delivery id → reason) are those no longer to be sent
    (selectors.deliveries_eligibility)."""
    batch = Batch(now=now)
    plans = {pk: Plan(skip_reason=reason) for pk, reason in skip.items()}
    for delivery in deliveries:
        if delivery.pk in plans:
            continue
        # The claim gave the row its Message-ID (sending.deliveries_claim).
        plan = Plan(message_id=delivery.message_id or emails.new_message_id())
        try:
            plan.message = BUILDERS[delivery.mailing.kind](delivery, batch, plan.message_id)
        except Exception as exc:  # a broken template or file must fail this delivery, not the batch
            logger.exception("Could not build delivery %s", delivery.pk)
            plan.error = f"Could not build the email: {type(exc).__name__}: {exc}"
        plans[delivery.pk] = plan
    return plans


# --- The context every email shares ---------------------------------------------------------------


def _context(delivery: Delivery, batch: Batch, *, session=None, meeting: bool = False) -> dict:
    """What every kind shows. The delegation and the waiting-list place are added by the kinds that show
    them (confirmation, session change): reading them for a fan-out to hundreds would be wasted work."""
    mailing = delivery.mailing
    registration = delivery.registration
    is_contact = registration.contact_email.strip().lower() == delivery.email.strip().lower()
    values = _placeholder_values(delivery, batch, session, meeting)
    return {
        "workshop": mailing.workshop,
        "registration": registration,
        "municipality": registration.municipality.name,
        "recipient_name": delivery.name,
        "session": session,
        "is_waitlisted": registration.status == Registration.Status.WAITLISTED,
        "is_contact": is_contact,
        "manage_url": links.registration_manage_url(registration) if is_contact else "",
        "meeting_url": values["meeting_url"],
        "meeting_passcode": values["meeting_passcode"],
        "message": placeholders_render(mailing.body, values),
        "site_url": settings.SITE_URL,
    }


def _placeholder_values(delivery: Delivery, batch: Batch, session, meeting: bool) -> dict[str, str]:
    """The values of the declared placeholders (notifications/placeholders.py) for one recipient."""
    return {
        "participant_name": delivery.name,
        "municipality": delivery.registration.municipality.name,
        "workshop": delivery.mailing.workshop.title,
        "session_time": batch.session_time(session, delivery.language),
        "meeting_url": session.meeting_url if (meeting and session) else "",
        "meeting_passcode": session.meeting_passcode if (meeting and session) else "",
    }


def _confirmed_session(delivery: Delivery):
    registration = delivery.registration
    return registration.session if registration.status == Registration.Status.CONFIRMED else None


def _invitation(delivery: Delivery, session, method: str = "REQUEST", filename: str = "invitation.ics"):
    if session is None:
        return []
    content = calendar.session_calendar(session=session, email=delivery.email, name=delivery.name, method=method)
    return [calendar.calendar_part(content, method=method, filename=filename)]


def _send(name: str, delivery: Delivery, context: dict, message_id: str, attachments=()):
    return emails.make_message(
        name,
        to=delivery.email,
        context=context,
        language=delivery.language,
        attachments=attachments,
        message_id=message_id,
    )


# --- One function per kind ------------------------------------------------------------------------


def confirmation(delivery: Delivery, batch: Batch, message_id: str):
    session = _confirmed_session(delivery)
    context = _context(delivery, batch, session=session)
    material_at = batch.material_at(delivery.mailing.workshop)
    context["material_at"] = material_at if material_at and material_at > batch.now else None
    context["delegation"] = batch.delegation(delivery.registration)
    context["waitlist_position"] = batch.waitlist_position(delivery.registration)
    return _send("confirmation", delivery, context, message_id, _invitation(delivery, session))


def session_change(delivery: Delivery, batch: Batch, message_id: str):
    mailing = delivery.mailing
    session, previous = mailing.session, mailing.previous_session
    context = _context(delivery, batch, session=session, meeting=batch.material_released(mailing.workshop_id))
    context["previous_session"] = previous
    context["delegation"] = batch.delegation(delivery.registration)
    attachments = _invitation(delivery, session)
    if previous is not None and previous != session:
        attachments += _invitation(delivery, previous, "CANCEL", "cancelled.ics")
    return _send("session-change", delivery, context, message_id, attachments)


def cancellation(delivery: Delivery, batch: Batch, message_id: str):
    previous = delivery.mailing.previous_session
    context = _context(delivery, batch, session=None)
    context["previous_session"] = previous
    return _send("cancellation", delivery, context, message_id, _invitation(delivery, previous, "CANCEL"))


def participant_removed(delivery: Delivery, batch: Batch, message_id: str):
    # A short notice, nothing of the delegation: the address is no longer part of it.
    return _send("participant-removed", delivery, _context(delivery, batch), message_id)


def contact_changed(delivery: Delivery, batch: Batch, message_id: str):
    # _context gives the link only to the address that is the contact person when this is sent.
    context = _context(delivery, batch)
    context["delegation"] = batch.delegation(delivery.registration)
    return _send("contact-changed", delivery, context, message_id)


def material(delivery: Delivery, batch: Batch, message_id: str):
    session = _confirmed_session(delivery)
    context = _context(delivery, batch, session=session, meeting=True)
    attachments, attached, linked = [], [], []
    for item, part in batch.material_files(delivery.mailing.workshop_id):
        if part is not None and delivery.participant is not None:
            attachments.append(part)
            attached.append(item)
        elif delivery.participant is not None:
            linked.append((item, links.material_file_url(material_file=item, participant=delivery.participant)))
    questions = batch.questions(delivery.mailing.workshop_id)
    # Only the contact person's copy carries the link (context["manage_url"] is empty for everyone else).
    not_answered = bool(questions) and delivery.registration_id not in batch.answered(delivery.mailing.workshop_id)
    # What differs from one participant to the next; the rest is the same for a whole session and language,
    # so the templates are rendered once for them all (emails.render_personal).
    personal = {
        "recipient_name": context["recipient_name"],
        "municipality": context["municipality"],
        "answers_url": context["manage_url"] if not_answered else "",
    }
    personal.update((f"link{i}", url) for i, (_, url) in enumerate(linked))

    def context_for(values: dict[str, str]) -> dict:
        return {
            "workshop": context["workshop"],
            "session": session,
            "meeting_url": context["meeting_url"],
            "meeting_passcode": context["meeting_passcode"],
            "message": context["message"],
            "site_url": context["site_url"],
            "attached": attached,
            "linked": [(item, values[f"link{i}"]) for i, (item, _) in enumerate(linked)],
            "questions": questions,
            "answers_url": values["answers_url"],
            "municipality": values["municipality"],
            "recipient_name": values["recipient_name"],
        }

    return emails.make_message(
        "material",
        to=delivery.email,
        context=context_for(personal),
        language=delivery.language,
        attachments=attachments,
        message_id=message_id,
        rendered=lambda: emails.render_personal("material", context_for, personal, memo=batch.stencils),
    )


def reminder(delivery: Delivery, batch: Batch, message_id: str):
    session = delivery.mailing.session
    context = _context(delivery, batch, session=session, meeting=True)
    context["questions"] = batch.questions(delivery.mailing.workshop_id)
    return _send("reminder", delivery, context, message_id)


def custom(delivery: Delivery, batch: Batch, message_id: str):
    session = _confirmed_session(delivery)
    context = _context(delivery, batch, session=session, meeting=True)
    values = _placeholder_values(delivery, batch, session, True)
    context["subject"] = placeholders_render(delivery.mailing.subject, values)
    return _send("custom", delivery, context, message_id)


def invitation(delivery: Delivery, batch: Batch, message_id: str):
    """An invitation to register (or its reminder) to a municipal contact: no delegation yet, so the
    context is the workshop, the municipalities the address speaks for, and the public form's link."""
    mailing = delivery.mailing
    workshop = mailing.workshop
    target = batch.invitation_targets(workshop).get(delivery.email.strip().lower(), {})
    municipalities = target.get("municipalities", [])
    with translation.override(delivery.language):
        joined = _join_names(municipalities)
        # A postmottak address has no person's name: greet the municipality («Hei Oslo kommune,»).
        greeting = delivery.name or (
            _("%(name)s municipality") % {"name": joined} if len(municipalities) == 1 else joined
        )
    values = {"participant_name": delivery.name, "municipality": joined, "workshop": workshop.title}
    context = {
        "workshop": workshop,
        "recipient_name": greeting,
        "municipalities": joined,
        "municipality_count": len(municipalities),
        "register_url": links.workshop_register_url(workshop),
        "first_session": batch.once(("first_session", workshop.pk), lambda: workshop.first_session),
        "is_reminder": mailing.kind == Kind.INVITATION_REMINDER,
        "message": placeholders_render(mailing.body, values),
        "site_url": settings.SITE_URL,
    }
    return _send("invitation", delivery, context, message_id)


def _join_names(names: list[str]) -> str:
    """«Oslo», «Oslo og Bergen», «Oslo, Bergen og Tromsø» (in the active language)."""
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def link_resend(delivery: Delivery, batch: Batch, message_id: str):
    return _send("link-resend", delivery, _context(delivery, batch), message_id)


def link_new(delivery: Delivery, batch: Batch, message_id: str):
    return _send("link-new", delivery, _context(delivery, batch), message_id)


def dispute_notice(delivery: Delivery, batch: Batch, message_id: str):
    return _send("dispute-notice", delivery, _context(delivery, batch), message_id)


def contact_replaced(delivery: Delivery, batch: Batch, message_id: str):
    context = _context(delivery, batch)
    context["new_contact_name"] = delivery.registration.contact_name
    return _send("contact-replaced", delivery, context, message_id)


BUILDERS = {
    Kind.CONFIRMATION: confirmation,
    Kind.SESSION_CHANGE: session_change,
    Kind.CANCELLATION: cancellation,
    Kind.MATERIAL: material,
    Kind.REMINDER: reminder,
    Kind.CUSTOM: custom,
    Kind.INVITATION: invitation,
    Kind.INVITATION_REMINDER: invitation,
    Kind.LINK_RESEND: link_resend,
    Kind.LINK_NEW: link_new,
    Kind.DISPUTE_NOTICE: dispute_notice,
    Kind.CONTACT_REPLACED: contact_replaced,
    Kind.PARTICIPANT_REMOVED: participant_removed,
    Kind.CONTACT_CHANGED: contact_changed,
}
