"""Sámi letters and emoji survive the whole way: the form, the database, the email's headers and body."""

import pytest

from registrations.models import Registration
from tests.conftest import municipality, participants
from tests.notifications.conftest import subject, text_body
from tests.registrations.conftest import form_data

SAMI_NAME = "Áŋŋá Čáhppes-Đuolbmaš Ŧoalli Žáhk"
EMOJI_NAME = "Kari 🎻 Nordmann 👩‍👩‍👧"
TITLE = "Kulturskole 3.0 🎶 – Sámi kulturskuvla ja ŋ, š, č, đ, ŧ, ž"


@pytest.mark.usefixtures("before_deadline")
def test_names_and_a_sami_municipality_reach_the_email_subject_and_body_intact(client, workshop, smtp_server, commit):
    workshop.title = TITLE
    workshop.save(update_fields=["title"])
    kautokeino = municipality("5430")  # Guovdageaidnu - Kautokeino
    data = form_data(
        kautokeino,
        participants(prefix="5430"),
        contact_name=SAMI_NAME,
        **{"participants-0-name": SAMI_NAME, "participants-1-name": EMOJI_NAME},
    )

    with commit():
        response = client.post(f"/workshops/{workshop.slug}/", data)

    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.municipality.name == "Guovdageaidnu - Kautokeino"
    [message] = smtp_server.to("kari@kommune.example")
    # The subject header is RFC 2047-encoded on the wire; decoded, it is the title as staff typed it.
    assert subject(message) == f"Bekreftet påmelding: {TITLE}"
    assert "=?utf-8?" in message.as_string().split("\n\n", 1)[0].lower()  # encoded, not raw 8-bit
    body = text_body(message)
    assert f"Hei, {SAMI_NAME}!" in body
    assert "Guovdageaidnu - Kautokeino" in body
    assert EMOJI_NAME in body
