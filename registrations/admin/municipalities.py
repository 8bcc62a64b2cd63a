"""Municipalities are reference data from Statistics Norway: staff look them up, never edit them.

Refresh them from the CSV with ``manage.py load_municipalities``.
"""

from django.contrib import admin

from registrations.admin.readonly import ReadOnlyModelAdmin
from registrations.models import Municipality


@admin.register(Municipality)
class MunicipalityAdmin(ReadOnlyModelAdmin):
    list_display = ("number", "name", "county", "valid_from", "valid_to")
    list_filter = ("county",)
    search_fields = ("name", "number", "county")
    ordering = ("county_number", "name", "valid_from")
