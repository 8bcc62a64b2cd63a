"""The development email backend: one RFC 5322 .eml file per message, named so the files sort by time."""

import email
import email.policy
import re

from django.core.mail import EmailMultiAlternatives, get_connection

from notifications.backends import EmlFileBackend
from tests.notifications.conftest import subject

SUBJECT = "Påmelding: Tromsø – Guovdageaidnu/Kautokeino"
ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
NAME = re.compile(r"^\d{8}-\d{6}-\d{6}-\d{6}-[0-9a-f]{12}\.eml$")


def message(number: int, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=f"{SUBJECT} ({number})",
        body=f"Hei, deltaker {number}: velkommen til verkstedet.",
        from_email="Kulturskolerådet <verksted@kulturskoleradet.no>",
        to=[f"deltaker{number}@kommune.example"],
        cc=["kontakt@kommune.example"],
        connection=connection,
    )
    message.attach_alternative(f"<p>Hei, deltaker {number}: velkommen til verkstedet.</p>", "text/html")
    message.attach("invitasjon.ics", ICS, "text/calendar; method=REQUEST")
    return message


def read(path) -> email.message.EmailMessage:
    with path.open("rb") as file:
        return email.message_from_binary_file(file, policy=email.policy.default)


def test_each_message_is_its_own_eml_file_in_the_order_sent(tmp_path):
    connection = EmlFileBackend(file_path=str(tmp_path))
    # Three in one call (one connection, as a batch of deliveries is sent) and two more after.
    assert connection.send_messages([message(n, connection) for n in (1, 2, 3)]) == 3
    message(4, connection).send()
    message(5, connection).send()

    files = sorted(tmp_path.iterdir())
    assert [path.name for path in files if not NAME.match(path.name)] == []
    parsed = [read(path) for path in files]
    assert [subject(m) for m in parsed] == [f"{SUBJECT} ({n})" for n in (1, 2, 3, 4, 5)]
    assert [(m["To"], m["Cc"]) for m in parsed] == [
        (f"deltaker{n}@kommune.example", "kontakt@kommune.example") for n in (1, 2, 3, 4, 5)
    ]
    first = parsed[0]
    assert first["From"] == "Kulturskolerådet <verksted@kulturskoleradet.no>"
    assert first.get_body(("plain",)).get_content() == "Hei, deltaker 1: velkommen til verkstedet."
    assert first.get_body(("html",)).get_content().strip() == "<p>Hei, deltaker 1: velkommen til verkstedet.</p>"
    [attachment] = first.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("invitasjon.ics", "text/calendar")
    assert attachment.get_content().splitlines() == ICS.decode().splitlines()
    # The name ends in a hash of the Message-ID, so the same message is recognisable across files and logs.
    assert len({m["Message-ID"] for m in parsed}) == 5


def test_the_files_are_rfc_5322_with_crlf_line_ends(tmp_path):
    message(1, EmlFileBackend(file_path=str(tmp_path))).send()

    [path] = tmp_path.iterdir()
    data = path.read_bytes()
    assert data.count(b"\r\n") > 10
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_a_message_without_recipients_writes_nothing(tmp_path):
    connection = EmlFileBackend(file_path=str(tmp_path))
    empty = EmailMultiAlternatives(subject=SUBJECT, body="…", to=[], connection=connection)

    assert connection.send_messages([empty]) == 0
    assert list(tmp_path.iterdir()) == []


def test_the_folder_is_created_and_nothing_is_left_half_written(tmp_path, settings):
    settings.EMAIL_BACKEND = "notifications.backends.EmlFileBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "var" / "sent-mail")

    message(1, get_connection()).send()

    # The temporary name starts with a dot; only the renamed .eml remains.
    assert [path.suffix for path in (tmp_path / "var" / "sent-mail").iterdir()] == [".eml"]
