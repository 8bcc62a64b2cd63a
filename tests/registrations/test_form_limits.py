"""The public form's size limits: rows, text lengths and the request itself. Refused means nothing saved."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from notifications.models import MaterialFile
from registrations.models import Participant, Registration, Role
from tests.conftest import input_answer, municipality, participants
from tests.registrations.conftest import error_summary, form_data, page_text

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"
CSL, LEADER = Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER


def nothing_saved() -> bool:
    return Registration.objects.count() == 0 and Participant.objects.count() == 0


def test_a_forged_row_count_builds_no_more_rows_than_a_delegation_may_have(client, workshop):
    data = form_data(municipality("0301"), participants(CSL, LEADER))
    data["participants-TOTAL_FORMS"] = "100000"
    response = client.post(REGISTER_URL, data)
    assert len(response.context["formset"].forms) == workshop.max_delegation_size
    assert ("For mange rader: en delegasjon kan ha høyst 6 deltakere.", "participants") in error_summary(response)
    assert nothing_saved()


def test_add_participant_with_a_forged_row_count_shows_at_most_the_maximum(client, workshop):
    data = form_data(municipality("0301"), participants(CSL, LEADER), add_participant="1")
    data["participants-TOTAL_FORMS"] = "100000"
    response = client.post(REGISTER_URL, data)
    assert len(response.context["formset"].forms) == workshop.max_delegation_size
    assert nothing_saved()


def test_the_answer_may_have_4000_characters(client, workshop):
    response = client.post(REGISTER_URL, form_data(municipality("0301"), municipality_input="å" * 4000))
    assert response.status_code == 302
    assert input_answer(Registration.objects.get()) == "å" * 4000


def test_a_longer_answer_is_refused_with_a_message(en_client, workshop):
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), municipality_input="å" * 4001))
    [(message, anchor)] = error_summary(response)
    assert message.endswith("Ensure this value has at most 4000 characters (it has 4001).")
    assert anchor == "id_municipality_input"
    assert nothing_saved()


@pytest.mark.parametrize(
    ("field", "limit", "label"),
    [
        ("contact_name", 200, "Contact person, Name"),
        ("contact_phone", 30, "Contact person, Phone (optional)"),
        ("participants-0-name", 200, "Participant 1, Name"),
        ("participants-0-title", 200, "Participant 1, Job title or organisation"),
        ("participants-1-phone", 30, "Participant 2, Phone (optional)"),
    ],
)
def test_one_line_fields_have_a_maximum_length(en_client, workshop, field, limit, label):
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), **{field: "x" * (limit + 1)}))
    assert error_summary(response)[0][0] == (
        f"{label}: Ensure this value has at most {limit} characters (it has {limit + 1})."
    )
    assert nothing_saved()


def test_an_email_address_longer_than_the_column_is_refused(en_client, workshop):
    long_email = "a" * 250 + "@kommune.example"
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), contact_email=long_email))
    assert error_summary(response)[0][0].startswith("Contact person, Email: ")
    assert nothing_saved()


def test_a_two_megabyte_answer_is_refused_by_the_request_limit_with_a_page_that_says_why(workshop):
    browser = Client(enforce_csrf_checks=True)
    browser.get(REGISTER_URL)  # the CSRF cookie, as a browser has it: the CSRF check reads the body first
    data = form_data(municipality("0301"), municipality_input="x" * (2 * 1024 * 1024))
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    response = browser.post(REGISTER_URL, data)
    assert response.status_code == 413
    assert "Skjemaet var for stort" in page_text(response)
    assert "Hvert felt har en største lengde" in page_text(response)
    assert nothing_saved()


def test_a_request_with_too_many_fields_is_refused(client, workshop):
    data = form_data(municipality("0301"))
    data.update({f"extra-{number}": "x" for number in range(400)})
    response = client.post(REGISTER_URL, data)
    assert response.status_code == 400
    assert nothing_saved()


def test_the_admin_still_uploads_material_files_larger_than_the_form_limit(admin_client, workshop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = b"%PDF-1.4 " + b"0" * (3 * 1024 * 1024)  # far over DATA_UPLOAD_MAX_MEMORY_SIZE
    upload = SimpleUploadedFile("program.pdf", content, content_type="application/pdf")
    response = admin_client.post(
        reverse("admin:notifications_materialfile_add"),
        {"workshop": workshop.pk, "title": "Program", "file": upload, "position": 0},
    )
    assert response.status_code == 302
    material = MaterialFile.objects.get()
    assert (material.title, material.file.size) == ("Program", len(content))
