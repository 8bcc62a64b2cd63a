"""Workshops and their sessions: the calendar. Imports nothing of registrations or notifications."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from workshops.actions import action_label
from workshops.schedule import validate_reminder_days


def default_retention_months() -> int:
    """A new workshop's retention period: the DEFAULT_RETENTION_MONTHS setting when it is created."""
    return settings.DEFAULT_RETENTION_MONTHS


class Workshop(models.Model):
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    summary = models.TextField(_("summary"), blank=True, help_text=_("One or two sentences for the list of workshops."))
    description = models.TextField(_("description"), blank=True)
    organisers = models.CharField(_("organisers"), max_length=200, default="KS og Norsk kulturskoleråd")
    venue = models.CharField(_("venue"), max_length=200, default="Zoom", help_text=_("Where it happens, e.g. Zoom."))
    is_free = models.BooleanField(_("free of charge"), default=True)
    target_group = models.TextField(_("who should come"), blank=True)
    expectations = models.TextField(_("what is expected"), blank=True)
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_deadline = models.DateTimeField(
        _("registration deadline"),
        help_text=_("The public form takes registrations until the end of this second (Europe/Oslo time)."),
    )
    material_days_before = models.PositiveSmallIntegerField(
        _("send material (days before)"),
        default=7,
        help_text=_("The preparatory material is emailed this many days before the first session."),
    )
    material_send_time = models.TimeField(_("send material at (time of day)"), default=datetime.time(9, 0))
    reminder_days_before = models.CharField(
        _("send reminders (days before)"),
        max_length=50,
        default="1",
        validators=[validate_reminder_days],
        help_text=_("Comma-separated list of days before the session, e.g. «1» or «7, 1». Empty for none."),
    )
    reminder_send_time = models.TimeField(_("send reminders at (time of day)"), default=datetime.time(9, 0))
    min_representatives = models.PositiveSmallIntegerField(
        _("minimum representatives"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_("People representing the municipality itself; local actors and residents do not count."),
    )
    require_role_composition = models.BooleanField(
        _("require culture-school leader and another municipal leader"), default=True
    )
    max_delegation_size = models.PositiveSmallIntegerField(
        _("maximum delegation size"), default=6, validators=[MinValueValidator(1)]
    )
    is_published = models.BooleanField(_("published"), default=False)
    retention_months = models.PositiveSmallIntegerField(
        _("keep personal data (months)"),
        default=default_retention_months,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Months after the last session before the participants' and contact persons' personal data are "
            "anonymised. The privacy notice states this period."
        ),
    )
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        ordering = ["-registration_deadline"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_representatives__lte=F("max_delegation_size")),
                name="workshop_min_representatives_lte_max_size",
                violation_error_message=_("The minimum cannot be larger than the maximum delegation size."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def first_session(self) -> "Session | None":
        sessions = list(self.sessions.all())
        return min(sessions, key=lambda s: s.starts_at) if sessions else None

    @property
    def ends_at(self) -> datetime.datetime:
        """When the workshop is over: the end of its last session (the deadline while it has none)."""
        ends = [s.ends_at for s in self.sessions.all()]
        return max(ends) if ends else self.registration_deadline

    @property
    def anonymise_after(self) -> datetime.datetime:
        """From this moment the personal data are past their retention period (registrations.services.privacy).

        Counted in Oslo wall-clock time: a workshop ending at 15.00 in winter is due at 15.00 in summer too."""
        return timezone.localtime(self.ends_at) + relativedelta(months=self.retention_months)

    @property
    def event_date(self) -> datetime.date | None:
        """The local date of the first session: decides which municipalities exist for it."""
        first = self.first_session
        return timezone.localtime(first.starts_at).date() if first else None


class Session(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("main session")
        OVERFLOW = "overflow", _("overflow session")

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("workshop")
    )
    label = models.CharField(_("label"), max_length=100, help_text=_("E.g. «Formiddag» or «Ettermiddag»."))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    capacity = models.PositiveIntegerField(_("capacity (participants)"), default=300)
    is_open = models.BooleanField(
        _("open for registrations"),
        default=True,
        help_text=_("Overflow sessions stay closed until staff open them with the admin action."),
    )
    meeting_url = models.URLField(_("meeting link"), blank=True, help_text=_("Only sent to registered participants."))
    meeting_passcode = models.CharField(_("meeting passcode"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("A session must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        start = timezone.localtime(self.starts_at)
        end = timezone.localtime(self.ends_at)
        return f"{self.label} {start:%d.%m.%Y %H.%M}–{end:%H.%M}"


# Longest question: a sentence or two; longer guidance goes in the help text.
QUESTION_MAX_LENGTH = 500


class ReflectionQuestionQuerySet(models.QuerySet):
    def published(self) -> "ReflectionQuestionQuerySet":
        """The questions delegations see: drafts are the organisers' work in progress."""
        return self.filter(is_draft=False)


class ReflectionQuestion(models.Model):
    """A question the delegations work on before the workshop and answer through their link.

    The first one (by position) is also asked, optionally, on the registration form.
    """

    workshop = models.ForeignKey(
        Workshop, on_delete=models.CASCADE, related_name="questions", verbose_name=_("workshop")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Questions are shown in this order (smallest first).")
    )
    text = models.TextField(_("question"), max_length=QUESTION_MAX_LENGTH)
    help_text = models.TextField(_("help text"), max_length=1000, blank=True)
    required_before_workshop = models.BooleanField(
        _("answer required before the workshop"),
        default=False,
        help_text=_("The delegation cannot send in its answers without answering this one."),
    )
    is_draft = models.BooleanField(
        _("draft"),
        default=False,
        help_text=_(
            "Not shown to the delegations yet, and the material and reminders cannot be approved while a "
            "question is a draft. Untick when the question is final."
        ),
    )

    objects = ReflectionQuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("reflection question")
        verbose_name_plural = _("reflection questions")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class ActionLog(models.Model):
    """One change made by someone: the record of who did what, written by the service that made it."""

    class ActorKind(models.TextChoices):
        STAFF = "staff", _("staff")
        PUBLIC = "public", _("public form")
        SELF_SERVICE = "self_service", _("self-service link")
        SYSTEM = "system", _("system")

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor_kind = models.CharField(_("who"), max_length=20, choices=ActorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff user"),
    )
    # The user name as it was: the record outlives a deleted or renamed user.
    user_name = models.CharField(_("staff user name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name=_("object type")
    )
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    # Plain ids, not foreign keys: the record must survive whatever happens to the rows it describes.
    workshop_id = models.PositiveBigIntegerField(_("workshop id"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("log entry")
        verbose_name_plural = _("log of who did what")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="actionlog_object")]

    def __str__(self) -> str:
        return f"{capfirst(action_label(self.action))} – {self.object_repr}"

    @property
    def actor_label(self) -> str:
        return self.user_name or str(self.ActorKind(self.actor_kind).label)
