from django.contrib import admin
from django.urls import include, path

from config import views
from config.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before admin/: the admin's catch-all would answer these paths with its own 404.
    path("admin/backoffice/", include("registrations.backoffice.urls")),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("", include("registrations.urls")),
]
# Every error page in the site's layout and the visitor's language (config/views.py).
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"

# MEDIA_URL is not served, not even with DEBUG: the only files there are material for registered participants,
# reached through notifications.views (a personal signed link, or the staff's own link in the admin).
