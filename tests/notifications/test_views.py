"""Material files: served only through a participant's personal link (or to staff), downloads counted per
delegation, never at a public URL."""

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.urls import clear_url_caches, reverse

from notifications.links import material_file_url
from notifications.models import MaterialDownload, MaterialFile
from registrations import services
from tests.conftest import STAFF, create_workshop, oslo, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


@pytest.fixture
def report(workshop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.SITE_URL = "http://testserver"
    return MaterialFile.objects.create(workshop=workshop, title="Report", file=ContentFile(b"report", "report.pdf"))


def test_a_registered_participant_downloads_the_file(client, workshop, report):
    participant = register(workshop, "0301").participants.first()

    response = client.get(material_file_url(material_file=report, participant=participant))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"report"
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_each_download_is_counted_once_for_the_participant_and_the_delegation(client, workshop, report):
    registration = register(workshop, "0301")
    first, second = registration.participants.all()

    client.get(material_file_url(material_file=report, participant=first))
    client.get(material_file_url(material_file=report, participant=first))
    client.get(material_file_url(material_file=report, participant=second))

    rows = MaterialDownload.objects.order_by("pk").values_list("material_file", "participant", "registration")
    assert list(rows) == [
        (report.pk, first.pk, registration.pk),
        (report.pk, first.pk, registration.pk),
        (report.pk, second.pk, registration.pk),
    ]


def test_the_link_stops_working_when_the_delegation_is_cancelled(client, workshop, report):
    registration = register(workshop, "0301")
    url = material_file_url(material_file=report, participant=registration.participants.first())
    services.registration_cancel(registration=registration, actor=STAFF)

    assert client.get(url).status_code == 404
    assert MaterialDownload.objects.count() == 0


def test_a_forged_link_does_not_work_and_counts_nothing(client, workshop, report):
    participant = register(workshop, "0301").participants.first()
    url = material_file_url(material_file=report, participant=participant)

    assert client.get(url[:-3] + "abc/").status_code == 404
    assert client.get("/notifications/material/not-signed/").status_code == 404
    assert client.get("/notifications/material/%00%ff/").status_code == 404
    assert MaterialDownload.objects.count() == 0


def test_a_link_to_a_file_of_another_workshop_does_not_work(client, workshop, report):
    other = create_workshop(day=workshop.event_date, deadline=oslo(2021, 3, 1, 23, 59, 59), slug="other")
    participant = register(other, "0301").participants.first()

    assert client.get(material_file_url(material_file=report, participant=participant)).status_code == 404


def test_a_file_missing_from_storage_is_a_404_not_a_server_error(client, workshop, report):
    participant = register(workshop, "0301").participants.first()
    report.file.storage.delete(report.file.name)

    assert client.get(material_file_url(material_file=report, participant=participant)).status_code == 404
    assert MaterialDownload.objects.count() == 0


@pytest.mark.parametrize("debug", [True, False])
def test_the_media_folder_is_never_served(client, report, debug):
    with override_settings(DEBUG=debug):
        clear_url_caches()  # config.urls is read again under this DEBUG
        try:
            assert client.get(f"{django_settings.MEDIA_URL}{report.file.name}").status_code == 404
        finally:
            clear_url_caches()


def test_whitenoise_serves_static_files_only():
    media = django_settings.MEDIA_ROOT.resolve()
    served = [django_settings.STATIC_ROOT, *django_settings.STATICFILES_DIRS]
    assert getattr(django_settings, "WHITENOISE_ROOT", None) is None
    for folder in served:
        folder = folder.resolve()
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media)


# --- Staff ----------------------------------------------------------------------------------------


def test_staff_download_the_file_from_the_admin_and_it_is_not_counted(admin_client, workshop, report):
    page = admin_client.get(reverse("admin:notifications_materialfile_change", args=[report.pk])).content.decode()
    staff_url = reverse("notifications:material_file_staff", args=[report.pk])
    assert staff_url in page
    assert f"/media/{report.file.name}" not in page

    response = admin_client.get(staff_url)

    assert b"".join(response.streaming_content) == b"report"
    assert MaterialDownload.objects.count() == 0


def test_the_staff_link_is_not_for_the_public(client, report):
    response = client.get(reverse("notifications:material_file_staff", args=[report.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_material_list_shows_how_many_delegations_opened_each_file(admin_client, client, workshop, report):
    unopened = MaterialFile.objects.create(workshop=workshop, title="Agenda", file=ContentFile(b"a", "agenda.pdf"))
    oslo_people = list(register(workshop, "0301").participants.all())
    bergen_people = list(register(workshop, "4601").participants.all())
    for participant in [*oslo_people, oslo_people[0], bergen_people[0]]:
        client.get(material_file_url(material_file=report, participant=participant))

    page = admin_client.get(reverse("admin:notifications_materialfile_changelist")).content.decode()

    [opened] = [row for row in page.split("<tr")[1:] if ">Report</a>" in row]
    [not_opened] = [row for row in page.split("<tr")[1:] if f">{unopened.title}</a>" in row]
    assert "2 delegasjoner, 3 deltakere (4 nedlastinger)" in opened
    assert "ingen ennå" in not_opened


def test_the_registration_page_shows_what_each_participant_opened(admin_client, client, workshop, report):
    registration = register(workshop, "0301")
    participant = registration.participants.first()
    client.get(material_file_url(material_file=report, participant=participant))

    page = admin_client.get(reverse("admin:registrations_registration_change", args=[registration.pk])).content.decode()

    assert "Materiell åpnet" in page
    [row] = [row for row in page.split("<tr")[1:] if "field-downloaded_at" in row]
    assert participant.name in row and "Report" in row
