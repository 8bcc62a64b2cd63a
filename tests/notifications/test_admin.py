"""Staff pages: mailings with counts, preview, test to me, retry failed, one-off messages."""

import pytest
from django.urls import reverse

from notifications.models import Delivery, Mailing
from tests.conftest import STAFF, register
from tests.notifications.conftest import subject, text_body
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


@pytest.fixture
def staff(admin_user):
    admin_user.email = "staff@kulturskoleradet.no"
    admin_user.save()
    return admin_user


def test_the_mailing_list_shows_counts_per_status(admin_client, workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 5.1.1 no such user"
    with commit():
        registration = register(workshop, "0301", language="en")
    change_url = reverse("admin:notifications_mailing_change", args=[Mailing.objects.get(registration=registration).pk])

    response = admin_client.get(reverse("admin:notifications_mailing_changelist"), {"mailings": "registration"})

    [row] = [row for row in response.content.decode().split("<tr")[1:] if change_url in row]
    assert '<td class="field-pending">0</td>' in row
    assert '<td class="field-sent">2</td>' in row
    assert '<td class="field-failed">1</td>' in row


def test_the_mailing_page_previews_the_email(admin_client, workshop, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")
    mailing = Mailing.objects.get(registration=registration)

    response = admin_client.get(reverse("admin:notifications_mailing_change", args=[mailing.pk]))

    page = response.content.decode()
    assert "Registration confirmed: Kulturskole 3.0" in page
    assert "invitation.ics" in page
    assert "Oslo is registered for the workshop" in page


def test_send_a_test_to_me(admin_client, staff, workshop, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")
    mailing = Mailing.objects.get(registration=registration)
    smtp_server.messages.clear()

    admin_client.post(
        reverse("admin:notifications_mailing_changelist") + "?mailings=registration",
        {"action": "send_test_to_me", "_selected_action": [mailing.pk]},
    )

    [message] = smtp_server.messages
    assert message["To"] == "staff@kulturskoleradet.no"
    assert subject(message).startswith("[Test] Registration confirmed: Kulturskole 3.0")
    assert Delivery.objects.filter(email="staff@kulturskoleradet.no").count() == 0


def test_retry_failed(admin_client, workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 5.1.1 no such user"
    with commit():
        registration = register(workshop, "0301", language="en")
    smtp_server.refuse.clear()
    mailing = Mailing.objects.get(registration=registration)

    with commit():
        admin_client.post(
            reverse("admin:notifications_mailing_changelist") + "?mailings=registration",
            {"action": "retry_failed", "_selected_action": [mailing.pk]},
        )

    delivery = Delivery.objects.get(email="03011@kommune.example")
    assert (delivery.status, delivery.last_error) == ("sent", "")
    assert [m["To"] for m in smtp_server.messages].count("03011@kommune.example") == 1


def test_staff_write_a_message_to_one_session(
    admin_client, staff, workshop, main_session, overflow_session, smtp_server, commit
):
    from registrations import services

    with commit():
        register(workshop, "0301", language="en")
        moved = register(workshop, "4601", language="en")
        services.registration_move(registration=moved, session=overflow_session, actor=STAFF)
    smtp_server.messages.clear()

    response = admin_client.post(
        reverse("admin:notifications_mailing_add"),
        {
            "workshop": workshop.pk,
            "session": main_session.pk,
            "subject": "News for {workshop}",
            "body": "Dear {participant_name} from {municipality}: {session_time}. Link: {meeting_url}",
        },
    )
    assert response.status_code == 302
    mailing = Mailing.objects.get(kind=Mailing.Kind.CUSTOM)
    assert (mailing.created_by, mailing.scheduled_for) == (staff, None)  # a draft until sent
    assert list(ActionLog.objects.filter(object_id=mailing.pk).values_list("action", "user")) == [
        ("mailing.created", staff.pk)
    ]
    with commit():
        admin_client.post(
            reverse("admin:notifications_mailing_changelist"),
            {"action": "send_now", "_selected_action": [mailing.pk]},
        )

    assert sorted(m["To"] for m in smtp_server.messages) == ["03011@kommune.example", "03012@kommune.example"]
    message = smtp_server.to("03011@kommune.example")[0]
    assert subject(message) == "News for Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
    assert (
        "Dear Person 03011 from Oslo: Wednesday 10 March 2021, 09:00–11:30. Link: https://zoom.example/j/111"
        in text_body(message)
    )


def test_the_admin_refuses_unknown_placeholders(admin_client, staff, workshop):
    response = admin_client.post(
        reverse("admin:notifications_mailing_add"),
        {"workshop": workshop.pk, "subject": "Hi {name}", "body": "{participant_name.__class__} {meeting_url!r}"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ukjent flettefelt: name." in page
    assert "Ukjent flettefelt: meeting_url, participant_name.__class__." in page
    assert Mailing.objects.count() == 0


def test_the_material_mailing_page_shows_the_text_with_sample_values(admin_client, workshop):
    from notifications.scheduling import mailings_schedule

    [material, *_] = mailings_schedule(workshop=workshop)
    material.body = "Welcome, {participant_name}!"
    material.save()

    response = admin_client.get(reverse("admin:notifications_mailing_change", args=[material.pk]))

    assert "Welcome, Kari Nordmann!" in response.content.decode()


def test_the_registration_and_participant_pages_show_their_delivery_history(
    admin_client, workshop, smtp_server, commit
):
    smtp_server.refuse["03012@kommune.example"] = "550 5.1.1 no such user"
    with commit():
        registration = register(workshop, "0301", language="en")
    participant = registration.participants.get(email="03011@kommune.example")

    registration_page = admin_client.get(reverse("admin:registrations_registration_change", args=[registration.pk]))
    participant_page = admin_client.get(reverse("admin:registrations_participant_change", args=[participant.pk]))

    history = registration_page.content.decode()
    assert "03011@kommune.example" in history and "kari@kommune.example" in history
    assert "550 5.1.1 no such user" in history  # the failed one, with the server's reply
    own = participant_page.content.decode()
    [delivery] = Delivery.objects.filter(participant=participant)
    assert delivery.message_id and delivery.message_id.strip("<>") in own.replace("&lt;", "<").replace("&gt;", ">")
    assert "550 5.1.1 no such user" not in own  # another participant's delivery
