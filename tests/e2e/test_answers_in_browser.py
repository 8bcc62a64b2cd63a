"""The contact person follows the link from the confirmation email, answers the reflection questions and
sends them in, in a real browser."""

import re

import pytest
from django.db import transaction
from playwright.sync_api import expect

from registrations import services
from registrations.models import Answer, AnswerSet, Municipality
from tests.conftest import CONTACT, participants
from tests.notifications.conftest import eager_celery, smtp_settings, start_smtp, subject, text_body  # noqa: F401
from workshops import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def mailbox(settings):
    """A real SMTP server on loopback, as tests/notifications' smtp_server (emails sent in-process)."""
    recorder, controller = start_smtp()
    for name, value in smtp_settings(controller.port).items():
        setattr(settings, name, value)
    yield recorder
    controller.stop()


def test_the_contact_person_answers_through_the_link_from_the_confirmation_email(
    page, live_server, open_workshop, mailbox, settings
):
    settings.SITE_URL = live_server.url
    first, second = open_workshop.questions.order_by("position")
    second.required_before_workshop = True
    second.save()
    with transaction.atomic():
        registration = services.registration_create(
            workshop=open_workshop,
            municipality=Municipality.objects.valid_on(open_workshop.event_date).get(number="0301"),
            contact=CONTACT,
            participants=participants(),
            language="en",
            actor=audit.PUBLIC,
        )
    [confirmation] = [
        m for m in mailbox.to(registration.contact_email) if subject(m).startswith("Registration confirmed")
    ]
    link = re.search(rf"{re.escape(live_server.url)}/r/\S+/", text_body(confirmation)).group(0)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your registration")
    page.get_by_role("link", name="Answer the reflection questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reflection questions")
    page.get_by_label(f"1. {first.text}").fill("Samskaping med frivilligheten.")
    page.get_by_role("button", name="Send in").click()
    expect(page.locator(".error-summary")).to_contain_text("Answer this question before you send in the answers")
    page.get_by_label(f"2. {second.text}").fill("Kulturskolen som arena.")
    page.get_by_role("button", name="Send in").click()

    expect(page.get_by_role("status").filter(has_text="Thank you")).to_have_text("Your answers are sent in. Thank you!")
    expect(page.get_by_role("status").filter(has_text="were sent in")).to_contain_text("The answers were sent in on")
    answer_set = AnswerSet.objects.get(registration=registration)
    assert answer_set.status == AnswerSet.Status.SUBMITTED
    assert dict(Answer.objects.filter(answer_set=answer_set).values_list("question_id", "text")) == {
        first.pk: "Samskaping med frivilligheten.",
        second.pk: "Kulturskolen som arena.",
    }
