"""A municipality registers in a real browser: labels, the in-place row, the receipt and a refusal."""

import re

import pytest
from django.utils.translation import override
from playwright.sync_api import expect

from registrations.models import Participant, Registration, Role
from tests.conftest import input_answer
from workshops.formatting import format_span

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_contact(page) -> None:
    page.get_by_label("Municipality").select_option(label="Oslo")
    contact = page.get_by_role("group", name="Contact person")
    contact.get_by_label("Name").fill("Kari Kontakt")
    contact.get_by_label("Email").fill("kari@oslo.example")


def fill_participant(page, number: int, name: str, role: str) -> None:
    row = page.get_by_role("group", name=f"Participant {number}")
    row.get_by_label("Name").fill(name)
    row.get_by_label("Email").fill(f"{name.split()[0].lower()}@oslo.example")
    row.get_by_label("Role").select_option(label=role)
    row.get_by_label("Job title or organisation").fill("Oslo kommune")


def test_a_municipality_registers_three_participants_and_reads_the_receipt(page, live_server, open_workshop):
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile(r"^Register")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(open_workshop.title)
    register_url = page.url

    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    fill_participant(page, 2, "Ola Sjef", "Other municipal leader")
    page.get_by_role("button", name="Add participant").click()
    third = page.get_by_role("group", name="Participant 3")
    expect(third.get_by_label("Name")).to_be_focused()
    assert page.url == register_url  # added in place, no round trip
    fill_participant(page, 3, "Per Frivillig", "Local actor: voluntary sector")
    page.get_by_label("Hva vil gjøre pilotprosjektet verdifullt").fill("Samskaping.")
    page.get_by_role("button", name="Register", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you! The registration is received")
    with override("en"):
        span = format_span(*open_workshop.sessions.values_list("starts_at", "ends_at").get(label="Formiddag"))
    expect(page.get_by_role("status")).to_contain_text(f"Oslo has seats in the session Formiddag: {span}.")
    expect(page.get_by_role("row", name=re.compile("Per Frivillig"))).to_contain_text("Local actor: voluntary sector")
    registration = Registration.objects.get()
    assert page.url.endswith(f"/registration/{registration.access_id}/receipt/")
    assert list(registration.participants.values_list("name", "role")) == [
        ("Kari Leder", Role.CULTURE_SCHOOL_LEADER),
        ("Ola Sjef", Role.MUNICIPAL_LEADER),
        ("Per Frivillig", Role.VOLUNTARY_SECTOR),
    ]
    assert input_answer(registration) == "Samskaping."


def test_a_refused_delegation_shows_the_problem_in_the_summary_and_at_the_participants(
    page, live_server, open_workshop
):
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    fill_participant(page, 2, "Per Frivillig", "Local actor: voluntary sector")
    page.get_by_role("button", name="Register", exact=True).click()

    too_few = "The delegation needs at least 2 people who represent the municipality"
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile(too_few))).to_be_visible()
    expect(page.locator("#participants_error")).to_contain_text(too_few)
    # The entered rows are still there to correct.
    expect(page.get_by_role("group", name="Participant 2").get_by_label("Name")).to_have_value("Per Frivillig")

    summary.get_by_role("link", name=re.compile(too_few)).click()
    expect(page.locator("#participants")).to_be_focused()
    assert Registration.objects.count() == 0
    assert Participant.objects.count() == 0


def test_a_missing_title_and_a_missing_leader_are_both_in_the_summary_and_link_to_their_place(
    page, live_server, open_workshop
):
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    page.get_by_role("group", name="Participant 1").get_by_label("Job title or organisation").fill("")
    page.get_by_role("button", name="Register", exact=True).click()

    title_error = "Participant 1, Job title or organisation: This field is required."
    no_leader = (
        "The delegation must include at least one other leader of the municipality besides the culture-school leader."
    )
    summary = page.get_by_role("alert")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=title_error)).to_be_visible()
    expect(summary.get_by_role("link", name=no_leader)).to_be_visible()

    summary.get_by_role("link", name=title_error).click()
    title = page.get_by_role("group", name="Participant 1").get_by_label("Job title or organisation")
    expect(title).to_be_focused()
    summary.get_by_role("link", name=no_leader).click()
    expect(page.locator("#participants")).to_be_focused()
    expect(page.locator("#participants_error")).to_contain_text(no_leader)
    assert Registration.objects.count() == 0


def test_add_participant_works_without_javascript(nojs_page, live_server, open_workshop):
    page = nojs_page
    page.goto(f"{live_server.url}/workshops/{open_workshop.slug}/")
    fill_contact(page)
    fill_participant(page, 1, "Kari Leder", "Culture-school leader")
    page.get_by_role("button", name="Add participant").click()

    expect(page.get_by_role("group", name="Participant 3")).to_be_visible()
    expect(page.get_by_role("group", name="Participant 1").get_by_label("Name")).to_have_value("Kari Leder")
    expect(page.get_by_label("Municipality")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_role("alert")).to_have_count(0)
    assert Registration.objects.count() == 0
