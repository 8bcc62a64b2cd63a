"""The material mailing lists the reflection questions and reminds the contact person of a delegation that
has not sent in its answers, with the delegation's link; nobody else gets the link."""

import pytest

from notifications import links, tasks
from registrations import services
from registrations.services import ContactData
from tests.conftest import STAFF, oslo, participants, register
from tests.notifications.conftest import html_body, subject, text_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline", "approved")]
MATERIAL = "Preparatory material: Kulturskole 3.0"
REMINDER_LINE = "Your delegation has not sent in its answers to the reflection questions yet."


def contact(prefix: str) -> ContactData:
    """The contact person is the delegation's first participant: the material goes to participants."""
    return ContactData(name=f"Person {prefix}1", email=f"{prefix}1@kommune.example")


def text(message) -> str:
    return text_body(message).replace("\r\n", "\n")


def material(smtp_server, address: str):
    [message] = [m for m in smtp_server.to(address) if subject(m).startswith(MATERIAL)]
    return message


def test_only_the_contact_persons_of_delegations_that_have_not_sent_in_get_the_reminder_and_link(
    workshop, smtp_server, commit, time_machine
):
    first, second = workshop.questions.order_by("position")
    with commit():
        answered = register(workshop, "0301", contact=contact("0301"), language="en")
        drafted = register(workshop, "4601", contact=contact("b"), language="en", people=participants(prefix="b"))
        silent = register(workshop, "5401", contact=contact("t"), language="en", people=participants(prefix="t"))
        both = {first.pk: "Samskaping.", second.pk: "Kulturarenaen."}
        services.answers_save(registration=answered, answers=both, submit=True, actor=STAFF)
        services.answers_save(registration=drafted, answers={first.pk: "Utkast."}, submit=False, actor=STAFF)

    time_machine.move_to(oslo(2021, 3, 3, 9, 0), tick=False)
    with commit():
        tasks.release_due_mailings.delay()

    for registration in (drafted, silent):
        message = material(smtp_server, registration.contact_email)
        link = links.registration_manage_url(registration)
        assert f"{REMINDER_LINE} Answer them through the registration page, which this personal link opens" in (
            text(message)
        )
        assert f"(do not share it):\n{link}\n" in text(message)
        assert f'<a href="{link}">' in html_body(message)
    answered_contact = material(smtp_server, answered.contact_email)
    assert REMINDER_LINE not in text(answered_contact)
    assert "/r/" not in answered_contact.as_string()
    # The participants of a delegation without answers get the questions, never the link.
    for participant in drafted.participants.exclude(email=drafted.contact_email):
        body = text(material(smtp_server, participant.email))
        assert "Reflection questions:\n1. Hva vil gjøre pilotprosjektet verdifullt for kommunen deres?\n2. " in body
        assert REMINDER_LINE not in body and "/r/" not in body
