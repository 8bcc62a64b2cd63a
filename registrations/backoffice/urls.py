"""The back office's pages and downloads, mounted at /admin/backoffice/ (config/urls.py)."""

from django.urls import path, register_converter

from registrations.backoffice import answers, privacy_views, views
from registrations.backoffice.exports import FORMATS


class ExportFormat:
    regex = "|".join(FORMATS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ExportFormat, "export_format")

app_name = "backoffice"
urlpatterns = [
    path("<int:workshop_id>/exports/", views.exports_page, name="exports"),
    path("<int:workshop_id>/attendees.<export_format:fmt>", views.attendees, name="attendees"),
    path(
        "<int:workshop_id>/sessions/<int:session_id>/attendees.<export_format:fmt>",
        views.session_attendees,
        name="session_attendees",
    ),
    path("<int:workshop_id>/registrations.<export_format:fmt>", views.registrations, name="registrations"),
    path("<int:workshop_id>/sessions/<int:session_id>/zoom-rooms.csv", views.zoom_rooms, name="zoom_rooms"),
    # Personal data of one person (the address only ever in POST bodies).
    path("privacy/", privacy_views.person_page, name="privacy"),
    path("privacy/export/", privacy_views.person_export_download, name="privacy_export"),
    path("privacy/erase/", privacy_views.person_erase, name="privacy_erase"),
    path("<int:workshop_id>/answers/", answers.answers_page, name="answers"),
    path("<int:workshop_id>/answers.<export_format:fmt>", answers.answers_download, name="answers_export"),
]
