"""Municipalities, delegations (registrations) and their participants."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length, Lower
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workshops.models import ReflectionQuestion, Session, Workshop


class MunicipalityQuerySet(models.QuerySet):
    def valid_on(self, day: datetime.date) -> "MunicipalityQuerySet":
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day), valid_from__lte=day)


class Municipality(models.Model):
    """A municipality under one name for one period (Statistics Norway, classification 131)."""

    number = models.CharField(_("municipality number"), max_length=4)
    name = models.CharField(_("name"), max_length=100)
    county_number = models.CharField(_("county number"), max_length=2)
    county = models.CharField(_("county"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["county_number", "name"]
        constraints = [
            models.UniqueConstraint(fields=["number", "valid_from"], name="municipality_number_period_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: datetime.date) -> bool:
        """The same test as ``Municipality.objects.valid_on(day)``, on a row already loaded."""
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class Role(models.TextChoices):
    CULTURE_SCHOOL_LEADER = "culture_school_leader", _("culture-school leader")
    MUNICIPAL_LEADER = "municipal_leader", _("other municipal leader")
    MUNICIPAL_SERVICE = "municipal_service", _("other municipal service or sector")
    VOLUNTARY_SECTOR = "voluntary_sector", _("local actor: voluntary sector")
    BUSINESS = "business", _("local actor: business")
    RESIDENT = "resident", _("resident")

    @classmethod
    def representing_municipality(cls) -> frozenset[str]:
        """Roles that count toward the minimum number of representatives."""
        return frozenset({cls.CULTURE_SCHOOL_LEADER, cls.MUNICIPAL_LEADER, cls.MUNICIPAL_SERVICE})


# Longest answer to one reflection question: a paragraph or two, not a document.
ANSWER_MAX_LENGTH = 4000


def new_token() -> str:
    """The secret half of a delegation's link: 256 bits from `secrets`, compared in constant time."""
    return secrets.token_urlsafe(32)


def new_access_id() -> str:
    """The public half of a delegation's link: a short id to look the row up by (not a secret)."""
    return secrets.token_urlsafe(9)  # 12 characters


class Registration(models.Model):
    """One municipality's delegation to one workshop."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("confirmed")
        WAITLISTED = "waitlisted", _("waiting list")
        CANCELLED = "cancelled", _("cancelled")

    workshop = models.ForeignKey(
        Workshop, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("workshop")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("municipality")
    )
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact person's email"))
    contact_phone = models.CharField(_("contact person's phone"), max_length=30, blank=True)
    session = models.ForeignKey(
        Session,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
        verbose_name=_("session"),
    )
    preferred_session = models.ForeignKey(
        Session,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("preferred session"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    language = models.CharField(_("language"), max_length=10, default="nb", choices=settings.LANGUAGES)
    # The self-service link is /registration/<access_id>/<token>/: the row is found by access_id and the token
    # compared with hmac.compare_digest, so the response time tells nothing about the secret.
    access_id = models.CharField(_("link id"), max_length=16, unique=True, default=new_access_id, editable=False)
    token = models.CharField(_("secret token"), max_length=64, default=new_token, editable=False)
    # The public form's own id (registrations.fields.stamp_form_id): the same form sent twice (a double
    # click) is recognised and answered with this registration's receipt instead of «already registered».
    form_id = models.CharField(max_length=32, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workshop", "municipality"],
                condition=~Q(status="cancelled"),
                name="registration_one_active_per_municipality",
                violation_error_message=_("This municipality is already registered for the workshop."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="confirmed", session__isnull=False)
                    | Q(status__in=["waitlisted", "cancelled"], session__isnull=True)
                ),
                name="registration_session_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.workshop}"


class Participant(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="participants", verbose_name=_("registration")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    title = models.CharField(_("job title or organisation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "registration",
                name="participant_email_unique_in_delegation",
                violation_error_message=_("The same email address appears twice in the delegation."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MunicipalContact(models.Model):
    """An address at a municipality that staff reach before it registers (imported from CSV or XLSX).

    Keyed by the municipality *number*, not a Municipality row: the rows change with every reform, and
    the invitation for a workshop matches the number as it is on the workshop's date.
    """

    class Kind(models.TextChoices):
        POSTMOTTAK = "postmottak", _("postmottak (the municipality's main address)")
        CULTURE_SCHOOL_LEADER = "culture_school_leader", _("culture-school leader")
        OTHER = "other", _("other")

    municipality_number = models.CharField(_("municipality number"), max_length=4, db_index=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("email"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("municipal contact")
        verbose_name_plural = _("municipal contacts")
        ordering = ["municipality_number", "kind", "email"]
        constraints = [
            models.UniqueConstraint(
                "municipality_number",
                Lower("email"),
                name="municipal_contact_once_per_municipality",
                violation_error_message=_("This address is already a contact of this municipality."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_number} {self.email}"


# The longest note on a dispute: a few sentences for staff, not a document.
DISPUTE_NOTE_MAX_LENGTH = 2000


class Dispute(models.Model):
    """Someone says their municipality did not register this delegation (registrations.services.disputes)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TRANSFERRED = "transferred", _("transferred to the reporter")
        DISMISSED = "dismissed", _("dismissed")

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="disputes", verbose_name=_("registration")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    note = models.TextField(_("note"), max_length=DISPUTE_NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("reported"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} – {self.registration}"


class LinkRequest(models.Model):
    """A request on the lost-link page, kept until the worker has handled it (registrations.services.links).

    The web request writes one whether or not the municipality is registered (the same work either way) and
    queues its handling; the worker looks the registration up and sends the link. A request whose task never
    reached the broker (Redis down) is handled by the sweep instead of being lost. No personal data: which
    municipality, for which workshop, and when.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["requested_at"], condition=Q(handled_at__isnull=True), name="linkrequest_waiting"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} – {self.workshop} ({self.requested_at:%Y-%m-%d %H:%M})"


class AnswerSet(models.Model):
    """A delegation's answers to the workshop's reflection questions: its input (innspill) to the organisers.

    One per registration (the one-to-one key is the database's guarantee), so one per municipality and
    workshop while the registration stands. Written only by registrations.services.answers.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="answer_set", verbose_name=_("registration")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("answers")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="answer_set_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.registration)


class Answer(models.Model):
    answer_set = models.ForeignKey(
        AnswerSet, on_delete=models.CASCADE, related_name="answers", verbose_name=_("answers")
    )
    # PROTECT: a question the municipalities have answered is their input; staff cannot delete it by accident.
    question = models.ForeignKey(
        ReflectionQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    text = models.TextField(_("answer"), max_length=ANSWER_MAX_LENGTH)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(fields=["answer_set", "question"], name="answer_one_per_question"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), ANSWER_MAX_LENGTH), name="answer_text_max_length"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]
