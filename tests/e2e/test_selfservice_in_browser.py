"""Self-service in a real browser: register, follow the link from the confirmation email the SMTP server
received, add a participant, answer the reflection questions, and see the new participant's confirmation
arrive."""

import re
import time

import pytest
from playwright.sync_api import expect

from registrations import services
from registrations.models import Answer, AnswerSet, Municipality, Registration
from tests.conftest import CONTACT, participants
from tests.e2e.conftest import english_cookie
from tests.e2e.test_content_security_policy import LISTEN
from tests.e2e.test_register_in_browser import fill_contact, fill_participant
from tests.notifications.conftest import eager_celery, smtp_server, subject, text_body  # noqa: F401 (fixtures)
from workshops import audit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("eager_celery"),
]


def wait_for_mail(smtp_server, address: str, timeout: float = 10.0):  # noqa: F811 (the fixture's value)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if received := smtp_server.to(address):
            return received
        time.sleep(0.1)
    raise AssertionError(f"no email to {address}; received: {smtp_server.subjects()}")


def test_the_contact_person_follows_the_emailed_link_adds_a_participant_and_answers_the_questions(
    browser,
    page,
    live_server,
    open_workshop,
    smtp_server,  # noqa: F811
    settings,
):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    fill_participant(page, 2, "Ola Sjef", "Other municipal leader")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! The registration is received")

    confirmation = wait_for_mail(smtp_server, "kari@oslo.example")[0]
    link = re.search(r"(http://\S+/r/\S+/)", text_body(confirmation)).group(1)
    assert link.startswith(f"{live_server.url}/r/")

    # Another browser, as the contact person reading the email: the link alone opens the delegation.
    context = browser.new_context(locale="en-GB")
    context.add_cookies([english_cookie(live_server)])
    context.set_default_timeout(10_000)
    reader = context.new_page()
    reader.bring_to_front()  # the first page still holds the window focus otherwise
    try:
        reader.goto(link)
        expect(reader.get_by_role("heading", level=1)).to_have_text("Your registration")
        assert "/r/" not in reader.url  # the secret left the address bar
        reader.get_by_role("link", name="Change the registration").click()
        expect(reader.get_by_role("group", name="Participant 2").get_by_label("Name")).to_have_value("Ola Sjef")
        change_url = reader.url

        reader.get_by_role("button", name="Add participant").click()
        third = reader.get_by_role("group", name="Participant 3")
        # Focus moved to the new row's first field. Checked on document.activeElement, because a second
        # page may not hold the browser window's focus under load (Playwright would then say "inactive").
        expect(third.get_by_label("Name")).to_be_visible()
        reader.wait_for_function("document.activeElement && document.activeElement.name === 'participants-2-name'")
        assert reader.url == change_url  # the row was added in place (static/js/formset.js)
        fill_participant(reader, 3, "Nina Ny", "Other municipal service or sector")
        reader.get_by_role("button", name="Save changes").click()

        expect(reader.get_by_text("The changes are saved.")).to_be_visible()
        expect(reader.get_by_role("row", name=re.compile("Nina Ny"))).to_be_visible()

        # The municipality's input: the reflection questions, from the same page.
        first, second = open_workshop.questions.order_by("position")
        reader.get_by_role("link", name="Answer the reflection questions").click()
        expect(reader.get_by_role("heading", level=1)).to_have_text("Reflection questions")
        reader.get_by_label(f"1. {first.text}").fill("Samskaping med frivilligheten.")
        reader.get_by_label(f"2. {second.text}").fill("Kulturskolen som arena for hele kommunen.")
        reader.get_by_role("button", name="Send in").click()
        expect(reader.get_by_role("status").filter(has_text="Thank you")).to_have_text(
            "Your answers are sent in. Thank you!"
        )
    finally:
        context.close()

    welcome = wait_for_mail(smtp_server, "nina@oslo.example")
    assert [subject(m) for m in welcome] == [f"Registration confirmed: {open_workshop.title}"]
    assert "- Nina Ny (other municipal service or sector)" in text_body(welcome[0])
    registration = Registration.objects.get()
    assert list(registration.participants.order_by("pk").values_list("name", flat=True)) == [
        "Kari Leder",
        "Ola Sjef",
        "Nina Ny",
    ]
    answer_set = AnswerSet.objects.get(registration=registration)
    assert answer_set.status == AnswerSet.Status.SUBMITTED
    assert list(
        Answer.objects.filter(answer_set=answer_set).order_by("question__position").values_list("text", flat=True)
    ) == [
        "Samskaping med frivilligheten.",
        "Kulturskolen som arena for hele kommunen.",
    ]


def test_the_self_service_pages_run_under_the_policy_and_show_problems_like_the_form(page, live_server, open_workshop):
    registration = services.registration_create(
        workshop=open_workshop,
        municipality=Municipality.objects.filter(valid_to__isnull=True).get(name="Oslo"),
        contact=CONTACT,
        participants=participants(),
        actor=audit.PUBLIC,
    )
    page.add_init_script(LISTEN)
    page.goto(f"{live_server.url}/r/{registration.access_id}/{registration.token}/")
    page.get_by_role("link", name="Change the registration").click()
    page.get_by_role("button", name="Add participant").click()  # the in-place row (JavaScript)
    page.get_by_role("group", name="Participant 2").get_by_label("Remove this participant").check()
    page.get_by_role("button", name="Save changes").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()  # the error summary (JavaScript)
    expect(summary).to_contain_text("The delegation must include at least one other leader of the municipality")
    assert page.evaluate("window.__violations") == []
    page.goto(f"{live_server.url}/registration/{registration.access_id}/cancel/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel the registration?")
    assert page.evaluate("window.__violations") == []
    assert registration.participants.count() == 2
