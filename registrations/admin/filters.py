"""List filters of the registration and participant admins."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Delivery
from registrations.models import Registration


class CountyFilter(admin.SimpleListFilter):
    """The counties of the municipalities actually registered, as they were on each workshop's date.

    A registration points at the municipality row valid on its workshop's date, so the county on that row is
    the county of that day: Viken for a 2021 workshop, Akershus or Buskerud for a 2025 one. Only counties
    with a registration are offered (of the filtered workshop, when one is chosen), not all 20 old and new.
    """

    title = _("county")
    parameter_name = "county"
    # The lookup that leads from the admin's rows to their registration ("" for RegistrationAdmin).
    registration_path = "registration__"
    workshop_parameter = "registration__workshop__id__exact"

    def lookups(self, request, model_admin):
        registrations = Registration.objects.all()
        workshop = request.GET.get(self.workshop_parameter)
        if workshop and workshop.isdigit():
            registrations = registrations.filter(workshop_id=workshop)
        rows = (
            registrations.order_by("municipality__county_number", "municipality__county")
            .values_list("municipality__county_number", "municipality__county")
            .distinct()
        )
        return [(number, county) for number, county in rows]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(**{f"{self.registration_path}municipality__county_number": self.value()})


class RegistrationCountyFilter(CountyFilter):
    registration_path = ""
    workshop_parameter = "workshop__id__exact"


class LatestDeliveryFilter(admin.SimpleListFilter):
    """Participants by the status of their most recent email (Delivery, by created_at and pk).

    Filters on the ``latest_delivery`` annotation ParticipantAdmin.get_queryset adds
    (notifications.selectors.latest_delivery_status): one subquery in the list's query, none per row.
    «Pending» includes a delivery a worker is sending at this moment.
    """

    title = _("latest email")
    parameter_name = "latest_email"
    NONE = "none"
    STATUSES = {
        "sent": [Delivery.Status.SENT],
        "failed": [Delivery.Status.FAILED],
        "pending": [Delivery.Status.PENDING, Delivery.Status.SENDING],
        "skipped": [Delivery.Status.SKIPPED],
    }

    def lookups(self, request, model_admin):
        return [
            ("sent", _("sent")),
            ("failed", _("failed")),
            ("pending", _("pending")),
            ("skipped", _("not sent")),
            (self.NONE, _("no email yet")),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(latest_delivery__isnull=True)
        if self.value() in self.STATUSES:
            return queryset.filter(latest_delivery__in=self.STATUSES[self.value()])
        return queryset
