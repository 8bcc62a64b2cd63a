"""The overview page of a workshop, and opening a closed session from it with a confirmation.

Admin views: WorkshopAdmin.get_urls wires them in, wrapped in admin_site.admin_view (staff only). Reads come
from registrations.backoffice.overview, the write from registrations.services.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations import services
from registrations.backoffice import overview as selectors
from registrations.backoffice.charts import bar_chart
from registrations.models import Registration
from workshops.audit import Actor
from workshops.models import Session, Workshop


def overview_url(workshop_id: int) -> str:
    return reverse("admin:workshops_workshop_overview", args=[workshop_id])


def _context(model_admin, request, workshop: Workshop, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Workshop._meta,
        "original": workshop,
        "workshop": workshop,
        "title": title,
        "overview_url": overview_url(workshop.pk),
    }


def workshop_overview_page(model_admin, request, object_id: int):
    workshop = get_object_or_404(Workshop, pk=object_id)
    if not model_admin.has_view_permission(request, workshop):
        raise PermissionDenied
    data = selectors.workshop_overview(workshop=workshop)
    county = request.GET.get("county", "")
    chosen = next((c for c in data.counties if c.number == county), None)
    context = {
        **_context(model_admin, request, workshop, _("Overview: %(workshop)s") % {"workshop": workshop}),
        "overview": data,
        "can_open": request.user.has_perm("workshops.change_session"),
        "county": chosen,
        "unregistered": (
            selectors.county_unregistered(workshop=workshop, day=data.event_date, county_number=chosen.number)
            if chosen
            else None
        ),
        "county_chart": bar_chart(
            title=_("Municipalities registered of all in the county"),
            rows=[(c.name, c.registered, c.total) for c in data.counties],
        ),
        "day_chart": bar_chart(
            title=_("Registrations per day"),
            rows=[(day.strftime("%d.%m.%Y"), n, None) for day, n in data.per_day],
        ),
        "approval_state": _approval_state(data.next_mailing),
    }
    return TemplateResponse(request, "admin/backoffice/overview.html", context)


def _approval_state(mailing) -> str | None:
    """Approved or not, once mailings have an approval (the field may not exist yet)."""
    if mailing is None or not hasattr(mailing, "approved_at"):
        return None
    return _("approved") if mailing.approved_at else _("not approved yet")


def workshop_overview_open_session(model_admin, request, object_id: int, session_id: int):
    """GET: how many delegations opening the session moves; POST: open it (services.session_open)."""
    if not request.user.has_perm("workshops.change_session"):
        raise PermissionDenied
    session = get_object_or_404(Session.objects.select_related("workshop"), pk=session_id, workshop_id=object_id)
    workshop = session.workshop
    if request.method == "POST":
        if session.is_open:
            messages.warning(request, _("%(session)s was already open.") % {"session": session})
        else:
            moved = services.session_open(session=session, actor=Actor.staff(request.user))
            messages.success(
                request,
                ngettext(
                    "%(session)s is open; %(count)d delegation was moved from the waiting list.",
                    "%(session)s is open; %(count)d delegations were moved from the waiting list.",
                    len(moved),
                )
                % {"session": session, "count": len(moved)},
            )
        return redirect(overview_url(workshop.pk))
    preview = services.session_open_preview(session=session)
    rows = (
        Registration.objects.filter(pk__in=[r.pk for r in preview])
        .annotate(people=Count("participants"))
        .values_list("pk", "municipality__name", "people")
    )
    by_pk = {pk: (name, people) for pk, name, people in rows}
    moving = [by_pk[r.pk] for r in preview]  # in the order they would move
    context = {
        **_context(model_admin, request, workshop, _("Open %(session)s") % {"session": session}),
        "session": session,
        "moving": moving,
        "moving_count": len(moving),
    }
    return TemplateResponse(request, "admin/backoffice/overview_open_session.html", context)
