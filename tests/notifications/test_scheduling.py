"""The material mailing and the reminders: computed times, each participant once, catch-up."""

import pytest
from django.core.files.base import ContentFile

from notifications import scheduling, sending, tasks
from notifications.models import Delivery, Mailing, MaterialFile
from registrations import services
from registrations.models import Registration
from registrations.services import ContactData, ParticipantData
from tests.conftest import STAFF, oslo, participants, register
from tests.notifications.conftest import subject, text_body
from workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline", "approved")]
MATERIAL = "Preparatory material: Kulturskole 3.0"
REMINDER = "Reminder: Kulturskole 3.0"


def material_to(smtp_server) -> list[str]:
    return sorted(m["To"] for m in smtp_server.messages if subject(m).startswith(MATERIAL))


def tick(time_machine, commit, when):
    time_machine.move_to(when, tick=False)
    with commit():
        tasks.release_due_mailings.delay()


def test_the_material_time_is_seven_days_before_at_the_send_time(workshop):
    assert scheduling.material_time(workshop=workshop) == oslo(2021, 3, 3, 9, 0)
    workshop.material_days_before = 10
    workshop.material_send_time = "14:30"
    workshop.save()
    workshop.refresh_from_db()
    assert scheduling.material_time(workshop=workshop) == oslo(2021, 2, 28, 14, 30)


def test_the_material_goes_out_at_its_time_and_not_a_minute_before(workshop, smtp_server, commit, time_machine):
    with commit():
        register(workshop, "0301", language="en")
    smtp_server.messages.clear()

    tick(time_machine, commit, oslo(2021, 3, 3, 8, 59))
    assert smtp_server.messages == []
    assert Mailing.objects.get(kind=Mailing.Kind.MATERIAL).released_at is None

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    assert material_to(smtp_server) == ["03011@kommune.example", "03012@kommune.example"]
    mailing = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    assert mailing.released_at == oslo(2021, 3, 3, 9, 0)
    assert sorted(mailing.deliveries.values_list("email", "status")) == [
        ("03011@kommune.example", "sent"),
        ("03012@kommune.example", "sent"),
    ]

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 5))
    assert material_to(smtp_server) == ["03011@kommune.example", "03012@kommune.example"]


def test_the_material_has_files_questions_and_the_meeting_link(
    workshop, smtp_server, commit, time_machine, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_MAX_ATTACHMENT_BYTES = 1000
    MaterialFile.objects.create(workshop=workshop, title="Programme", file=ContentFile(b"%PDF small", "programme.pdf"))
    MaterialFile.objects.create(workshop=workshop, title="Report", file=ContentFile(b"x" * 2000, "report.pdf"))
    with commit():
        register(workshop, "0301", language="en")

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    [message] = [m for m in smtp_server.to("03011@kommune.example") if subject(m).startswith(MATERIAL)]
    body = text_body(message)
    assert [(a.get_filename(), a.get_content()) for a in message.iter_attachments()] == [
        ("programme.pdf", b"%PDF small")
    ]
    assert "- Programme (attached)" in body
    assert "- Report: http://127.0.0.1:8000/notifications/material/" in body
    assert "1. Hva vil gjøre pilotprosjektet verdifullt for kommunen deres?\r\n2. Hva er kulturskolens rolle" in body
    assert "Meeting link: https://zoom.example/j/111" in body
    assert "Passcode: kultur1" in body
    # The file is encoded once per batch and the same part goes to every participant.
    [other] = [m for m in smtp_server.to("03012@kommune.example") if subject(m).startswith(MATERIAL)]
    assert [(a.get_filename(), a.get_content()) for a in other.iter_attachments()] == [("programme.pdf", b"%PDF small")]


def test_a_waiting_delegation_gets_the_material_but_not_the_meeting_link(
    workshop, main_session, smtp_server, commit, time_machine
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    with commit():
        register(workshop, "0301", language="en")
        register(workshop, "4601", language="en")

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    [message] = [m for m in smtp_server.to("46011@kommune.example") if subject(m).startswith(MATERIAL)]
    body = text_body(message)
    assert "Bergen is still on the waiting list" in body
    assert "zoom.example" not in message.as_string()
    assert "kultur1" not in message.as_string()


def test_cancelled_delegations_get_no_material(workshop, smtp_server, commit, time_machine):
    with commit():
        cancelled = register(workshop, "0301", language="en")
        register(workshop, "4601", language="en")
        services.registration_cancel(registration=cancelled, actor=STAFF)

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    assert material_to(smtp_server) == ["46011@kommune.example", "46012@kommune.example"]


def test_a_delegation_cancelled_after_its_deliveries_were_created_is_skipped(workshop, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")
    ids = scheduling.mailings_release_due(now=oslo(2021, 3, 3, 9, 0))
    assert len(ids) == 2
    with commit():
        services.registration_cancel(registration=registration, actor=STAFF)

    result = sending.deliveries_send(ids=ids, now=oslo(2021, 3, 3, 9, 1))
    assert sorted(result.skipped) == sorted(ids)
    assert set(Delivery.objects.filter(pk__in=ids).values_list("status", "last_error")) == {
        ("skipped", "The recipient is no longer registered for this mailing.")
    }
    assert material_to(smtp_server) == []


def test_a_person_in_two_delegations_gets_the_material_once(workshop, smtp_server, commit, time_machine):
    shared = ParticipantData(name="Delt Rådgiver", email="delt@region.example", role="municipal_service")
    with commit():
        register(workshop, "0301", people=[*participants(prefix="0301"), shared], language="en")
        register(workshop, "4601", people=[*participants(prefix="4601"), shared], language="en")

    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    assert material_to(smtp_server).count("delt@region.example") == 1
    assert Delivery.objects.filter(mailing__kind="material", email="delt@region.example").count() == 1


def test_a_late_registration_gets_the_material_at_once(workshop, smtp_server, commit, time_machine):
    with commit():
        register(workshop, "0301", language="en")
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))

    time_machine.move_to(oslo(2021, 3, 4, 15, 0), tick=False)
    with commit():
        register(workshop, "4601", language="en", actor=STAFF)

    assert material_to(smtp_server) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "46011@kommune.example",
        "46012@kommune.example",
    ]
    tick(time_machine, commit, oslo(2021, 3, 4, 15, 1))
    assert len(material_to(smtp_server)) == 4


