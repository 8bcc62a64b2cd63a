"""Personal links to material files too large to attach."""

import pytest
from django.core.files.base import ContentFile

from notifications.links import material_file_url
from notifications.models import MaterialFile
from registrations import services
from tests.conftest import STAFF, register

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


def test_the_link_stops_working_when_the_delegation_is_cancelled(client, workshop, report):
    registration = register(workshop, "0301")
    url = material_file_url(material_file=report, participant=registration.participants.first())
    services.registration_cancel(registration=registration, actor=STAFF)

    assert client.get(url).status_code == 404


def test_a_forged_link_does_not_work(client, workshop, report):
    participant = register(workshop, "0301").participants.first()
    url = material_file_url(material_file=report, participant=participant)

    assert client.get(url[:-3] + "abc/").status_code == 404
    assert client.get("/notifications/material/not-signed/").status_code == 404
