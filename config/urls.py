from django.contrib import admin
from django.urls import include, path

from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin/: the admin's catch-all would answer these paths with its own 404.
    path("admin/backoffice/", include("registrations.backoffice.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("", include("registrations.urls")),
]
handler400 = "config.views.bad_request"

# MEDIA_URL is not served, not even with DEBUG: the only files there are material for registered participants,
# reached through notifications.views (a personal signed link, or the staff's own link in the admin).
