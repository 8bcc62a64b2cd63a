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


def session_data(session, **fields) -> dict[str, str]:
    """The session change form as a browser posts it."""
    return {
        "workshop": session.workshop_id,
        "label": session.label,
        "kind": session.kind,
        "starts_at_0": "2021-03-10",
        "starts_at_1": "09:00:00",
        "ends_at_0": "2021-03-10",
        "ends_at_1": "11:30:00",
        "capacity": str(session.capacity),
        "meeting_url": session.meeting_url,
        "meeting_passcode": session.meeting_passcode,
        "_save": "Save",
        **fields,
    }


def test_a_capacity_below_the_seats_taken_is_refused_with_the_count(staff, workshop, main_session, waiting):
    response = staff.post(f"/admin/workshops/session/{main_session.pk}/change/", session_data(main_session, capacity=3))

    main_session.refresh_from_db()
    assert main_session.capacity == 4
    assert (
        "The capacity cannot be 3: confirmed delegations already take 4 seats in this session. "
        "Move or cancel delegations first."
    ) in page_text(response)
    assert statuses(waiting) == [(Registration.Status.WAITLISTED, None)] * 3


def test_a_capacity_equal_to_the_seats_taken_is_accepted(staff, workshop, main_session, waiting):
    main_session.refresh_from_db()
    data = session_data(main_session, capacity=4, meeting_passcode="nytt")

    staff.post(f"/admin/workshops/session/{main_session.pk}/change/", data)

    main_session.refresh_from_db()
    assert (main_session.capacity, main_session.meeting_passcode) == (4, "nytt")


def test_the_workshop_page_refuses_a_session_capacity_below_the_seats_taken(staff, workshop, main_session, waiting):
    url = f"/admin/workshops/workshop/{workshop.pk}/change/"
    content = staff.get(url).content.decode()
    capacity_field = re.search(r'name="(sessions-\d-capacity)" value="4"', content).group(1)
    data = form_fields(content)
    data[capacity_field] = "2"
    data["_save"] = "Save"

    response = staff.post(url, data)

    main_session.refresh_from_db()
    assert main_session.capacity == 4
    assert "confirmed delegations already take 4 seats" in page_text(response)


def test_reminder_days_that_cannot_be_read_are_refused_with_a_clear_message(staff, workshop):
    url = f"/admin/workshops/workshop/{workshop.pk}/change/"
    data = form_fields(staff.get(url).content.decode())
    data["reminder_days_before"] = "7; en"
    data["_save"] = "Save"

    response = staff.post(url, data)

    workshop.refresh_from_db()
    assert workshop.reminder_days_before == "1"
    assert "«en» is not a number of days. Write whole numbers separated by commas, e.g. «7, 1»." in page_text(response)


def form_fields(content: str) -> dict[str, str]:
    """The values a browser would post for the inputs, selects and textareas of an admin change page."""
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self):
            super().__init__()
            self.data: dict[str, str] = {}
            self._select = self._textarea = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            name = attrs.get("name")
            if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
                if attrs.get("type") == "checkbox":
                    if "checked" in attrs and "disabled" not in attrs:
                        self.data[name] = attrs.get("value", "on")
                elif "disabled" not in attrs:
                    self.data[name] = attrs.get("value", "")
            elif tag == "select" and name:
                self._select = name
                self.data.setdefault(name, "")
            elif tag == "option" and self._select and "selected" in attrs:
                self.data[self._select] = attrs.get("value", "")
            elif tag == "textarea" and name:
                self._textarea = name
                self.data[name] = ""

        def handle_endtag(self, tag):
            if tag == "select":
                self._select = None
            if tag == "textarea" and self._textarea:
                # Browsers drop the newline that starts a textarea's content; Django writes one.
                self.data[self._textarea] = self.data[self._textarea].removeprefix("\n")
                self._textarea = None

        def handle_data(self, data):
            if self._textarea:
                self.data[self._textarea] += data

    parser = Fields()
    parser.feed(content)
    return parser.data
