from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A list to look things up in: rows are written elsewhere (a data load, a registration's page)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
