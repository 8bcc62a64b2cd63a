"""Importing municipal contacts in the admin: a preview with errors per row, nothing saved until confirmed."""

import io
import re

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registrations.models import MunicipalContact
from registrations.staff_groups import OBSERVERS, staff_groups_ensure
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("municipality_data")]

CSV, XLSX = "0", "1"  # the positions of the formats in MunicipalContactAdmin.import_formats
IMPORT_URL = "admin:registrations_municipalcontact_import"


def upload(client, content: bytes, name: str, file_format: str):
    data = {"format": file_format, "import_file": SimpleUploadedFile(name, content), "resource": "0"}
    return client.post(reverse(IMPORT_URL), data)


def confirm(client, preview):
    """Post the preview's confirmation form, as the «Confirm import» button does."""
    page = preview.content.decode()
    form = page[page.index('action="' + reverse("admin:registrations_municipalcontact_process_import")) :]
    form = form[: form.index("</form>")]
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    return client.post(reverse("admin:registrations_municipalcontact_process_import"), fields, follow=True)


def saved() -> list[tuple[str, str, str, str]]:
    return list(MunicipalContact.objects.order_by("email").values_list("municipality_number", "kind", "name", "email"))


GOOD_CSV = (
    b"kommunenummer;type;navn;e-post\n"
    b"0301;postmottak;;Postmottak@Oslo.kommune.example\n"
    b"301;kulturskoleleder;Kari Leder;kari@oslo.example\n"
    b"4601;;;post@bergen.example\n"
)


def test_the_preview_shows_the_rows_and_saves_nothing(admin_client):
    response = upload(admin_client, GOOD_CSV, "kontakter.csv", CSV)

    page = response.content.decode()
    assert "Bekreft import" in page
    assert "<ins>postmottak@oslo.kommune.example</ins>" in page and "<ins>kari@oslo.example</ins>" in page
    assert "style=" not in page[page.index("import-preview") :]  # no inline styles (CSP)
    assert saved() == []


def test_confirming_saves_the_rows(admin_client, admin_user):
    confirm(admin_client, upload(admin_client, GOOD_CSV, "kontakter.csv", CSV))

    assert saved() == [
        ("0301", "culture_school_leader", "Kari Leder", "kari@oslo.example"),
        ("4601", "other", "", "post@bergen.example"),
        ("0301", "postmottak", "", "postmottak@oslo.kommune.example"),
    ]
    logs = ActionLog.objects.filter(action="municipal_contact.imported")
    assert (logs.count(), {log.user_id for log in logs}) == (3, {admin_user.pk})


def test_a_file_with_bad_rows_shows_each_rows_errors_and_cannot_be_confirmed(admin_client):
    content = (
        b"municipality_number,kind,name,email\n"
        b"0301,postmottak,,post@oslo.example\n"
        b"9999,postmottak,,post@nowhere.example\n"
        b"4601,postmottak,,not-an-address\n"
        b"5401,rektor,,post@tromso.example\n"
    )

    response = upload(admin_client, content, "contacts.csv", CSV)

    page = response.content.decode()
    assert "Noen rader kunne ikke valideres" in page
    rows = page.split("<tr>")
    [nowhere] = [row for row in rows if "post@nowhere.example" in row]
    assert "Ingen kommune har nummeret 9999" in nowhere
    [bad_email] = [row for row in rows if "not-an-address" in row]
    assert "Oppgi en gyldig e-postadresse" in bad_email
    [bad_kind] = [row for row in rows if "post@tromso.example" in row]
    assert "«rektor» er ikke en type kontakt" in bad_kind
    assert "Bekreft import" not in page
    assert saved() == []


def test_an_xlsx_file_with_numbers_as_numbers(admin_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Kommunenummer", "Type", "Navn", "E-post"])
    sheet.append([301, "Postmottak", None, "postmottak@oslo.example"])
    sheet.append([4601.0, "Kulturskoleleder", "Ola Leder", "ola@bergen.example"])
    buffer = io.BytesIO()
    book.save(buffer)

    confirm(admin_client, upload(admin_client, buffer.getvalue(), "kontakter.xlsx", XLSX))

    assert saved() == [
        ("4601", "culture_school_leader", "Ola Leder", "ola@bergen.example"),
        ("0301", "postmottak", "", "postmottak@oslo.example"),
    ]


def test_importing_the_same_file_again_adds_nothing(admin_client):
    confirm(admin_client, upload(admin_client, GOOD_CSV, "kontakter.csv", CSV))
    confirm(admin_client, upload(admin_client, GOOD_CSV, "kontakter.csv", CSV))

    assert len(saved()) == 3


def test_a_file_without_an_email_column_is_refused(admin_client):
    response = upload(admin_client, b"kommunenummer;navn\n0301;Kari\n", "kontakter.csv", CSV)

    assert "Filen har ingen kolonne email." in response.content.decode()
    assert saved() == []


def test_observers_cannot_import(client, django_user_model):
    staff_groups_ensure()
    user = django_user_model.objects.create_user("observer", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=OBSERVERS))
    client.force_login(user)

    assert client.get(reverse(IMPORT_URL)).status_code == 403
    assert client.get(reverse("admin:registrations_municipalcontact_changelist")).status_code == 200
