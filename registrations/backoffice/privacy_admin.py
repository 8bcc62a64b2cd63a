"""Anonymising workshops early, from the workshop list: the confirmation page says what will be removed,
then each workshop goes through registrations.services.workshop_anonymise (the retention task's service)."""

from django.contrib import messages
from django.contrib.admin import helpers
from django.db.models import Count, Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import Delivery
from registrations import services
from registrations.errors import RegistrationError
from workshops.audit import Actor
from workshops.models import ActionLog, Workshop


def _summaries(workshops, now):
    rows = []
    for workshop in workshops:
        registrations = workshop.registrations.aggregate(
            delegations=Count("pk", distinct=True), people=Count("participants", distinct=True)
        )
        deliveries = Delivery.objects.filter(Q(mailing__workshop=workshop) | Q(registration__workshop=workshop)).count()
        rows.append(
            {
                "workshop": workshop,
                "over": workshop.ends_at <= now,
                "delegations": registrations["delegations"],
                "people": registrations["people"],
                "deliveries": deliveries,
                "log_entries": ActionLog.objects.filter(workshop_id=workshop.pk).count(),
            }
        )
    return rows


def anonymise_workshops(model_admin, request, queryset):
    """GET-like first step (the action's POST without «apply»): the confirmation page. With «apply»: run it."""
    workshops = list(queryset.prefetch_related("sessions"))
    now = timezone.now()
    if "apply" not in request.POST:
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": Workshop._meta,
            "title": _("Anonymise personal data now"),
            "rows": _summaries(workshops, now),
            "action": "anonymise_now",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/workshops/workshop/anonymise_confirm.html", context)
    for workshop in workshops:
        try:
            result = services.workshop_anonymise(workshop=workshop, actor=Actor.staff(request.user), now=now)
        except RegistrationError as error:
            messages.error(request, " ".join(error.messages))
            continue
        messages.success(
            request,
            _(
                "%(workshop)s: personal data anonymised (%(participants)d participants, %(contacts)d contact "
                "persons, %(deliveries)d email records, %(log)d log entries)."
            )
            % {
                "workshop": workshop,
                "participants": result.participants,
                "contacts": result.contacts,
                "deliveries": result.deliveries,
                "log": result.log_entries,
            },
        )
    return None
