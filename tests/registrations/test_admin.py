"""The staff pages: every write goes through registrations.services, and rule violations are friendly errors.

Pages are read in English (the msgids), so the tests do not depend on the Bokmål catalogue.
"""

import re

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry

from registrations.models import Participant, Registration, Role
from tests.conftest import delegation, municipality, oslo, participants, register
from tests.registrations.conftest import form_data, page_text
from workshops.models import Session

ADD_URL = "/admin/registrations/registration/add/"
CHANGELIST_URL = "/admin/registrations/registration/"


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def add_data(workshop, number="0301", people=None, **fields) -> dict[str, str]:
    """The admin add form as a browser posts it: the registration and its participant rows."""
    data = form_data(municipality(number), people, workshop=workshop.pk, language="nb", **fields)
    data.setdefault("preferred_session", "")
    return data


def change_data(registration, people: list[dict], **fields) -> dict[str, str]:
    """The admin change form: existing rows carry their id; a row with DELETE=on is removed."""
    initial = [p for p in people if p.get("id")]
    data = {
        "contact_name": registration.contact_name,
        "contact_email": registration.contact_email,
        "contact_phone": registration.contact_phone,
        "participants-TOTAL_FORMS": str(len(people)),
        "participants-INITIAL_FORMS": str(len(initial)),
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, person in enumerate(people):
        row = {"registration": registration.pk, "phone": "", "title": "", "id": "", **person}
        data.update({f"participants-{index}-{key}": str(value) for key, value in row.items()})
    data.update(fields)
    return data


def submit(client, url: str, data: dict, **kwargs):
    """Post the admin form at url as a browser would: the page's other inlines (the email history) as rendered."""
    content = client.get(url).content.decode()
    hidden = {
        name: value
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', content)
        if not name.startswith("participants-") and name != "csrfmiddlewaretoken"
    }
    return client.post(url, {**hidden, **data}, **kwargs)


def rows(registration) -> list[dict]:
    return [
        {"id": p.pk, "name": p.name, "email": p.email, "role": p.role, "title": p.title}
        for p in registration.participants.all()
    ]


def action(client, url, name, objects, **extra):
    data = {"action": name, "_selected_action": [str(o.pk) for o in objects], **extra}
    return client.post(url, data, follow=True)


# --- Adding a registration ---------------------------------------------------------------------


def test_it_adds_a_registration_with_its_participants(staff, workshop, before_deadline):
    response = submit(staff, ADD_URL, add_data(workshop, people=delegation(3)), follow=True)

    registration = Registration.objects.get()
    assert (registration.municipality.name, registration.status) == ("Oslo", Registration.Status.CONFIRMED)
    assert registration.session.label == "Formiddag"
    assert (registration.contact_name, registration.contact_email) == ("Kari Kontakt", "kari@kommune.example")
    assert list(registration.participants.values_list("name", "email", "role")) == [
        ("Person p1", "p1@kommune.example", Role.CULTURE_SCHOOL_LEADER),
        ("Person p2", "p2@kommune.example", Role.MUNICIPAL_LEADER),
        ("Person p3", "p3@kommune.example", Role.MUNICIPAL_SERVICE),
    ]
    assert f"The registration “{registration}” was added successfully." in page_text(response)
    entry = LogEntry.objects.get()
    assert (entry.action_flag, entry.object_id) == (ADDITION, str(registration.pk))
    assert entry.get_change_message() == (
        "Added. Added participant “Person p1”. Added participant “Person p2”. Added participant “Person p3”."
    )


def test_it_applies_the_delegation_rules_and_saves_nothing(staff, workshop, before_deadline):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.RESIDENT)

    response = submit(staff, ADD_URL, add_data(workshop, people=people))

    text = page_text(response)
    assert "The delegation needs at least 2 people who represent the municipality" in text
    assert "it has 1." in text
    assert "The delegation must include at least one other leader of the municipality" in text
    assert Registration.objects.count() == 0
    assert Participant.objects.count() == 0
    assert LogEntry.objects.count() == 0


def test_it_reports_an_already_registered_municipality_and_keeps_the_input(staff, workshop, before_deadline):
    register(workshop, "0301")

    response = submit(staff, ADD_URL, add_data(workshop, people=delegation(2, prefix="ny")))

    assert response.status_code == 200
    text = page_text(response)
    assert (
        "Oslo is already registered for this workshop. The contact person can change the registration through "
        "the link in the confirmation email."
    ) in text
    assert 'value="ny1@kommune.example"' in response.content.decode()
    assert Registration.objects.count() == 1
    assert Participant.objects.filter(email__startswith="ny").count() == 0


def test_staff_may_add_after_the_deadline_and_the_admin_log_says_so(staff, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 5, 10, 0), tick=False)

    submit(staff, ADD_URL, add_data(workshop, "1103", override_window="on"), follow=True)

    registration = Registration.objects.get()
    assert (registration.municipality.name, registration.status) == ("Stavanger", Registration.Status.CONFIRMED)
    entry = LogEntry.objects.get()
    assert entry.action_flag == ADDITION
    assert entry.change_message == (
        "Added after the registration deadline (staff override). "
        "Added participant “Person 11031”. Added participant “Person 11032”."
    )


