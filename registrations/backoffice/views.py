"""Staff downloads: thin views that check access, call an export and hand the file over.

Staff only (others go to the admin login), and only with permission to view registrations (others get
403). Files are attachments that no cache keeps: they hold personal data.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from registrations.backoffice.exports import ExportFile, attendees_export, registrations_export
from registrations.backoffice.zoom import DEFAULT_ROOM_SIZE, zoom_rooms_export
from workshops.models import Session, Workshop

PERMISSION = "registrations.view_registration"


def staff_export_view(view: Callable) -> Callable:
    """GET only, staff only (login page otherwise), then the view permission (403 otherwise)."""
    return staff_member_required(require_GET(permission_required(PERMISSION, raise_exception=True)(view)))


def download(export: ExportFile) -> HttpResponse:
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=export.filename)
    response["Cache-Control"] = "no-store"
    return response


class RoomSizeForm(forms.Form):
    room_size = forms.IntegerField(
        label=gettext_lazy("Participants per room"), min_value=2, max_value=200, initial=DEFAULT_ROOM_SIZE
    )


def _session(workshop_id: int, session_id: int) -> Session:
    return get_object_or_404(Session.objects.select_related("workshop"), pk=session_id, workshop_id=workshop_id)


@staff_export_view
def exports_page(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    context = {
        **admin.site.each_context(request),
        "title": _("Exports"),
        "subtitle": workshop.title,
        "workshop": workshop,
        "sessions": list(workshop.sessions.order_by("starts_at", "pk")),
        "room_form": RoomSizeForm(),
    }
    return render(request, "admin/backoffice/exports.html", context)


@staff_export_view
def attendees(request: HttpRequest, workshop_id: int, fmt: str) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    return download(attendees_export(workshop=workshop, fmt=fmt))


@staff_export_view
def session_attendees(request: HttpRequest, workshop_id: int, session_id: int, fmt: str) -> HttpResponse:
    session = _session(workshop_id, session_id)
    return download(attendees_export(workshop=session.workshop, session=session, fmt=fmt))


@staff_export_view
def registrations(request: HttpRequest, workshop_id: int, fmt: str) -> HttpResponse:
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    return download(registrations_export(workshop=workshop, fmt=fmt))


@staff_export_view
def zoom_rooms(request: HttpRequest, workshop_id: int, session_id: int) -> HttpResponse:
    session = _session(workshop_id, session_id)
    form = RoomSizeForm(request.GET or {"room_size": DEFAULT_ROOM_SIZE})
    if not form.is_valid():
        return HttpResponseBadRequest(" ".join(form.errors["room_size"]))
    return download(zoom_rooms_export(session=session, room_size=form.cleaned_data["room_size"]))
