from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from config import views

urlpatterns = [
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

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
