"""Staff acting while the public form is closed: an explicit tick, refused without it, noted in the log.

The window's state comes from services.registration_window; these tests hold the admin to its boundary
(the deadline is 1 March 2021 23:59:59 Oslo time, and that whole second still counts). Read in English.
"""

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry

from registrations.models import Participant, Registration
from tests.conftest import oslo, register
from tests.registrations.conftest import element_text, page_text
from tests.registrations.test_admin import ADD_URL, CHANGELIST_URL, add_data, change_data, rows, submit
from workshops.models import ActionLog, Workshop

DEADLINE_SECOND = oslo(2021, 3, 1, 23, 59, 59)
FIRST_SECOND_AFTER = oslo(2021, 3, 2, 0, 0, 0)
TICK = "Register anyway (the registration deadline has passed)"


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def change_url(registration) -> str:
    return f"{CHANGELIST_URL}{registration.pk}/change/"


def test_in_the_deadline_second_staff_add_without_a_tick(staff, workshop, time_machine):
    time_machine.move_to(DEADLINE_SECOND, tick=False)

    response = submit(staff, ADD_URL, add_data(workshop, "1103"), follow=True)

    assert "was added successfully" in page_text(response)
    registration = Registration.objects.get()
    assert registration.municipality.name == "Stavanger"
    assert "staff_override" not in ActionLog.objects.get(action="registration.created").data


def test_a_second_after_the_deadline_adding_needs_the_tick_and_nothing_is_saved_without_it(
    staff, workshop, time_machine
):
    time_machine.move_to(FIRST_SECOND_AFTER, tick=False)

    response = submit(staff, ADD_URL, add_data(workshop, "1103"))

    assert response.status_code == 200
    text = page_text(response)
    assert TICK in text
    assert (
        "The public registration is closed: the registration deadline has passed. "
        "Tick the box to go ahead all the same."
    ) in text
    assert (Registration.objects.count(), Participant.objects.count()) == (0, 0)
    assert (ActionLog.objects.count(), LogEntry.objects.count()) == (0, 0)


def test_with_the_tick_the_registration_is_saved_and_its_log_names_the_override(staff, workshop, time_machine):
    time_machine.move_to(FIRST_SECOND_AFTER, tick=False)

    submit(staff, ADD_URL, add_data(workshop, "1103", override_window="on"), follow=True)

    registration = Registration.objects.get()
    entry = ActionLog.objects.get(action="registration.created")
    assert (entry.user_name, entry.data["staff_override"]) == ("admin", "deadline_passed")
    panel = element_text(staff.get(change_url(registration)), "action-log")
    assert "Staff override: after the registration deadline" in panel


def test_the_add_page_names_the_reason_once_the_workshop_is_known(staff, workshop, time_machine):
    time_machine.move_to(FIRST_SECOND_AFTER, tick=False)

    assert "Register anyway (public registration is closed)" in page_text(staff.get(ADD_URL))
    assert TICK in page_text(staff.get(ADD_URL, {"workshop": workshop.pk}))


@pytest.mark.parametrize(
    ("change", "reason", "override"),
    [
        ({"registration_opens_at": oslo(2021, 2, 20, 9, 0)}, "registration has not opened yet", "not_open_yet"),
        ({"is_published": False}, "the workshop is not published", "not_published"),
    ],
)
def test_before_opening_or_unpublished_the_tick_names_that_reason(
    staff, workshop, before_deadline, change, reason, override
):
    Workshop.objects.filter(pk=workshop.pk).update(**change)

    refused = submit(staff, ADD_URL, add_data(workshop, "1103"))

    assert f"Register anyway ({reason})" in page_text(refused)
    assert f"The public registration is closed: {reason}." in page_text(refused)
    assert Registration.objects.count() == 0

    submit(staff, ADD_URL, add_data(workshop, "1103", override_window="on"), follow=True)

    assert ActionLog.objects.get(action="registration.created").data["staff_override"] == override


def test_changing_in_the_deadline_second_needs_no_tick_and_shows_none(staff, workshop, time_machine):
    registration = register(workshop, "0301", now=oslo(2021, 2, 15, 12, 0))
    time_machine.move_to(DEADLINE_SECOND, tick=False)

    assert 'name="override_window"' not in staff.get(change_url(registration)).content.decode()
    submit(staff, change_url(registration), change_data(registration, rows(registration), contact_name="Ola"))

    registration.refresh_from_db()
    assert registration.contact_name == "Ola"


def test_a_second_after_the_deadline_a_change_needs_the_tick(staff, workshop, time_machine):
    registration = register(workshop, "0301", now=oslo(2021, 2, 15, 12, 0))
    time_machine.move_to(FIRST_SECOND_AFTER, tick=False)

    refused = submit(staff, change_url(registration), change_data(registration, rows(registration), contact_name="Ola"))

    assert "Save anyway (the registration deadline has passed)" in page_text(refused)
    registration.refresh_from_db()
    assert registration.contact_name == "Kari Kontakt"
    assert not ActionLog.objects.filter(action="registration.changed").exists()

    submit(
        staff,
        change_url(registration),
        change_data(registration, rows(registration), contact_name="Ola", override_window="on"),
    )

    registration.refresh_from_db()
    assert registration.contact_name == "Ola"


def test_in_bokmaal_the_tick_reads_registrer_likevel(admin_client, workshop, time_machine):
    time_machine.move_to(FIRST_SECOND_AFTER, tick=False)

    text = page_text(admin_client.get(ADD_URL, {"workshop": workshop.pk}))

    assert "Registrer likevel (påmeldingsfristen er passert)" in text
