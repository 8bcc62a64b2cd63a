"""Registrations (delegations) and their participants.

The admin never saves a Registration or a Participant itself: ``save_related`` hands the form's data to
registrations.services (registration_create / registration_update with the staff user as actor), and session or
status changes are actions calling registration_move and registration_cancel. Problems only the write can
find (already registered, session full) come back as errors on the redisplayed form.
"""

import json

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.admin import DeliveryInline, MaterialDownloadInline, ParticipantDeliveryInline
from notifications.models import Delivery
from notifications.selectors import latest_delivery_status
from registrations import selectors, services
from registrations.admin import disputes, resend
from registrations.admin.action_log import registration_log_panel
from registrations.admin.filters import CountyFilter, LatestDeliveryFilter, RegistrationCountyFilter
from registrations.admin.forms import (
    MoveForm,
    ParticipantFormSet,
    RegistrationAdminForm,
    language_field,
    municipality_label,
    with_problems,
)
from registrations.admin.readonly import ReadOnlyModelAdmin
from registrations.backoffice.answers import answers_panel
from registrations.errors import RegistrationError
from registrations.fields import SingleLineFormfields
from registrations.models import Participant, Registration
from registrations.services import ContactData
from workshops.audit import Actor
from workshops.formatting import title_cut

CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
READONLY_ON_CHANGE = (
    "workshop",
    "municipality",
    "status",
    "session",
    "waitlist_position",
    "preferred_session",
    "language",
    "access_id",
    "created_at",
    "updated_at",
    "cancelled_at",
)
# Why the public form would have refused: the note written to the admin log when staff go ahead anyway.
OVERRIDE_NOTES = {
    "deadline_passed": "after the registration deadline",
    "not_open_yet": "before registration opened",
    "not_published": "while the workshop was unpublished",
}
ACTION_TEMPLATE = "admin/registrations/registration/action_confirm.html"


class ParticipantInline(SingleLineFormfields, admin.TabularInline):
    model = Participant
    formset = ParticipantFormSet
    fields = ("name", "email", "phone", "role", "title")

    def get_extra(self, request, obj=None, **kwargs):
        return 2 if obj is None else 1


