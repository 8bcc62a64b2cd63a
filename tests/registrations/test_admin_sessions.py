"""The staff pages for workshops and sessions: opening the overflow and larger capacities move the waiting list.

Pages are read in English (the msgids), so the tests do not depend on the Bokmål catalogue.
"""

import re

import pytest
from django.conf import settings

from registrations.models import Registration
from tests.conftest import register
from tests.registrations.conftest import page_text
from tests.registrations.test_admin import action, statuses
from workshops.models import Session


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def waiting(workshop, main_session, before_deadline) -> list[Registration]:
    """The main session full (capacity 4, two delegations of two) and three delegations on the waiting list."""
    Session.objects.filter(pk=main_session.pk).update(capacity=4)
    for number in ("0301", "1103"):
        register(workshop, number)
    waiting = [register(workshop, number) for number in ("1106", "1108", "1111")]
    assert {r.status for r in waiting} == {Registration.Status.WAITLISTED}
    return waiting


def test_the_workshop_action_opens_the_overflow_and_moves_the_waiting_list(staff, workshop, overflow_session, waiting):
    response = action(staff, "/admin/workshops/workshop/", "open_overflow_sessions", [workshop])

    overflow_session.refresh_from_db()
    assert overflow_session.is_open is True
    assert statuses(waiting) == [(Registration.Status.CONFIRMED, "Ettermiddag")] * 3
    assert f"{overflow_session} is open; 3 delegations were moved from the waiting list." in page_text(response)


def test_the_session_actions_open_and_close(staff, workshop, overflow_session, waiting):
    response = action(staff, "/admin/workshops/session/", "open_sessions", [overflow_session])

    assert f"{overflow_session} is open; 3 delegations were moved from the waiting list." in page_text(response)
    assert statuses(waiting) == [(Registration.Status.CONFIRMED, "Ettermiddag")] * 3

    response = action(staff, "/admin/workshops/session/", "close_sessions", [overflow_session])

    overflow_session.refresh_from_db()
    assert overflow_session.is_open is False
    assert "1 session closed to new registrations; its delegations keep their seats." in page_text(response)
    assert statuses(waiting) == [(Registration.Status.CONFIRMED, "Ettermiddag")] * 3


def test_a_larger_capacity_gives_seats_to_the_waiting_list(staff, workshop, main_session, waiting):
    url = f"/admin/workshops/session/{main_session.pk}/change/"
    data = {
        "workshop": workshop.pk,
        "label": "Formiddag",
        "kind": "main",
        "starts_at_0": "2021-03-10",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2021-03-10",
        "ends_at_1": "11:30:00",
        "capacity": "8",
        "meeting_url": main_session.meeting_url,
        "meeting_passcode": main_session.meeting_passcode,
        "_save": "Save",
    }

    response = staff.post(url, data, follow=True)

    main_session.refresh_from_db()
    assert main_session.capacity == 8
    assert statuses(waiting) == [(Registration.Status.CONFIRMED, "Formiddag")] * 2 + [
        (Registration.Status.WAITLISTED, None)
    ]
    assert "2 delegations got a seat from the waiting list." in page_text(response)


def test_the_session_list_shows_seats_taken_of_capacity(staff, workshop, waiting):
    text = page_text(staff.get("/admin/workshops/session/"))

    assert "Formiddag" in text and "4 / 4" in text
    assert "0 / 300" in text


def test_the_workshop_page_shows_seats_and_leaves_opening_existing_sessions_to_the_actions(staff, workshop, waiting):
    content = staff.get(f"/admin/workshops/workshop/{workshop.pk}/change/").content.decode()

    assert "4 / 4" in content and "0 / 300" in content
    checkboxes = re.findall(r'<input type="checkbox" name="sessions-\d-is_open"[^>]*>', content)
    assert len(checkboxes) == 2
    assert all(" disabled" in box for box in checkboxes)
