"""Session changes (staff move, a seat from the waiting list) and cancellations."""

import datetime

import icalendar
import pytest

from notifications.calendar import invitation_uid
from notifications.models import Mailing
from registrations import services
from registrations.models import Registration
from tests.conftest import OSLO, STAFF, oslo, register
from tests.notifications.conftest import subject, text_body
from tests.notifications.test_scheduling import MATERIAL, tick
from workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


def calendars(message) -> dict[str, icalendar.Calendar]:
    return {
        part.get_filename(): icalendar.Calendar.from_ical(part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    }


def test_a_waiting_delegation_moved_to_the_overflow_gets_the_new_time(
    workshop, main_session, overflow_session, smtp_server, commit
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    with commit():
        register(workshop, "0301", language="en")
        waiting = register(workshop, "4601", language="en")
    smtp_server.messages.clear()

    with commit():
        services.session_open(session=overflow_session, actor=STAFF)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.session) == (Registration.Status.CONFIRMED, overflow_session)
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "46011@kommune.example",
        "46012@kommune.example",
        "kari@kommune.example",
    ]
    message = smtp_server.to("46011@kommune.example")[0]
    assert subject(message) == (
        "New time: Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune, "
        "Wednesday 10 March 2021, 12:30–15:00"
    )
    body = text_body(message)
    assert "Good news: the delegation from Bergen now has a seat" in body
    assert "Time: Wednesday 10 March 2021, 12:30–15:00 (Norwegian time)" in body
    cal = calendars(message)["invitation.ics"]
    event = cal.walk("VEVENT")[0]
    assert event.decoded("DTSTART") == datetime.datetime(2021, 3, 10, 12, 30, tzinfo=OSLO)
    assert str(event["UID"]) == invitation_uid(session_id=overflow_session.pk, email="46011@kommune.example")
    assert Mailing.objects.get(kind=Mailing.Kind.SESSION_CHANGE).session == overflow_session


def test_a_moved_delegation_gets_an_update_and_a_cancel_for_the_old_event(
    workshop, main_session, overflow_session, smtp_server, commit
):
    with commit():
        registration = register(workshop, "0301", language="en")
    smtp_server.messages.clear()

    with commit():
        services.registration_move(registration=registration, session=overflow_session, actor=STAFF)

    message = smtp_server.to("03011@kommune.example")[0]
    assert "It was Wednesday 10 March 2021, 09:00–11:30." in text_body(message)
    cals = calendars(message)
    assert sorted(cals) == ["cancelled.ics", "invitation.ics"]
    cancel = cals["cancelled.ics"]
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.walk("VEVENT")[0]["UID"]) == invitation_uid(
        session_id=main_session.pk, email="03011@kommune.example"
    )


def test_a_seat_after_the_material_went_out_brings_the_meeting_link(
    workshop, approved, main_session, overflow_session, smtp_server, commit, time_machine
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    with commit():
        register(workshop, "0301", language="en")
        register(workshop, "4601", language="en")
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    smtp_server.messages.clear()

    time_machine.move_to(oslo(2021, 3, 4, 9, 0), tick=False)
    with commit():
        services.session_open(session=overflow_session, actor=STAFF)

    body = text_body(smtp_server.to("46011@kommune.example")[0])
    assert "Meeting link: https://zoom.example/j/222" in body
    assert "Passcode: kultur2" in body
    # They had the material already (on the waiting list): not again.
    assert [m for m in smtp_server.messages if subject(m).startswith(MATERIAL)] == []


def test_a_delegation_moved_after_the_reminder_gets_the_new_sessions_reminder(
    workshop, approved, main_session, overflow_session, smtp_server, commit, time_machine
):
    with commit():
        registration = register(workshop, "0301", language="en")
    tick(time_machine, commit, oslo(2021, 3, 9, 9, 0))
    smtp_server.messages.clear()

    time_machine.move_to(oslo(2021, 3, 9, 12, 0), tick=False)
    with commit():
        services.registration_move(registration=registration, session=overflow_session, actor=STAFF)

    reminders = sorted(subject(m) for m in smtp_server.to("03011@kommune.example") if subject(m).startswith("Rem"))
    assert reminders == [
        "Reminder: Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune, "
        "Wednesday 10 March 2021, 12:30–15:00"
    ]


def test_a_cancellation_is_confirmed_with_a_calendar_cancel(workshop, main_session, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")
    smtp_server.messages.clear()

    with commit():
        services.registration_cancel(registration=registration, actor=STAFF)

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]
    message = smtp_server.to("kari@kommune.example")[0]
    assert subject(message) == (
        "Registration cancelled: Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
    )
    assert "The registration of Oslo for the workshop «Kulturskole 3.0" in text_body(message)
    cal = calendars(message)["invitation.ics"]
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["UID"]) == invitation_uid(session_id=main_session.pk, email="kari@kommune.example")