@admin.register(Registration)
class RegistrationAdmin(SingleLineFormfields, admin.ModelAdmin):
    form = RegistrationAdminForm
    list_display = ("municipality", "county", "session", "participant_count", "status", "disputed", "created_at")
    list_filter = ("workshop", "session", RegistrationCountyFilter, "status", disputes.DisputedFilter)
    # The workshop too: each row's checkbox is labelled with str(registration), which names it.
    list_select_related = ("municipality", "session", "workshop")
    search_fields = ("municipality__name", "participants__name", "participants__email", "contact_name", "contact_email")
    # DeliveryInline: the emails sent to this delegation; MaterialDownloadInline: the material its participants
    # opened (both read-only, from the notifications app).
    inlines = [ParticipantInline, DeliveryInline, MaterialDownloadInline]
    actions = ["move_to_session", "cancel_registrations", "send_new_link", "resend_confirmation", "resend_mailing"]

    # --- Pages -----------------------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(participants_n=Count("participants", distinct=True))
        return disputes.annotate_open_disputes(queryset)

    def get_urls(self):
        return [*disputes.dispute_urls(self), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        registration = self.get_object(request, object_id)
        if registration is not None:
            extra_context = {
                **(extra_context or {}),
                "open_disputes": disputes.open_disputes(registration),
                "can_decide": self.has_change_permission(request, registration),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_fieldsets(self, request, obj=None):
        main = ("workshop", "municipality", "preferred_session", "language")
        if obj is not None:
            main = ("workshop", "municipality", "status", "session", "waitlist_position", *main[2:])
        if obj is None or services.registration_window(workshop=obj.workshop) != services.Window.OPEN:
            # Outside the public window staff must tick this to go ahead (RegistrationAdminForm.clean).
            main = (*main, "override_window")
        fieldsets = [
            (None, {"fields": main}),
            (capfirst(_("contact person")), {"fields": CONTACT_FIELDS}),
        ]
        if obj is not None:
            fieldsets.append((capfirst(_("answers")), {"fields": ("answers",)}))
            fieldsets.append(
                (capfirst(_("record")), {"fields": ("access_id", "created_at", "updated_at", "cancelled_at")})
            )
            fieldsets.append((_("Who did what"), {"fields": ("action_log",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return (*READONLY_ON_CHANGE, "answers", "action_log") if obj is not None else ()

    @admin.display(description=_("answers to the reflection questions"))
    def answers(self, registration: Registration) -> str:
        # Written by the delegation through its link; staff read them here and on the answers page.
        return answers_panel(registration)

    @admin.display(description=_("log"))
    def action_log(self, registration: Registration) -> str:
        return registration_log_panel(registration)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "language":
            return language_field()
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "municipality" and field is not None:
            field.queryset = field.queryset.order_by("name", "valid_from")
            field.label_from_instance = municipality_label
        return field

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: the seats go to the waiting list and the delegation is told

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Registration.Status.CANCELLED:
            return False  # a cancelled registration is history
        return super().has_change_permission(request, obj)

    @admin.display(description=_("county"), ordering="municipality__county")
    def county(self, registration: Registration) -> str:
        return registration.municipality.county

    @admin.display(description=_("participants"), ordering="participants_n")
    def participant_count(self, registration: Registration) -> int:
        return registration.participants_n

    @admin.display(description=_("disputed"), boolean=True, ordering="open_disputes")
    def disputed(self, registration: Registration) -> bool:
        return registration.open_disputes > 0

    @admin.display(description=_("place on the waiting list"))
    def waitlist_position(self, registration: Registration):
        return selectors.waitlist_position(registration=registration) or "–"

    # --- Saving through the services ----------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        problems = getattr(request, "registration_problems", None)
        return with_problems(form, problems) if problems else form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RegistrationError as error:
            # The admin ran the write in transaction.atomic(), so nothing of it was kept. Show the same
            # form again, with what staff entered and the service's problems as form errors.
            request.registration_problems = error.problems
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Nothing here: save_related writes the registration and its participants in one service call."""

    def save_related(self, request, form, formsets, change):
        participants = next(fs for fs in formsets if isinstance(fs, ParticipantFormSet))
        data = form.cleaned_data
        registration = form.instance
        contact = ContactData(
            name=data["contact_name"], email=data["contact_email"], phone=data.get("contact_phone") or ""
        )
        form.staff_override = self._staff_override(registration.workshop)
        if change:
            saved = services.registration_update(
                registration=registration,
                contact=contact,
                participants=participants.participant_data(),
                actor=Actor.staff(request.user),
            )
        else:
            saved = services.registration_create(
                workshop=data["workshop"],
                municipality=data["municipality"],
                contact=contact,
                participants=participants.participant_data(),
                preferred_session=data.get("preferred_session"),
                language=data.get("language") or settings.LANGUAGE_CODE,
                actor=Actor.staff(request.user),
            )
        # The admin goes on with form.instance (log entry, redirect): make it the saved row.
        for field in Registration._meta.concrete_fields:
            setattr(registration, field.attname, getattr(saved, field.attname))
        registration._state.adding = False
        registration._state.db = saved._state.db
        participants.record_changes()
        for formset in formsets:
            if formset is not participants:
                self.save_formset(request, form, formset, change)

    def _staff_override(self, workshop) -> str | None:
        """The rule the public form would apply here, when it would refuse; None when it would not."""
        try:
            services.registration_check_open(workshop=workshop)
        except RegistrationError as error:
            return OVERRIDE_NOTES.get(error.codes[0], "while registration was closed")
        return None

    def construct_change_message(self, request, form, formsets, add):
        message = super().construct_change_message(request, form, formsets, add)
        note = getattr(form, "staff_override", None)
        if not note:
            return message
        # A plain-text log message: the JSON kind has no room for a note.
        details = message[1:] if add else message
        with translation.override(None):
            done = LogEntry(change_message=json.dumps(details)).get_change_message() if details else ""
        return f"{'Added' if add else 'Changed'} {note} (staff override). {done}".strip()

    # --- Actions --------------------------------------------------------------------------------

    @admin.action(description=_("Move to session…"), permissions=["change"])
    def move_to_session(self, request, queryset):
        workshop_ids = set(queryset.values_list("workshop_id", flat=True))
        if len(workshop_ids) != 1:
            messages.error(request, _("Select registrations of one workshop to move them."))
            return None
        workshop = queryset.first().workshop
        form = MoveForm(request.POST if "apply" in request.POST else None, workshop=workshop)
        if not form.is_valid():
            return self._confirm_page(
                request,
                queryset,
                action="move_to_session",
                title=_("Move to session"),
                intro=_("Move these delegations to the session you choose. Each delegation is told by email."),
                submit=_("Move"),
                form=form,
            )
        session = form.cleaned_data["session"]
        moved = 0
        for registration in queryset.select_related("municipality"):
            before = (registration.status, registration.session_id)
            try:
                after = services.registration_move(
                    registration=registration, session=session, actor=Actor.staff(request.user)
                )
            except RegistrationError as error:
                messages.error(request, f"{registration.municipality}: {' '.join(error.messages)}")
                continue
            moved += (after.status, after.session_id) != before
        messages.success(
            request,
            ngettext("%(count)d delegation moved to %(session)s.", "%(count)d delegations moved to %(session)s.", moved)
            % {"count": moved, "session": session},
        )
        return None

    @admin.action(description=_("Cancel registrations"), permissions=["change"])
    def cancel_registrations(self, request, queryset):
        if "apply" not in request.POST:
            return self._confirm_page(
                request,
                queryset,
                action="cancel_registrations",
                title=_("Cancel registrations"),
                intro=_(
                    "Cancel these registrations? Each delegation gets a cancellation email, and their seats go "
                    "to the waiting list."
                ),
                submit=_("Yes, cancel them"),
            )
        cancelled = 0
        for registration in queryset:
            if registration.status != Registration.Status.CANCELLED:
                services.registration_cancel(registration=registration, actor=Actor.staff(request.user))
                cancelled += 1
        messages.success(
            request,
            ngettext("%(count)d registration cancelled.", "%(count)d registrations cancelled.", cancelled)
            % {"count": cancelled},
        )
        return None

    @admin.action(description=_("Send a new link…"), permissions=["change"])
    def send_new_link(self, request, queryset):
        if "apply" not in request.POST:
            return self._confirm_page(
                request,
                queryset,
                action="send_new_link",
                title=_("Send a new link"),
                intro=_(
                    "Give these registrations a new link? The current links stop working at once, also where "
                    "they are open in a browser, and each contact person gets the new link by email."
                ),
                submit=_("Yes, send new links"),
            )
        sent = 0
        for registration in queryset.exclude(status=Registration.Status.CANCELLED):
            services.registration_link_rotate(registration=registration, actor=Actor.staff(request.user))
            sent += 1
        messages.success(
            request,
            ngettext("%(count)d registration has a new link.", "%(count)d registrations have a new link.", sent)
            % {"count": sent},
        )
        return None

    @admin.action(description=_("Resend the confirmation…"), permissions=["send_mailing"])
    def resend_confirmation(self, request, queryset):
        return resend.resend_confirmation(self, request, queryset)

    @admin.action(description=_("Resend a mailing…"), permissions=["send_mailing"])
    def resend_mailing(self, request, queryset):
        return resend.resend_mailing(self, request, queryset)

    def has_send_mailing_permission(self, request) -> bool:
        """The resend actions: staff who may send mailings (the organisers), not observers."""
        return request.user.has_perm("notifications.send_mailing")

    def _confirm_page(self, request, queryset, *, action, title, intro, submit, form=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "intro": intro,
            "submit": submit,
            "form": form,
            "action": action,
            "registrations": queryset.select_related("municipality", "session"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, ACTION_TEMPLATE, context)


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyModelAdmin):
    """The attendee list: everyone registered, with their delegation's county, session and status.

    Read-only: participants are changed on their registration's page, through the services.
    """

    list_display = (
        "name",
        "email",
        "role",
        "municipality",
        "county",
        "workshop",
        "session",
        "registration_status",
        "latest_email",
    )
    list_filter = (
        "registration__workshop",
        "registration__session",
        CountyFilter,
        "role",
        "registration__status",
        LatestDeliveryFilter,
    )
    list_select_related = ("registration__municipality", "registration__session", "registration__workshop")
    search_fields = ("name", "email", "title", "registration__municipality__name", "registration__contact_name")
    ordering = ("registration__municipality__name", "pk")
    # The emails sent to this participant (read-only, from the notifications app).
    inlines = [ParticipantDeliveryInline]

    def get_list_display(self, request):
        # Filtered to one workshop, its (long) title on every row says nothing: the room goes to the others.
        if request.GET.get("registration__workshop__id__exact"):
            return tuple(column for column in self.list_display if column != "workshop")
        return self.list_display

    def get_queryset(self, request):
        # The latest email's status for the column and LatestDeliveryFilter: a subquery, not a query per row.
        return super().get_queryset(request).annotate(latest_delivery=latest_delivery_status())

    @admin.display(description=_("latest email"), ordering="latest_delivery")
    def latest_email(self, participant: Participant) -> str:
        status = getattr(participant, "latest_delivery", None)
        return Delivery.Status(status).label if status else "–"

    @admin.display(description=_("municipality"), ordering="registration__municipality__name")
    def municipality(self, participant: Participant):
        return participant.registration.municipality

    @admin.display(description=_("county"), ordering="registration__municipality__county")
    def county(self, participant: Participant) -> str:
        return participant.registration.municipality.county

    @admin.display(description=_("workshop"), ordering="registration__workshop__title")
    def workshop(self, participant: Participant):
        return title_cut(participant.registration.workshop.title)

    @admin.display(description=_("status"), ordering="registration__status")
    def registration_status(self, participant: Participant) -> str:
        return participant.registration.get_status_display()

    @admin.display(description=_("session"), ordering="registration__session__starts_at")
    def session(self, participant: Participant):
        return participant.registration.session or "–"