def test_a_participant_added_later_gets_confirmation_and_material_once(workshop, smtp_server, commit, time_machine):
    with commit():
        registration = register(workshop, "0301", language="en")
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    smtp_server.messages.clear()

    time_machine.move_to(oslo(2021, 3, 5, 10, 0), tick=False)
    newcomer = ParticipantData(name="Nora Ny", email="nora@kommune.example", role="resident")
    with commit():
        services.registration_update(
            registration=registration,
            contact=ContactData(name="Kari Kontakt", email="kari@kommune.example"),
            participants=[*participants(prefix="0301"), newcomer],
            actor=STAFF,
        )

    assert sorted((m["To"], subject(m).split(":")[0]) for m in smtp_server.messages) == [
        ("nora@kommune.example", "Preparatory material"),
        ("nora@kommune.example", "Registration confirmed"),
    ]
    tick(time_machine, commit, oslo(2021, 3, 5, 10, 1))
    assert len(smtp_server.messages) == 2


def test_reminders_go_to_confirmed_participants_of_the_session(
    workshop, main_session, smtp_server, commit, time_machine
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    with commit():
        register(workshop, "0301", language="en")
        register(workshop, "4601", language="en")  # waiting list

    tick(time_machine, commit, oslo(2021, 3, 9, 8, 59))
    assert [m for m in smtp_server.messages if subject(m).startswith(REMINDER)] == []
    tick(time_machine, commit, oslo(2021, 3, 9, 9, 0))
    reminders = [m for m in smtp_server.messages if subject(m).startswith(REMINDER)]
    assert sorted(m["To"] for m in reminders) == ["03011@kommune.example", "03012@kommune.example"]
    assert subject(reminders[0]).endswith("Wednesday 10 March 2021, 09:00–11:30")
    body = text_body(reminders[0])
    assert "Meeting link: https://zoom.example/j/111" in body
    assert "Passcode: kultur1" in body
    assert "Before you join:" in body


def test_several_reminder_offsets(workshop):
    workshop.reminder_days_before = "7, 1"
    workshop.save()
    scheduling.mailings_schedule(workshop=workshop)
    times = sorted(
        (m.session.label, m.days_before, m.scheduled_for) for m in Mailing.objects.filter(kind=Mailing.Kind.REMINDER)
    )
    assert times == [
        ("Ettermiddag", 1, oslo(2021, 3, 9, 9, 0)),
        ("Ettermiddag", 7, oslo(2021, 3, 3, 9, 0)),
        ("Formiddag", 1, oslo(2021, 3, 9, 9, 0)),
        ("Formiddag", 7, oslo(2021, 3, 3, 9, 0)),
    ]
    workshop.reminder_days_before = "2"
    workshop.save()
    scheduling.mailings_schedule(workshop=workshop)
    assert sorted(Mailing.objects.filter(kind="reminder").values_list("days_before", flat=True)) == [2, 2]


def test_nothing_goes_out_after_the_session(workshop, smtp_server, commit, time_machine):
    with commit():
        register(workshop, "0301", language="en")
    smtp_server.messages.clear()

    tick(time_machine, commit, oslo(2021, 3, 10, 15, 1))
    assert smtp_server.messages == []
    assert Registration.objects.count() == 1
