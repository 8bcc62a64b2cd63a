"""List filters of the mailing admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.models import Mailing


class MailingGroupFilter(admin.SimpleListFilter):
    """Workshop mailings (material, reminders, messages from the organisers) by default.

    Each delegation has its own confirmation, and one more per session change or cancellation: 350
    delegations make 350 rows that would bury the handful of mailings staff work on. They are one click
    away («Emails about one delegation»), and «All» shows everything. The default steps aside when staff
    ask for something else: a kind chosen in the kind filter, or a search (a municipality's name finds
    its delegation's emails).
    """

    title = _("mailings")
    parameter_name = "mailings"
    WORKSHOP, REGISTRATION, ALL = "workshop", "registration", "all"

    def __init__(self, request, params, model, model_admin):
        # Read before super() pops our own parameter from params.
        self.asked_otherwise = any(name.startswith("kind") for name in params) or bool(request.GET.get("q"))
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [
            (self.WORKSHOP, _("Workshop mailings")),
            (self.REGISTRATION, _("Emails about one delegation")),
            (self.ALL, _("All")),
        ]

    def value(self):
        return super().value() or (self.ALL if self.asked_otherwise else self.WORKSHOP)

    def choices(self, changelist):
        # No «All» of Django's own: ours is a value, because no parameter means the default.
        counts = self.get_facet_queryset(changelist) if changelist.add_facets else {}
        for i, (value, label) in enumerate(self.lookup_choices):
            if changelist.add_facets:
                label = f"{label} ({counts.get(f'{i}__c', '-')})"
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        if self.value() == self.WORKSHOP:
            return queryset.exclude(kind__in=Mailing.REGISTRATION_KINDS)
        if self.value() == self.REGISTRATION:
            return queryset.filter(kind__in=Mailing.REGISTRATION_KINDS)
        return queryset
