"""The confirmation email: sent on registration to the contact person and each participant, over SMTP."""

import datetime

import icalendar
import pytest

from notifications.models import Delivery, Mailing
from registrations.models import Registration
from tests.conftest import CONTACT, OSLO, participants, register
from tests.notifications.conftest import html_body, subject, text_body
from workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


def calendars(message) -> list[icalendar.Calendar]:
    return [
        icalendar.Calendar.from_ical(part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    ]


def test_it_sends_the_confirmation_to_contact_and_each_participant(workshop, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")

    assert sorted(m["To"] for m in smtp_server.messages) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]
    assert set(smtp_server.subjects()) == {f"Registration confirmed: {TITLE}"}
    deliveries = Delivery.objects.filter(registration=registration).order_by("email")
    assert [(d.email, d.status, d.attempts) for d in deliveries] == [
        ("03011@kommune.example", "sent", 1),
        ("03012@kommune.example", "sent", 1),
        ("kari@kommune.example", "sent", 1),
    ]
    sent_ids = {m["Message-ID"] for m in smtp_server.messages}
    assert {d.message_id for d in deliveries} == sent_ids
    assert Mailing.objects.get(registration=registration).kind == Mailing.Kind.CONFIRMATION


def test_it_says_session_time_delegation_and_expectations(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")

    body = text_body(smtp_server.to("03011@kommune.example")[0])
    assert "Oslo is registered for the workshop «Kulturskole 3.0" in body
    assert "Time: Wednesday 10 March 2021, 09:00–11:30 (Norwegian time)" in body
    assert "Session: Formiddag" in body
    assert "- Person 03011 (culture-school leader)" in body
    assert "- Person 03012 (other municipal leader)" in body
    assert "les materialet og arbeid med refleksjonsspørsmålene" in body  # the workshop's expectations
    assert "emailed to each participant on Wednesday 3 March 2021, 09:00" in body
    assert "kultur1" not in body  # the passcode comes with the material, not now
    assert "Rådgiver" not in body  # names and roles only


def test_only_the_contact_persons_copy_has_the_self_service_link(workshop, smtp_server, commit, settings):
    settings.SITE_URL = "https://verksted.example"
    with commit():
        registration = register(workshop, "0301", language="en")

    link = f"https://verksted.example/r/{registration.access_id}/{registration.token}/"
    contact_copy = smtp_server.to("kari@kommune.example")[0]
    assert link in text_body(contact_copy)
    assert link in html_body(contact_copy)
    for address in ("03011@kommune.example", "03012@kommune.example"):
        message = smtp_server.to(address)[0]
        assert registration.token not in message.as_string()
        assert "ask Kari Kontakt, the delegation's contact person" in text_body(message)


def test_it_is_multipart_with_the_sites_headers(workshop, smtp_server, commit, settings):
    settings.DEFAULT_FROM_EMAIL = "Kulturskolerådet <verksted@kulturskoleradet.no>"
    settings.EMAIL_REPLY_TO = ["post@kulturskoleradet.no"]
    with commit():
        register(workshop, "0301", language="en")

    message = smtp_server.to("03011@kommune.example")[0]
    assert message["From"] == "Kulturskolerådet <verksted@kulturskoleradet.no>"
    assert message["Reply-To"] == "post@kulturskoleradet.no"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/mixed"
    html = html_body(message)
    assert "<li>Person 03011 (culture-school leader)</li>" in html


def test_it_is_in_bokmaal_by_default(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301")

    body = text_body(smtp_server.to("03011@kommune.example")[0])
    assert "onsdag 10. mars 2021 kl. 09.00–11.30" in body


def test_the_invitation_is_in_oslo_time_without_the_passcode(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")

    [cal] = calendars(smtp_server.to("03011@kommune.example")[0])
    [event] = cal.walk("VEVENT")
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event.decoded("DTSTART") == datetime.datetime(2021, 3, 10, 9, 0, tzinfo=OSLO)
    assert event.decoded("DTEND") == datetime.datetime(2021, 3, 10, 11, 30, tzinfo=OSLO)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert str(cal["METHOD"]) == "REQUEST"
    assert "kultur1" not in cal.to_ical().decode()
    assert "zoom.example" not in cal.to_ical().decode()


def test_the_invitation_uid_is_per_participant_and_session(workshop, smtp_server, commit, main_session):
    with commit():
        register(workshop, "0301", language="en")
        register(workshop, "4601", language="en")

    def uid(address):
        [cal] = calendars(smtp_server.to(address)[0])
        return str(cal.walk("VEVENT")[0]["UID"])

    assert uid("03011@kommune.example") != uid("03012@kommune.example")
    assert uid("03011@kommune.example") != uid("46011@kommune.example")
    # The same person and session always get the same UID: an update replaces the calendar event.
    from notifications.calendar import invitation_uid

    assert uid("03011@kommune.example") == invitation_uid(session_id=main_session.pk, email="03011@Kommune.example")


def test_a_waiting_list_delegation_is_told_so_without_an_invitation(workshop, smtp_server, commit, main_session):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    with commit():
        register(workshop, "0301", language="en")
        waiting = register(workshop, "4601", language="en")

    assert waiting.status == Registration.Status.WAITLISTED
    message = smtp_server.to("46011@kommune.example")[0]
    assert subject(message) == f"Waiting list: {TITLE}"
    assert "Bergen is on the waiting list for the workshop «Kulturskole 3.0" in text_body(message)
    assert "(number 1)" in text_body(message)
    assert calendars(message) == []


def test_a_contact_person_who_participates_gets_one_email(workshop, smtp_server, commit):
    people = participants(prefix="0301")
    contact = CONTACT.__class__(name=people[0].name, email=people[0].email.upper())
    with commit():
        register(workshop, "0301", people=people, contact=contact, language="en")

    assert sorted(m["To"] for m in smtp_server.messages) == ["03011@KOMMUNE.EXAMPLE", "03012@kommune.example"]
    assert "/r/" in text_body(smtp_server.to("03011@KOMMUNE.EXAMPLE")[0])
    assert "/registration/" not in text_body(smtp_server.to("03012@kommune.example")[0])
