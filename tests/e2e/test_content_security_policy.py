"""The public pages and the admin work under the Content-Security-Policy: no violation, no console error."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect

from registrations import services
from registrations.models import Municipality
from tests.conftest import CONTACT, participants
from tests.e2e.test_register_in_browser import fill_contact, fill_participant
from workshops import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts, outside its policy: records every violation the page causes.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, and what went wrong on it: CSP violations, console errors and failed requests (the site
    has no favicon.ico, which Chromium asks for anyway)."""
    errors: list[str] = []
    page.add_init_script(LISTEN)

    def console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(message.text)

    def response(answer):
        if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
            errors.append(f"{answer.status} {answer.url}")

    page.on("console", console)
    page.on("response", response)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def problems() -> list[str]:
        return [*page.evaluate("window.__violations"), *errors]

    return page, problems


def test_the_public_form_and_the_receipt_run_under_the_policy(watched, live_server, open_workshop):
    page, problems = watched
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    page.get_by_role("button", name="Register", exact=True).click()  # the error summary (JavaScript)
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    assert problems() == []
    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    fill_participant(page, 2, "Ola Sjef", "Other municipal leader")
    page.get_by_role("button", name="Add participant").click()  # the in-place row (JavaScript)
    assert problems() == []
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! The registration is received")
    assert problems() == []


def test_the_admin_runs_under_the_policy(watched, live_server, open_workshop):
    page, problems = watched
    get_user_model().objects.create_superuser("kari", "kari@kulturskoleradet.no", "riktig-passord-2021")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill("kari")
    page.get_by_label("Password").fill("riktig-passord-2021")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()
    assert problems() == []
    oslo = Municipality.objects.valid_on(open_workshop.first_session.starts_at.date()).get(number="0301")
    registration = services.registration_create(
        workshop=open_workshop, municipality=oslo, contact=CONTACT, participants=participants(), actor=audit.PUBLIC
    )
    for url in (
        reverse("admin:workshops_workshop_change", args=[open_workshop.pk]),
        reverse("admin:registrations_registration_change", args=[registration.pk]),
        reverse("admin:registrations_registration_add"),
        reverse("admin:registrations_registration_changelist"),
    ):
        page.goto(f"{live_server.url}{url}")
        expect(page.locator("#content")).to_be_visible()
        assert problems() == [], url
