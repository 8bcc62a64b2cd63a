from django.conf import settings
from django.conf.urls.static import static
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

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
