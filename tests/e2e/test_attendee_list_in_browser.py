"""An organiser's everyday round in a real browser: log in through the login form, narrow the attendee list to
one county, and download the attendee list as XLSX from the exports page."""

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from registrations import services
from registrations.models import Municipality, Participant
from registrations.services import ContactData
from registrations.staff_groups import ORGANISERS, staff_groups_ensure
from tests.conftest import delegation
from workshops import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Stavanger (Rogaland), Bergen and Voss (Vestland), Oslo: two in the county filtered on, two outside it.
DELEGATIONS = {"1103": 3, "4601": 2, "4621": 4, "0301": 2}


@pytest.fixture
def registered(open_workshop):
    for number, size in DELEGATIONS.items():
        services.registration_create(
            workshop=open_workshop,
            municipality=Municipality.objects.valid_on(open_workshop.event_date).get(number=number),
            contact=ContactData(name="Kari Kontakt", email=f"kontakt{number}@kommune.example"),
            participants=delegation(size, prefix=number),
            actor=audit.PUBLIC,
        )
    return open_workshop


@pytest.fixture
def organiser(transactional_db):
    # A transactional test flushes the tables the groups live in: make sure they are there.
    staff_groups_ensure()
    user = get_user_model().objects.create_user("arne", "arne@ks.example", "hemmelig-passord", is_staff=True)
    user.groups.add(Group.objects.get(name=ORGANISERS))
    return user


def test_an_organiser_filters_the_attendee_list_by_county_and_downloads_the_xlsx(
    page, live_server, registered, organiser, tmp_path
):
    workshop = registered
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill("arne")
    page.get_by_label("Password").fill("hemmelig-passord")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text("arne")

    page.goto(f"{live_server.url}/admin/registrations/participant/")
    expect(page.locator("#result_list tbody tr")).to_have_count(sum(DELEGATIONS.values()))
    page.locator("#changelist-filter").get_by_role("link", name="Vestland", exact=True).click()

    vestland = Participant.objects.filter(registration__municipality__county="Vestland")
    expect(page.locator("#result_list tbody tr")).to_have_count(vestland.count())
    shown = page.locator("#result_list tbody tr td.field-email").all_inner_texts()
    assert sorted(shown) == sorted(vestland.values_list("email", flat=True))
    assert vestland.count() == DELEGATIONS["4601"] + DELEGATIONS["4621"]

    page.goto(f"{live_server.url}/admin/workshops/workshop/{workshop.pk}/change/")
    page.locator(".object-tools").get_by_role("link", name="Exports").click()
    expect(page.get_by_role("heading", name="Attendee list")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("row", name="Whole workshop").get_by_role("link", name="Excel (XLSX)").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    assert download.suggested_filename.startswith(f"deltakere-{workshop.slug}-")
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert header[:2] == ["Name", "Email"]
    in_database = Participant.objects.filter(registration__workshop=workshop).select_related(
        "registration__municipality"
    )
    assert sorted((row[0], row[1], row[5], row[6]) for row in rows) == sorted(
        (p.name, p.email, p.registration.municipality.name, p.registration.municipality.county) for p in in_database
    )
