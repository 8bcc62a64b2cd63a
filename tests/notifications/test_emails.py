"""The email helper's stencils: a fan-out renders its templates once per shape and fills in each recipient."""

import email
import email.policy
import re

import pytest
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.html import escape

from notifications import emails, links, tasks
from notifications.models import MaterialFile
from registrations.models import Participant, Role
from registrations.services import ContactData, ParticipantData
from tests.conftest import oslo, register
from tests.notifications.conftest import html_body, subject, text_body

pytestmark = pytest.mark.django_db

NAMES = ['Åse <b>Ødegård</b> & «Ola» "O\'Neil"', "Per", ""]


def material_context(workshop, session, values: dict) -> dict:
    return {
        "workshop": workshop,
        "session": session,
        "meeting_url": "https://zoom.example/j/111" if session else "",
        "meeting_passcode": "kultur1" if session else "",
        "message": "Ta med <notater> & spørsmål.",
        "site_url": "http://127.0.0.1:8000",
        "attached": [],
        "linked": [],
        "questions": list(workshop.questions.all()),
        "answers_url": values["answers_url"],
        "municipality": values["municipality"],
        "recipient_name": values["recipient_name"],
    }


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_a_stencil_reads_as_the_templates_rendered_for_each_recipient(workshop, main_session, language):
    memo = {}
    recipients = [
        {"recipient_name": name, "municipality": town, "answers_url": url}
        for name in NAMES
        for town in ["Bø i Telemark", "Rødøy & <Lurøy>"]
        for url in ["", "http://127.0.0.1:8000/r/a&b<c>/"]
    ]
    with translation.override(language):
        for session in [main_session, None]:
            for values in recipients:
                context_for = lambda v, session=session: material_context(workshop, session, v)  # noqa: E731
                rendered = emails.render_personal("material", context_for, values, memo=memo)
                assert rendered == emails.render("material", context_for(values))
    # Rendered once per session (or none) and per set of empty values, not once per recipient.
    assert len(memo) == 2 * 2 * 2 == len(recipients) * 2 / 3


def test_each_participant_gets_their_own_name_links_and_answers_reminder(
    workshop, smtp_server, commit, time_machine, settings, tmp_path, approved
):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_MAX_ATTACHMENT_BYTES = 1000
    MaterialFile.objects.create(workshop=workshop, title="Report", file=ContentFile(b"x" * 2000, "report.pdf"))
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)
    people = [
        ParticipantData(name=NAMES[0], email="ase@kommune.example", role=Role.CULTURE_SCHOOL_LEADER, title="Rektor"),
        ParticipantData(name="Per", email="per@kommune.example", role=Role.MUNICIPAL_LEADER, title="Rådgiver"),
    ]
    contact = ContactData(name=NAMES[0], email="ase@kommune.example", phone="+47 99 99 99 99")
    with commit():
        register(workshop, "0301", people=people, contact=contact, language="nn")
        register(workshop, "4601", language="nn")

    time_machine.move_to(oslo(2021, 3, 3, 9, 0), tick=False)
    with commit():
        tasks.release_due_mailings.delay()

    material = [m for m in smtp_server.messages if subject(m).startswith("Førebuande materiell")]
    assert sorted(m["To"] for m in material) == [
        "46011@kommune.example",
        "46012@kommune.example",
        "ase@kommune.example",
        "per@kommune.example",
    ]
    for message in material:
        participant = Participant.objects.get(email=message["To"], registration__workshop=workshop)
        text, page = text_body(message), html_body(message)
        assert f"Hei, {participant.name}!" in text
        assert f"Hei, {escape(participant.name)}!" in page
        [url] = [word for word in text.split() if "/notifications/material/" in word]
        signed = url.rstrip("/").rpartition("/")[2]
        assert links.material_file_unsign(signed)[1] == participant.pk
        assert f'href="{url}"' in page
        if message["To"] == "ase@kommune.example":
            manage = links.registration_manage_url(participant.registration)
            assert 'id="answers-reminder"' in page and f'<a href="{manage}">' in page and manage in text
        else:
            assert "answers-reminder" not in page and "/r/" not in text


def parsed(message) -> list[tuple[list[tuple[str, str]], bytes | None]]:
    """Each MIME part's headers (boundaries left out: they are random) and decoded content."""
    raw = message.message().as_bytes(linesep="\r\n")
    parts = email.message_from_bytes(raw, policy=email.policy.default).walk()
    return [
        (
            [(k, re.sub(r';\s*boundary="[^"]*"', "", v)) for k, v in part.items()],
            None if part.is_multipart() else part.get_payload(decode=True),
        )
        for part in parts
    ]


def test_an_email_with_a_shared_attachment_reads_as_djangos_own(settings):
    settings.EMAIL_USE_LOCALTIME = False
    part = emails.attachment_part("program.pdf", b"%PDF" + bytes(range(256)) * 400, "application/pdf")
    for to in ["ase@kommune.example", "per@kommune.example"]:  # the second copies the part written once
        built = {}
        for cls in (EmailMultiAlternatives, emails.Email):
            message = cls(
                subject="Førebuande materiell: Kulturskole 3.0 – eit langt emne som må brytast over fleire linjer",
                body="Hei, Åse!\n\n" + "Ei lang linje. " * 20,
                from_email="verksted@kulturskoleradet.no",
                to=[to],
                reply_to=["post@kulturskoleradet.no"],
                headers={"Message-ID": "<1@kulturskoleradet.no>", "Date": "Fri, 27 Nov 2026 23:00:00 +0000"},
            )
            message.attach_alternative("<p>Hei, Åse!</p>", "text/html")
            message.attach(part)
            built[cls] = parsed(message)
        assert built[emails.Email] == built[EmailMultiAlternatives]
