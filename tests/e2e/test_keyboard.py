"""The whole registration with the keyboard alone: Tab and Shift+Tab, typing, arrow keys, Space and Enter.

Every element that takes focus on the way shows it (an outline or a ring, WCAG 2.4.7), the error summary
takes the focus after a failed submit, and the inputs declare their purpose for autofill (WCAG 1.3.5).
"""

import pytest
from playwright.sync_api import expect

from registrations.models import Registration, Role
from tests.conftest import input_answer
from workshops.models import Session

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element, and whether it is marked: an outline or a box-shadow ring of its own.
FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  const outlined = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
  const ringed = style.boxShadow !== "none";
  return {
    what: `${element.tagName.toLowerCase()}#${element.id || element.name || element.textContent.trim().slice(0, 30)}`,
    marked: outlined || ringed,
  };
}"""


class Keyboard:
    """Moves through the page with Tab / Shift+Tab only, remembering every element that took the focus."""

    def __init__(self, page):
        self.page = page
        self.unmarked: list[str] = []
        self.visited: list[str] = []

    def tab_to(self, selector: str, *, backwards: bool = False, limit: int = 120) -> None:
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
            focused = self.page.evaluate(FOCUSED)
            self.visited.append(focused["what"])
            if not focused["marked"]:
                self.unmarked.append(focused["what"])
            if self.page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
                return
        raise AssertionError(f"{selector} never took the focus; visited {self.visited[-limit:]}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def choose(self, selector: str, presses: int) -> None:
        """A select, closed, moved down the options with the arrow key."""
        self.tab_to(selector)
        for _ in range(presses):
            self.page.keyboard.press("ArrowDown")


def fill_row(keys: Keyboard, index: int, name: str, role_presses: int) -> None:
    row = f"#id_participants-{index}"
    keys.type_into(f"{row}-name", name)
    keys.type_into(f"{row}-email", f"{name.split()[0].lower()}@oslo.example")
    keys.choose(f"{row}-role", role_presses)
    keys.type_into(f"{row}-title", "Oslo kommune")


def test_a_municipality_registers_with_the_keyboard_alone(page, live_server, open_workshop):
    # Both sessions open: the preferred session is a radio group, chosen with the arrow keys.
    Session.objects.filter(workshop=open_workshop).update(is_open=True)
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    keys = Keyboard(page)

    keys.tab_to(".language-switch button")  # past the skip link and the site's name
    keys.tab_to(".skip-link", backwards=True)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # Sent empty: the summary of problems takes the focus, and its first link leads to the field.
    keys.tab_to("form.registration-form button.btn-lg")
    page.keyboard.press("Enter")
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    assert page.evaluate("document.activeElement === document.querySelector('[data-error-summary]')")
    keys.tab_to("[data-error-summary] a")
    page.keyboard.press("Enter")
    expect(page.locator("#id_municipality")).to_be_focused()

    page.keyboard.type("Oslo")  # a closed select finds the option by its first letters
    expect(page.locator("#id_municipality")).to_have_value(
        str(page.locator("#id_municipality option", has_text="Oslo").first.get_attribute("value"))
    )
    keys.type_into("#id_contact_name", "Kari Kontakt")
    keys.type_into("#id_contact_email", "kari@oslo.example")
    keys.tab_to("#id_contact_name", backwards=True)
    expect(page.locator("#id_contact_name")).to_have_value("Kari Kontakt")

    fill_row(keys, 0, "Kari Leder", role_presses=1)
    fill_row(keys, 1, "Ola Sjef", role_presses=2)
    keys.tab_to("[data-add-participant]")
    page.keyboard.press("Space")
    expect(page.locator("#id_participants-2-name")).to_be_focused()
    page.keyboard.type("Per Frivillig")
    keys.type_into("#id_participants-2-email", "per@oslo.example")
    keys.choose("#id_participants-2-role", 4)
    keys.type_into("#id_participants-2-title", "Frivilligsentralen")

    keys.tab_to("input[name=preferred_session]")
    page.keyboard.press("ArrowDown")  # from «No preference» to the first session
    page.keyboard.press("ArrowDown")  # and on to the second
    keys.type_into("textarea", "Samskaping.")
    keys.tab_to("form.registration-form button.btn-lg")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! The registration is received")
    keys.tab_to(".site-footer a[href='/accessibility/']")
    registration = Registration.objects.get()
    assert registration.municipality.name == "Oslo"
    assert (registration.contact_name, registration.contact_email) == ("Kari Kontakt", "kari@oslo.example")
    assert list(registration.participants.order_by("pk").values_list("name", "role", "title")) == [
        ("Kari Leder", Role.CULTURE_SCHOOL_LEADER, "Oslo kommune"),
        ("Ola Sjef", Role.MUNICIPAL_LEADER, "Oslo kommune"),
        ("Per Frivillig", Role.VOLUNTARY_SECTOR, "Frivilligsentralen"),
    ]
    assert registration.session.label == "Ettermiddag"
    assert input_answer(registration) == "Samskaping."
    assert keys.unmarked == []


def test_the_form_fields_declare_their_purpose_for_autofill(page, live_server, open_workshop):
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    purposes = {
        field: page.locator(f"#id_{field}").get_attribute("autocomplete")
        for field in (
            "contact_name",
            "contact_email",
            "contact_phone",
            "participants-0-name",
            "participants-0-email",
            "participants-0-phone",
            "participants-0-title",
            "participants-1-name",
        )
    }
    assert purposes == {
        "contact_name": "name",
        "contact_email": "email",
        "contact_phone": "tel",
        # Each participant is a section of its own: autofill never copies one person into every row.
        "participants-0-name": "section-participants-0 name",
        "participants-0-email": "section-participants-0 email",
        "participants-0-phone": "section-participants-0 tel",
        "participants-0-title": "section-participants-0 organization-title",
        "participants-1-name": "section-participants-1 name",
    }
    page.get_by_role("button", name="Add participant").click()
    assert page.locator("#id_participants-2-email").get_attribute("autocomplete") == "section-participants-2 email"
