"""The notifications outbox: what is sent (Mailing), to whom and how it went (Delivery), and material files.

A Mailing is one email with one meaning: the material of a workshop, a reminder for a session, a one-off
message from staff, or one event of one delegation (its confirmation, a session change, its cancellation).
A Delivery is that mailing for one address. The unique constraint on (mailing, lower(email)) is what makes
"exactly once" hold even when two workers or a beat tick and a registration race to create the same row.
A LedgerEntry remembers that a workshop mailing was given to an address by what the mailing is, not by its
row: deleting rows cannot make the scheduler send it again. Mailings and deliveries are history; they are
never deleted through the admin, and a mailing with deliveries cannot be deleted at all (PROTECT).
"""

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from registrations.models import Participant, Registration
from workshops.models import Session, Workshop


def _material_path(instance: "MaterialFile", filename: str) -> str:
    # A random folder keeps the stored name unguessable: the files are for registered participants only.
    return f"material/{instance.workshop_id}/{secrets.token_urlsafe(12)}/{PurePath(filename).name}"


class MaterialFile(models.Model):
    """A file of preparatory material, sent with the material mailing (attached, or as a personal link)."""

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="material_files", verbose_name=_("workshop")
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_material_path, max_length=300)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("material file")
        verbose_name_plural = _("material files")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title

    @property
    def filename(self) -> str:
        return PurePath(self.file.name).name


