"""The record of who did what (workshops.ActionLog), read-only: a workshop-wide log with filters, and the
panel on a registration's page. Registered here because workshops/ must not import the other apps' admins.

Entries hold field names and raw values (ids, status codes); :func:`entry_lines` turns them into sentences
staff read: «status: venteliste → bekreftet», «økt: – → Formiddag 10.03.2021 09.00–11.30».
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registrations.admin.readonly import ReadOnlyModelAdmin
from registrations.models import Participant, Registration, Role
from registrations.services import Window
from workshops.actions import action_label
from workshops.formatting import format_datetime
from workshops.models import ActionLog, Session, Workshop

# data["staff_override"] holds the public window's state when staff acted outside it (services.registration_window).
OVERRIDES = {
    Window.CLOSED: _("staff override: after the registration deadline"),
    Window.NOT_OPEN_YET: _("staff override: before registration opened"),
    Window.NOT_PUBLISHED: _("staff override: while the workshop was unpublished"),
}
PARTICIPANT_LISTS = {
    "participants": _("participants"),
    "added": _("participants added"),
    "removed": _("participants removed"),
}


def who(entry: ActionLog) -> str:
    """The staff user's name as recorded, or «Public form», «Self-service link», «System»."""
    return entry.user_name or capfirst(ActionLog.ActorKind(entry.actor_kind).label)


def _field_label(name: str) -> str:
    for model in (Registration, Participant, Session, Workshop):
        try:
            return capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name


def _value(name: str, value, sessions: dict[int, str]) -> str:
    """A recorded value as staff read it: the session's name for its id, a status or role by its label."""
    if value in (None, ""):
        return "–"
    if name in ("session", "preferred_session"):
        return sessions.get(value, f"#{value}")
    if name == "status" and value in Registration.Status.values:
        return str(Registration.Status(value).label)
    if name == "role" and value in Role.values:
        return str(Role(value).label)
    return str(value)


def _person(values: dict, sessions: dict[int, str]) -> str:
    role = _value("role", values.get("role"), sessions)
    return f"{values.get('name', '')} <{values.get('email', '')}> ({role})"


def entry_lines(entry: ActionLog, sessions: dict[int, str]) -> list[str]:
    """The details of one entry as lines of text: changes «field: before → after», participants by name."""
    data = entry.data or {}
    lines = []
    for name, (before, after) in (data.get("changes") or {}).items():
        lines.append(f"{_field_label(name)}: {_value(name, before, sessions)} → {_value(name, after, sessions)}")
    for name, value in (data.get("values") or {}).items():
        if value not in (None, ""):
            lines.append(f"{_field_label(name)}: {_value(name, value, sessions)}")
    for key, label in PARTICIPANT_LISTS.items():
        people = data.get(key) or []
        if people:
            lines.append(f"{capfirst(label)}: " + "; ".join(_person(p, sessions) for p in people))
    for changed in data.get("participants_changed") or []:
        for name, (before, after) in (changed.get("changes") or {}).items():
            lines.append(
                f"{changed.get('participant', '')}: {_field_label(name).lower()}: "
                f"{_value(name, before, sessions)} → {_value(name, after, sessions)}"
            )
    if data.get("staff_override"):
        override = OVERRIDES.get(data["staff_override"], _("staff override: the public form was closed"))
        lines.append(capfirst(str(override)))
    return lines


def registration_log_panel(registration: Registration) -> str:
    """The log entries of one registration, oldest first, as an HTML table (two queries)."""
    entries = ActionLog.objects.filter(
        content_type=ContentType.objects.get_for_model(Registration), object_id=registration.pk
    ).order_by("created_at", "pk")
    sessions = {s.pk: str(s) for s in Session.objects.filter(workshop_id=registration.workshop_id)}
    rows = [
        {
            "when": format_datetime(entry.created_at),
            "who": who(entry),
            "action": action_label(entry.action),
            "lines": entry_lines(entry, sessions),
        }
        for entry in entries
    ]
    return render_to_string("admin/registrations/action_log_panel.html", {"rows": rows})


class WorkshopFilter(admin.SimpleListFilter):
    """The entry's workshop by its title (entries keep the plain id, which outlives the workshop row)."""

    title = _("workshop")
    parameter_name = "workshop"

    def lookups(self, request, model_admin):
        return [(str(pk), title) for pk, title in Workshop.objects.values_list("pk", "title")]

    def queryset(self, request, queryset):
        return queryset.filter(workshop_id=self.value()) if self.value() else queryset


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        codes = ActionLog.objects.order_by("action").values_list("action", flat=True).distinct()
        return [(code, capfirst(action_label(code))) for code in codes]

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(ActionLog)
class ActionLogAdmin(ReadOnlyModelAdmin):
    list_display = ("created_at", "who", "what", "object_repr", "workshop")
    list_filter = (WorkshopFilter, "actor_kind", ActionFilter, "created_at")
    search_fields = ("object_repr", "user_name")
    fields = ("created_at", "who", "what", "object_repr", "workshop", "details")
    readonly_fields = fields
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        title = Workshop.objects.filter(pk=OuterRef("workshop_id")).values("title")[:1]
        return super().get_queryset(request).annotate(workshop_title=Subquery(title))

    @admin.display(description=_("who"), ordering="user_name")
    def who(self, entry: ActionLog) -> str:
        return who(entry)

    @admin.display(description=_("action"), ordering="action")
    def what(self, entry: ActionLog) -> str:
        return capfirst(action_label(entry.action))

    @admin.display(description=_("workshop"), ordering="workshop_title")
    def workshop(self, entry: ActionLog) -> str:
        return entry.workshop_title or "–"

    @admin.display(description=_("details"))
    def details(self, entry: ActionLog) -> str:
        sessions = {s.pk: str(s) for s in Session.objects.filter(workshop_id=entry.workshop_id)}
        return render_to_string(
            "admin/registrations/action_log_panel.html",
            {"rows": [{"lines": entry_lines(entry, sessions)}], "lines_only": True},
        )
