"""Workshops and sessions. Opening and closing sessions go through registrations.services."""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Min
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.admin import MaterialFileInline
from registrations import selectors, services
from registrations.backoffice import overview_pages, privacy_admin
from registrations.errors import RegistrationError
from registrations.fields import SingleLineFormfields
from workshops.audit import Actor
from workshops.formatting import format_datetime
from workshops.models import ReflectionQuestion, Session, Workshop

# Meeting links are https; say so now rather than rely on Django 5's http default for scheme-less input.
URL_HTTPS = {models.URLField: {"assume_scheme": "https"}}


def _seats(session: Session) -> str:
    taken = getattr(session, "seats_taken", None)
    return "–" if session.pk is None or taken is None else f"{taken} / {session.capacity}"


def _report_promoted(request, promoted: list) -> None:
    if promoted:
        messages.info(
            request,
            ngettext(
                "%(count)d delegation got a seat from the waiting list.",
                "%(count)d delegations got a seat from the waiting list.",
                len(promoted),
            )
            % {"count": len(promoted)},
        )


def _actor(request) -> Actor:
    return Actor.staff(request.user)


def _open(request, sessions) -> None:
    """Open each closed session through the service and tell how many waiting delegations moved."""
    opened = 0
    for session in sessions:
        if session.is_open:
            continue
        promoted = services.session_open(session=session, actor=_actor(request))
        opened += 1
        messages.success(
            request,
            ngettext(
                "%(session)s is open; %(count)d delegation was moved from the waiting list.",
                "%(session)s is open; %(count)d delegations were moved from the waiting list.",
                len(promoted),
            )
            % {"session": session, "count": len(promoted)},
        )
    if not opened:
        messages.warning(request, _("There was no closed session to open."))


def _close(request, sessions) -> None:
    closed = 0
    for session in sessions:
        if session.is_open:
            services.session_close(session=session, actor=_actor(request))
            closed += 1
    if closed:
        messages.success(
            request,
            ngettext(
                "%(count)d session closed to new registrations; its delegations keep their seats.",
                "%(count)d sessions closed to new registrations; their delegations keep their seats.",
                closed,
            )
            % {"count": closed},
        )
    else:
        messages.warning(request, _("There was no open session to close."))