class MaterialDownload(models.Model):
    """A participant opened a material file through their personal link: one row per download.

    The registration is kept beside the participant so that staff can count per delegation, and so the row
    still says which delegation it was if the participant is later removed from it.
    """

    material_file = models.ForeignKey(
        MaterialFile, on_delete=models.CASCADE, related_name="downloads", verbose_name=_("material file")
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="material_downloads",
        verbose_name=_("participant"),
    )
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="material_downloads", verbose_name=_("registration")
    )
    downloaded_at = models.DateTimeField(_("downloaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("material download")
        verbose_name_plural = _("material downloads")
        ordering = ["-downloaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.material_file} – {self.participant or self.registration}"


class Mailing(models.Model):
    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("confirmation")
        MATERIAL = "material", _("preparatory material")
        REMINDER = "reminder", _("reminder")
        SESSION_CHANGE = "session_change", _("session change")
        CANCELLATION = "cancellation", _("cancellation")
        CUSTOM = "custom", _("message from the organisers")
        INVITATION = "invitation", _("invitation to register")
        INVITATION_REMINDER = "invitation_reminder", _("reminder to register")
        # To the contact person only (notifications.services.contact_*): the link, a dispute, a transfer.
        LINK_RESEND = "link_resend", _("link sent again")
        LINK_NEW = "link_new", _("new link")
        DISPUTE_NOTICE = "dispute_notice", _("dispute notice")
        CONTACT_REPLACED = "contact_replaced", _("contact person replaced")
        # Self-service changes (notifications.services.participants_removed / contact_changed).
        PARTICIPANT_REMOVED = "participant_removed", _("participant removed")
        CONTACT_CHANGED = "contact_changed", _("contact person changed")

    # Mailings about one delegation; the others go to the participants of a workshop or a session.
    REGISTRATION_KINDS = frozenset(
        {
            Kind.CONFIRMATION,
            Kind.SESSION_CHANGE,
            Kind.CANCELLATION,
            Kind.LINK_RESEND,
            Kind.LINK_NEW,
            Kind.DISPUTE_NOTICE,
            Kind.CONTACT_REPLACED,
            Kind.PARTICIPANT_REMOVED,
            Kind.CONTACT_CHANGED,
        }
    )
    # Kinds that carry the secret link: they go only to whoever is the contact person when they are sent.
    LINK_KINDS = frozenset({Kind.LINK_RESEND, Kind.LINK_NEW})
    # Kinds written for someone who is no longer in the delegation (a removed participant, a replaced contact).
    FAREWELL_KINDS = frozenset({Kind.PARTICIPANT_REMOVED, Kind.CONTACT_REPLACED})
    # Invitations go to municipal contacts (notifications/outreach.py), not to participants.
    INVITATION_KINDS = frozenset({Kind.INVITATION, Kind.INVITATION_REMINDER})
    # Staff approve these before they go out (services.mailing_approve).
    SCHEDULED_KINDS = frozenset({Kind.MATERIAL, Kind.REMINDER}) | INVITATION_KINDS

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="mailings", verbose_name=_("workshop")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    session = models.ForeignKey(
        Session,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("session"),
        help_text=_("Only the participants of this session; empty for the whole workshop."),
    )
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mailings",
        verbose_name=_("registration"),
    )
    previous_session = models.ForeignKey(
        Session, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("previous session")
    )
    days_before = models.PositiveSmallIntegerField(_("days before"), null=True, blank=True)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("Only for messages from the organisers.")
    )
    body = models.TextField(
        _("message"),
        blank=True,
        help_text=_("Placeholders in braces are replaced for each recipient, e.g. {participant_name}."),
    )
    scheduled_for = models.DateTimeField(
        _("send at"), null=True, blank=True, db_index=True, help_text=_("Empty while a message is a draft.")
    )
    released_at = models.DateTimeField(_("deliveries created"), null=True, blank=True)
    # A scheduled mailing (material, reminder) goes out only once staff approved it (services.mailing_approve).
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    # When the organisers were told that it awaits approval (once per mailing).
    approval_reminder_sent_at = models.DateTimeField(_("approval reminder sent"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        ordering = ["-scheduled_for", "-pk"]
        permissions = [("send_mailing", _("Can send and approve mailings"))]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop"], condition=Q(kind="material"), name="mailing_one_material_per_workshop"
            ),
            models.UniqueConstraint(
                fields=["session", "days_before"],
                condition=Q(kind="reminder"),
                name="mailing_one_reminder_per_session_and_offset",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=[
                        "confirmation",
                        "session_change",
                        "cancellation",
                        "participant_removed",
                        "contact_changed",
                        "link_resend",
                        "link_new",
                        "dispute_notice",
                        "contact_replaced",
                    ]
                )
                | Q(registration__isnull=False),
                name="mailing_registration_kinds_have_registration",
            ),
        ]

    def __str__(self) -> str:
        label = self.get_kind_display()
        if self.kind == self.Kind.CUSTOM and self.subject:
            label = f"{label}: {self.subject}"
        if self.kind in (self.Kind.REMINDER, self.Kind.INVITATION_REMINDER) and self.days_before is not None:
            label = f"{label} ({self.days_before} d)"
        where = self.registration or self.session or self.workshop
        return f"{label} – {where}"

    @property
    def is_about_registration(self) -> bool:
        return self.kind in self.REGISTRATION_KINDS

    @property
    def is_scheduled_kind(self) -> bool:
        return self.kind in self.SCHEDULED_KINDS

    @property
    def is_invitation(self) -> bool:
        return self.kind in self.INVITATION_KINDS

    @property
    def ledger_key(self) -> str:
        """What this workshop mailing IS, in plain ids: the same key for a row created again after a delete."""
        if self.kind == self.Kind.MATERIAL:
            return f"material:workshop={self.workshop_id}"
        if self.kind == self.Kind.REMINDER:
            return f"reminder:session={self.session_id}:days={self.days_before}"
        if self.kind == self.Kind.CUSTOM:
            return f"custom:mailing={self.pk}"
        # Per workshop, not per row: a second invitation to the same workshop skips everyone already invited.
        if self.kind == self.Kind.INVITATION:
            return f"invitation:workshop={self.workshop_id}"
        if self.kind == self.Kind.INVITATION_REMINDER:
            return f"invitation_reminder:workshop={self.workshop_id}:days={self.days_before}"
        raise ValueError("registration mailings are not in the ledger")


class Delivery(models.Model):
    """One mailing to one address. Claimed by exactly one worker with a conditional UPDATE."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("not sent")

    mailing = models.ForeignKey(Mailing, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("mailing"))
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    registration = models.ForeignKey(
        Registration,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("registration"),
    )
    participant = models.ForeignKey(
        Participant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name=_("participant"),
    )
    language = models.CharField(_("language"), max_length=10, default="nb")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                "mailing",
                Lower("email"),
                name="delivery_once_per_mailing_and_address",
                violation_error_message=_("This mailing already has a delivery to this address."),
            ),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_status_due")]

    def __str__(self) -> str:
        return f"{self.mailing} → {self.email}"


class LedgerEntry(models.Model):
    """A workshop mailing was given to an address: at most once, whatever happens to the Mailing rows.

    ``key`` is Mailing.ledger_key (plain ids, no foreign key that a delete could cascade through). Written
    in the transaction that creates the Delivery, and read by the scheduler before it creates one.
    """

    key = models.CharField(_("mailing"), max_length=100)
    email = models.EmailField(_("email"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("sent-mail ledger entry")
        verbose_name_plural = _("sent-mail ledger")
        constraints = [
            models.UniqueConstraint("key", Lower("email"), name="ledger_once_per_mailing_and_address"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.email}"