def test_adding_before_the_deadline_writes_no_override_note(staff, workshop, before_deadline):
    submit(staff, ADD_URL, add_data(workshop), follow=True)

    assert "override" not in LogEntry.objects.get().change_message


def test_the_add_form_offers_no_status_session_or_token(staff, workshop):
    content = staff.get(ADD_URL).content.decode()

    assert 'name="municipality"' in content
    assert 'name="participants-TOTAL_FORMS"' in content
    for name in ("status", "session", "token"):
        assert f'name="{name}"' not in content


# --- Changing a registration -------------------------------------------------------------------


def test_it_changes_participants_through_the_service(staff, workshop, before_deadline):
    registration = register(workshop, "0301", people=delegation(3))
    kept, changed, removed = rows(registration)
    changed["name"] = "Nytt Navn"
    removed["DELETE"] = "on"
    new = {"name": "Ny Person", "email": "ny@kommune.example", "role": Role.BUSINESS}

    response = submit(
        staff,
        f"{CHANGELIST_URL}{registration.pk}/change/",
        change_data(registration, [kept, changed, removed, new], contact_name="Ola Kontakt"),
        follow=True,
    )

    assert "was changed successfully" in page_text(response)
    registration.refresh_from_db()
    assert registration.contact_name == "Ola Kontakt"
    assert list(registration.participants.values_list("pk", "name")) == [
        (kept["id"], kept["name"]),
        (changed["id"], "Nytt Navn"),
        (registration.participants.get(email="ny@kommune.example").pk, "Ny Person"),
    ]
    assert LogEntry.objects.get().get_change_message() == (
        "Changed Contact person. Added participant “Ny Person”. Changed Name for participant “Nytt Navn”. "
        "Deleted participant “Person p3”."
    )


def test_staff_may_change_after_the_deadline_and_the_admin_log_says_so(staff, workshop, time_machine):
    registration = register(workshop, "0301", now=oslo(2021, 2, 15, 12, 0))
    time_machine.move_to(oslo(2021, 3, 8, 10, 0), tick=False)

    submit(
        staff,
        f"{CHANGELIST_URL}{registration.pk}/change/",
        change_data(registration, rows(registration), contact_name="Ola Kontakt", override_window="on"),
        follow=True,
    )

    registration.refresh_from_db()
    assert registration.contact_name == "Ola Kontakt"
    assert LogEntry.objects.get().change_message == (
        "Changed after the registration deadline (staff override). Changed Contact person."
    )


def test_a_closed_preferred_session_is_reported_on_its_field(staff, workshop, overflow_session, before_deadline):
    response = submit(staff, ADD_URL, add_data(workshop, preferred_session=overflow_session.pk))

    assert "The chosen session is not open for registration." in page_text(response)
    assert Registration.objects.count() == 0


def test_status_session_and_link_id_are_read_only_and_the_secret_not_shown(staff, workshop, before_deadline):
    registration = register(workshop, "0301")
    url = f"{CHANGELIST_URL}{registration.pk}/change/"

    content = staff.get(url).content.decode()
    for name in ("status", "session", "token", "access_id", "workshop", "municipality"):
        assert f'name="{name}"' not in content
    # Staff see the link's id (to trace a support case), never its secret.
    assert registration.access_id in content
    assert registration.token not in content

    submit(staff, url, change_data(registration, rows(registration), status="cancelled", session=""), follow=True)

    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert registration.session.label == "Formiddag"


def test_a_full_session_is_reported_on_the_form_and_nothing_changes(staff, workshop, main_session, before_deadline):
    Session.objects.filter(pk=main_session.pk).update(capacity=3)
    registration = register(workshop, "0301")
    more = [{"name": f"Ekstra {i}", "email": f"ekstra{i}@kommune.example", "role": Role.RESIDENT} for i in (1, 2)]

    response = submit(
        staff, f"{CHANGELIST_URL}{registration.pk}/change/", change_data(registration, rows(registration) + more)
    )

    assert response.status_code == 200
    assert "Formiddag does not have room for the whole delegation (free seats: 3; the delegation: 4)." in page_text(
        response
    )
    assert registration.participants.count() == 2
    assert LogEntry.objects.count() == 0


def test_a_cancelled_registration_can_be_viewed_not_changed(staff, workshop, before_deadline):
    registration = register(workshop, "0301")
    staff.post(CHANGELIST_URL, {"action": "cancel_registrations", "_selected_action": [registration.pk], "apply": "1"})

    content = staff.get(f"{CHANGELIST_URL}{registration.pk}/change/").content.decode()

    assert 'name="contact_name"' not in content
    assert "Kari Kontakt" in content


