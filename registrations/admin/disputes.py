"""Disputes on the registration admin: the «Omstridt» flag and filter, the banner on the change page, and the
confirmation pages that give the registration to the reporter or dismiss the dispute.

RegistrationAdmin wires these in (get_urls, list_display, change_view); the writes are
registrations.services.dispute_transfer and dispute_dismiss.
"""

from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Dispute
from workshops.audit import Actor

CONFIRM_TEMPLATE = "admin/registrations/registration/dispute_confirm.html"
OPEN = Q(disputes__status=Dispute.Status.OPEN)


def annotate_open_disputes(queryset):
    return queryset.annotate(open_disputes=Count("disputes", filter=OPEN, distinct=True))


class DisputedFilter(admin.SimpleListFilter):
    title = gettext_lazy("disputed")
    parameter_name = "disputed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(OPEN).distinct()
        if self.value() == "no":
            return queryset.exclude(OPEN)
        return queryset


def open_disputes(registration) -> list[Dispute]:
    return list(registration.disputes.filter(status=Dispute.Status.OPEN).order_by("created_at", "pk"))


def dispute_urls(model_admin) -> list:
    wrap = model_admin.admin_site.admin_view
    opts = model_admin.opts
    return [
        path(
            "<int:registration_id>/disputes/<int:dispute_id>/<str:decision>/",
            wrap(partial(dispute_decide, model_admin)),
            name=f"{opts.app_label}_{opts.model_name}_dispute",
        ),
    ]


DECISIONS = {
    "transfer": {
        "title": gettext_lazy("Give the registration to the reporter"),
        "intro": gettext_lazy(
            "%(name)s becomes the contact person of the registration, with a new link sent to %(email)s. The "
            "current link stops working, and the current contact person, %(contact)s, is told by email."
        ),
        "submit": gettext_lazy("Yes, make them the contact person"),
        "done": gettext_lazy("%(name)s is now the contact person; the new link is on its way."),
    },
    "dismiss": {
        "title": gettext_lazy("Dismiss the dispute"),
        "intro": gettext_lazy(
            "The registration stays as it is, with %(contact)s as its contact person. Nobody is emailed; tell "
            "%(name)s yourself if they should know."
        ),
        "submit": gettext_lazy("Yes, dismiss it"),
        "done": gettext_lazy("The dispute from %(name)s is dismissed."),
    },
}


def dispute_decide(model_admin, request, registration_id: int, dispute_id: int, decision: str):
    """GET: what the decision does, with a button; POST: do it (services.dispute_transfer / dispute_dismiss)."""
    if decision not in DECISIONS:
        raise PermissionDenied
    dispute = get_object_or_404(
        Dispute.objects.select_related("registration__municipality", "registration__workshop"),
        pk=dispute_id,
        registration_id=registration_id,
    )
    registration = dispute.registration
    if not model_admin.has_change_permission(request, registration):
        raise PermissionDenied
    change_url = reverse("admin:registrations_registration_change", args=[registration.pk])
    texts = DECISIONS[decision]
    values = {"name": dispute.name, "email": dispute.email, "contact": registration.contact_name}
    if request.method == "POST":
        actor = Actor.staff(request.user)
        try:
            if decision == "transfer":
                services.dispute_transfer(dispute=dispute, actor=actor)
            else:
                services.dispute_dismiss(dispute=dispute, actor=actor)
        except RegistrationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, str(texts["done"]) % values)
        return redirect(change_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": registration,
        "title": texts["title"],
        "intro": str(texts["intro"]) % values,
        "submit": texts["submit"],
        "dispute": dispute,
        "registration": registration,
        "change_url": change_url,
    }
    return TemplateResponse(request, CONFIRM_TEMPLATE, context)
