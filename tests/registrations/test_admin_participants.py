"""The attendee list: filters (county as of the workshop's date), search, sorting, a fixed number of queries."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations import services
from registrations.models import Registration, Role
from tests.conftest import CONTACT, create_workshop, delegation, municipality, oslo, register
from tests.registrations.conftest import page_text
from workshops import audit

URL = "/admin/registrations/participant/"
DAY_2025 = datetime.date(2025, 3, 12)


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def test_the_county_filter_lists_only_the_counties_of_registered_municipalities(staff, workshop, time_machine):
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)
    register(workshop, "0301")  # Oslo
    register(workshop, "3005")  # Drammen, in Viken in 2021
    later = create_workshop(day=DAY_2025, deadline=oslo(2025, 3, 1, 23, 59, 59), slug="2025")
    time_machine.move_to(oslo(2025, 2, 15, 12, 0), tick=False)
    services.registration_create(  # Drammen again, now in Buskerud
        workshop=later,
        municipality=municipality("3301", DAY_2025),
        contact=CONTACT,
        participants=delegation(2, prefix="d25"),
        actor=audit.PUBLIC,
    )

    response = staff.get(URL)
    sidebar = page_text(response).split("By county")[1].split("By role")[0]
    only_2021 = page_text(staff.get(URL, {"registration__workshop__id__exact": workshop.pk}))

    assert sidebar.split() == ["All", "Oslo", "Viken", "Buskerud"]
    assert only_2021.split("By county")[1].split("By role")[0].split() == ["All", "Oslo", "Viken"]


def test_the_county_filter_filters(staff, workshop, before_deadline):
    register(workshop, "0301", people=delegation(3, prefix="oslo"))
    register(workshop, "3005", people=delegation(2, prefix="drammen"))

    text = page_text(staff.get(URL, {"county": "30"}))

    assert "2 participants" in text
    assert "Person drammen1 drammen1@kommune.example culture-school leader Drammen Viken" in text
    assert "oslo1@kommune.example" not in text


def test_it_filters_by_role_and_status_searches_and_sorts(staff, workshop, before_deadline):
    register(workshop, "0301", people=delegation(3, prefix="oslo"))
    cancelled = register(workshop, "1103", people=delegation(2, prefix="stav"))
    Registration.objects.filter(pk=cancelled.pk).update(status=Registration.Status.CANCELLED, session=None)

    leaders = page_text(staff.get(URL, {"role__exact": Role.CULTURE_SCHOOL_LEADER}))
    active = page_text(staff.get(URL, {"registration__status__exact": "confirmed"}))
    found = page_text(staff.get(URL, {"q": "stav2@kommune"}))
    by_name_desc = page_text(staff.get(URL, {"o": "-1"}))

    assert "2 participants" in leaders and "oslo2@" not in leaders
    assert "3 participants" in active and "stav1@" not in active
    assert "1 participant" in found and "Person stav2" in found
    assert by_name_desc.index("Person stav2") < by_name_desc.index("Person oslo1")


def test_the_list_runs_the_same_number_of_queries_for_3_or_30_delegations(staff, workshop, before_deadline):
    def count() -> int:
        staff.get(URL)  # warm the session and content types
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(URL).status_code == 200
        return len(queries)

    numbers = ["0301", "1103", "4601"]
    for number in numbers:
        register(workshop, number, people=delegation(6, prefix=number))
    few = count()
    for number in ["1108", "1119", "1120", "1121", "1122", "1124", "1127", "5001", "3005", "3024"]:
        register(workshop, number, people=delegation(6, prefix=number))

    assert count() == few


def test_the_workshop_column_is_cut_short_and_left_out_when_the_list_shows_one_workshop(
    staff, workshop, before_deadline
):
    register(workshop, "0301", people=delegation(2, prefix="oslo"))

    everyone = staff.get(URL).content.decode()
    one_workshop = staff.get(URL, {"registration__workshop__id__exact": workshop.pk}).content.decode()

    # The whole title on hover, its first words on the row (it wrapped to eight lines on every row).
    cut = f'<span title="{workshop.title}">Kulturskole 3.0 – Kulturskolen som…</span>'
    assert everyone.count(cut) == 2
    assert "column-workshop" in everyone
    assert "column-workshop" not in one_workshop
    assert "oslo1@kommune.example" in one_workshop