def test_registrations_cannot_be_deleted(staff, workshop, before_deadline):
    registration = register(workshop, "0301")

    response = staff.post(f"{CHANGELIST_URL}{registration.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert Registration.objects.filter(pk=registration.pk).exists()
    assert 'value="delete_selected"' not in staff.get(CHANGELIST_URL).content.decode()


def statuses(registrations) -> list[tuple[str, str | None]]:
    result = []
    for registration in registrations:
        registration.refresh_from_db()
        result.append((registration.status, registration.session.label if registration.session else None))
    return result


# --- Move and cancel --------------------------------------------------------------------------


def test_move_asks_for_the_session_then_moves(staff, workshop, overflow_session, before_deadline):
    first, second = register(workshop, "0301"), register(workshop, "1103")

    page = action(staff, CHANGELIST_URL, "move_to_session", [first, second])

    text = page_text(page)
    assert "Move these delegations to the session you choose." in text
    assert "Oslo: confirmed" in text and "Stavanger: confirmed" in text
    assert statuses([first, second]) == [(Registration.Status.CONFIRMED, "Formiddag")] * 2

    response = action(
        staff, CHANGELIST_URL, "move_to_session", [first, second], session=overflow_session.pk, apply="Move"
    )

    assert statuses([first, second]) == [(Registration.Status.CONFIRMED, "Ettermiddag")] * 2
    assert f"2 delegations moved to {overflow_session}." in page_text(response)


def test_move_reports_a_delegation_that_does_not_fit(staff, workshop, overflow_session, before_deadline):
    Session.objects.filter(pk=overflow_session.pk).update(capacity=3)
    first, second = register(workshop, "0301"), register(workshop, "1103")

    response = action(
        staff, CHANGELIST_URL, "move_to_session", [first, second], session=overflow_session.pk, apply="Move"
    )

    assert statuses([first, second]) == [
        (Registration.Status.CONFIRMED, "Ettermiddag"),
        (Registration.Status.CONFIRMED, "Formiddag"),
    ]
    text = page_text(response)
    assert (
        "Stavanger: Ettermiddag does not have room for the whole delegation (free seats: 1; the delegation: 2)." in text
    )
    assert f"1 delegation moved to {overflow_session}." in text


def test_cancel_asks_first_then_cancels_and_gives_the_seats_to_the_waiting_list(
    staff, workshop, main_session, before_deadline
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    confirmed, waiting = register(workshop, "0301"), register(workshop, "1103")
    assert waiting.status == Registration.Status.WAITLISTED

    page = action(staff, CHANGELIST_URL, "cancel_registrations", [confirmed])

    assert "Cancel these registrations?" in page_text(page)
    assert statuses([confirmed]) == [(Registration.Status.CONFIRMED, "Formiddag")]

    response = action(staff, CHANGELIST_URL, "cancel_registrations", [confirmed], apply="Yes")

    assert statuses([confirmed, waiting]) == [
        (Registration.Status.CANCELLED, None),
        (Registration.Status.CONFIRMED, "Formiddag"),
    ]
    assert "1 registration cancelled." in page_text(response)


# --- Lists ------------------------------------------------------------------------------------


def test_the_registration_list_shows_county_session_and_size_and_filters_by_county(staff, workshop, before_deadline):
    register(workshop, "0301", people=delegation(3))
    register(workshop, "1103")

    text = page_text(staff.get(CHANGELIST_URL))
    assert "Oslo Oslo Formiddag 10.03.2021 09.00–11.30 3 confirmed" in text
    assert "Stavanger Rogaland Formiddag 10.03.2021 09.00–11.30 2 confirmed" in text

    filtered = page_text(staff.get(CHANGELIST_URL, {"county": "11"}))
    assert "Stavanger Rogaland" in filtered
    assert "Oslo Oslo" not in filtered


def test_the_registration_list_searches_participants(staff, workshop, before_deadline):
    register(workshop, "0301")
    register(workshop, "1103")

    text = page_text(staff.get(CHANGELIST_URL, {"q": "11031@kommune.example"}))

    assert "Stavanger Rogaland" in text
    assert "Oslo Oslo" not in text
    assert "1 result" in text


def test_sizes_are_right_when_the_search_matches_several_participants(staff, workshop, before_deadline):
    # Every participant of both delegations has the name «Person …», and Oslo's municipality name matches too:
    # a count through the search's join would multiply (3 × 3 = 9).
    register(workshop, "0301", people=delegation(3))
    register(workshop, "1103", people=delegation(4, prefix="s"))

    for query in ("Person", "Oslo", "kommune.example"):
        text = page_text(staff.get(CHANGELIST_URL, {"q": query}))
        assert "Oslo Oslo Formiddag 10.03.2021 09.00–11.30 3 confirmed" in text, query
    text = page_text(staff.get(CHANGELIST_URL, {"q": "Person", "o": "4"}))
    assert "Stavanger Rogaland Formiddag 10.03.2021 09.00–11.30 4 confirmed" in text
    assert "2 registrations" in text


def test_municipalities_are_listed_read_only(staff):
    response = staff.get("/admin/registrations/municipality/", {"q": "Stavanger"})

    text = page_text(response)
    assert "1103 Stavanger Rogaland Jan. 1, 2020 Dec. 31, 2023" in text
    assert "1103 Stavanger Rogaland Jan. 1, 2024" in text
    assert staff.get("/admin/registrations/municipality/add/").status_code == 403