class SessionForm(forms.ModelForm):
    """An existing session is opened or closed with the actions, which also move the waiting list; its
    capacity may not go below the seats taken (the service's rule, reported on the field)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "is_open" in self.fields:
            self.fields["is_open"].disabled = True
            self.fields["is_open"].help_text = _("Use the actions «Open …» and «Close …» to change.")

    def clean_capacity(self):
        capacity = self.cleaned_data["capacity"]
        try:
            services.session_check_capacity(session=self.instance, capacity=capacity)
        except RegistrationError as error:
            raise forms.ValidationError(error.messages) from error
        return capacity


def session_save(request, form: forms.ModelForm) -> list:
    """Save a session form through the services: a new session, or the changed fields of an existing one.

    Returns the delegations the change gave a seat from the waiting list."""
    session = form.instance
    if session._state.adding:
        values = {name: form.cleaned_data[name] for name in form.cleaned_data if name in _SESSION_FIELDS}
        created, promoted = services.session_create(workshop=session.workshop, actor=_actor(request), **values)
        # The admin goes on with form.instance (log entry, redirect): make it the saved row.
        session.pk, session._state.adding, session._state.db = created.pk, False, created._state.db
        return promoted
    changed = {name: form.cleaned_data[name] for name in form.changed_data if name in _SESSION_FIELDS - {"is_open"}}
    return services.session_update(session=session, actor=_actor(request), **changed) if changed else []


_SESSION_FIELDS = {
    "label",
    "kind",
    "starts_at",
    "ends_at",
    "capacity",
    "is_open",
    "meeting_url",
    "meeting_passcode",
}


class SessionInline(SingleLineFormfields, admin.TabularInline):
    model = Session
    form = SessionForm
    formfield_overrides = URL_HTTPS
    extra = 0
    fields = (
        "label",
        "kind",
        "starts_at",
        "ends_at",
        "capacity",
        "seats",
        "is_open",
        "meeting_url",
        "meeting_passcode",
    )
    readonly_fields = ("seats",)

    def get_queryset(self, request):
        return selectors.sessions_annotate_seats(queryset=super().get_queryset(request))

    @admin.display(description=_("seats taken / capacity"))
    def seats(self, session: Session) -> str:
        return _seats(session)


class ReflectionQuestionInline(admin.TabularInline):
    """The questions in order (by position); a question the delegations have answered cannot be deleted."""

    model = ReflectionQuestion
    extra = 0
    fields = ("position", "text", "help_text", "required_before_workshop", "is_draft")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 50})}}


@admin.register(Workshop)
class WorkshopAdmin(SingleLineFormfields, admin.ModelAdmin):
    list_display = ("title", "first_session_starts", "registration_deadline", "is_published", "anonymisation")
    list_filter = ("is_published",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("anonymisation",)
    inlines = [SessionInline, ReflectionQuestionInline, MaterialFileInline]
    actions = ["open_overflow_sessions", "close_overflow_sessions", "anonymise_now"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("sessions")
        return queryset.annotate(first_session_starts_at=Min("sessions__starts_at"))

    @admin.display(description=_("personal data anonymised"))
    def anonymisation(self, workshop: Workshop) -> str:
        """Done when, or due when (end of the last session + the retention period)."""
        if workshop.pk is None:
            return _("%(months)s months after the last session") % {"months": workshop.retention_months}
        if workshop.anonymised_at:
            return _("done %(when)s") % {"when": format_datetime(workshop.anonymised_at)}
        return _("from %(when)s") % {"when": format_datetime(workshop.anonymise_after)}

    @admin.action(description=_("Anonymise personal data now…"), permissions=["change"])
    def anonymise_now(self, request, queryset):
        return privacy_admin.anonymise_workshops(self, request, queryset)

    def get_urls(self):
        # The overview and opening a session from it: pages of the back office (registrations/backoffice/).
        view = self.admin_site.admin_view
        return [
            path(
                "<int:object_id>/overview/",
                view(partial(overview_pages.workshop_overview_page, self)),
                name="workshops_workshop_overview",
            ),
            path(
                "<int:object_id>/overview/open/<int:session_id>/",
                view(partial(overview_pages.workshop_overview_open_session, self)),
                name="workshops_workshop_overview_open",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("first session"), ordering="first_session_starts_at")
    def first_session_starts(self, workshop: Workshop):
        return workshop.first_session_starts_at

    def save_formset(self, request, form, formset, change):
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        # Sessions go through the services: the capacity rule, the waiting list and the record of who did it.
        promoted = []
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for session_form in formset.deleted_forms:
            if session_form.instance.pk is not None:
                formset.deleted_objects.append(session_form.instance)
                services.session_delete(session=session_form.instance, actor=_actor(request))
        for session_form in formset.forms:
            if session_form in formset.deleted_forms or not session_form.has_changed():
                continue
            session_form.instance.workshop = form.instance
            adding = session_form.instance.pk is None
            promoted += session_save(request, session_form)
            if adding:
                formset.new_objects.append(session_form.instance)
            else:
                formset.changed_objects.append((session_form.instance, session_form.changed_data))
        _report_promoted(request, promoted)

    def _overflow(self, queryset):
        return Session.objects.filter(workshop__in=queryset, kind=Session.Kind.OVERFLOW).select_related("workshop")

    @admin.action(description=_("Open overflow session (moves the waiting list)"), permissions=["change"])
    def open_overflow_sessions(self, request, queryset):
        _open(request, self._overflow(queryset))

    @admin.action(description=_("Close overflow session"), permissions=["change"])
    def close_overflow_sessions(self, request, queryset):
        _close(request, self._overflow(queryset))


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("workshop", "label", "kind", "starts_at", "ends_at", "seats", "is_open")
    formfield_overrides = URL_HTTPS
    list_filter = ("workshop", "kind", "is_open")
    list_select_related = ("workshop",)
    readonly_fields = ("seats",)
    actions = ["open_sessions", "close_sessions"]

    def get_queryset(self, request):
        return selectors.sessions_annotate_seats(queryset=super().get_queryset(request))

    def get_readonly_fields(self, request, obj=None):
        # Opening an existing session moves the waiting list: that is the action's job.
        return ("seats", "is_open") if obj else ("seats",)

    @admin.display(description=_("seats taken / capacity"))
    def seats(self, session: Session) -> str:
        return _seats(session)

    form = SessionForm

    def save_model(self, request, obj, form, change):
        _report_promoted(request, session_save(request, form))

    @admin.action(description=_("Open selected sessions (moves the waiting list)"), permissions=["change"])
    def open_sessions(self, request, queryset):
        _open(request, queryset.select_related("workshop"))

    @admin.action(description=_("Close selected sessions"), permissions=["change"])
    def close_sessions(self, request, queryset):
        _close(request, queryset)
