"""The public pages: the workshop list, the registration form, the receipt, the language switch.

Message texts are checked in English (the msgids) so that the tests do not depend on the Bokmål
catalogue; dates are checked in both languages, since their names come from Django's own catalogues.
"""

import re

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import override

from notifications import sending
from notifications.models import Delivery
from registrations.models import AnswerSet, Participant, Registration, Role
from tests.conftest import input_answer, municipality, oslo, participants, register
from tests.notifications import conftest as mail_fixtures
from tests.registrations.conftest import form_data, page_text

smtp_server = mail_fixtures.smtp_server

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"


# --- The list of workshops -----------------------------------------------------------------


def test_the_list_shows_the_facts_in_bokmaal(client, workshop):
    response = client.get("/")
    text = page_text(response)
    assert '<html lang="nb">' in response.content.decode()
    assert workshop.title in text
    assert "onsdag 10. mars 2021 kl. 09.00–11.30" in text
    assert "Påmeldingsfrist mandag 1. mars 2021 Påmeldingen er åpen til og med kl. 23.59 (norsk tid) den dagen." in text
    assert f'href="{REGISTER_URL}"' in response.content.decode()


def test_the_list_shows_the_facts_in_english(en_client, workshop):
    text = page_text(en_client.get("/"))
    assert "Date and time Wednesday 10 March 2021, 09:00–11:30" in text
    assert "Online, via Zoom." in text
    assert "Price Free of charge" in text
    deadline = "Registration deadline Monday 1 March 2021 Registration is open until 23:59 (Norwegian time) that day."
    assert deadline in text
    assert f"Who should come {workshop.target_group}" in text
    assert f"What is expected {workshop.expectations}" in text
    assert "Organisers KS og Norsk kulturskoleråd" in text


def test_the_closed_overflow_session_is_only_mentioned_as_a_possibility(en_client, workshop):
    text = page_text(en_client.get("/"))
    assert "If interest is very large, an extra session may be opened later the same day (12:30–15:00)." in text
    assert "Wednesday 10 March 2021, 12:30–15:00" not in text
    assert "Ettermiddag" not in text


def test_the_list_leaves_out_unpublished_workshops(client, workshop):
    workshop.is_published = False
    workshop.save()
    text = page_text(client.get("/"))
    assert workshop.title not in text
    assert "Ingen verksteder har åpen påmelding akkurat nå." in text


# --- The registration page -----------------------------------------------------------------


def test_the_register_page_groups_municipalities_by_county(client, workshop):
    content = client.get(REGISTER_URL).content.decode()
    select = re.search(r'<select name="municipality".*?</select>', content, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">', select)
    # The workshop is in 2021: the eleven counties of 2020–2023, Viken but no Akershus.
    assert len(groups) == 11
    assert groups[0] == "Oslo" and "Viken" in groups and "Akershus" not in groups
    oslo_group = re.search(r'<optgroup label="Oslo">(.*?)</optgroup>', select, re.S).group(1)
    assert re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', oslo_group) == [
        (str(municipality("0301").pk), "Oslo")
    ]
    assert len(re.findall(r'<option value="\d+"', select)) == 356


def test_the_register_page_starts_with_the_minimum_number_of_empty_rows(en_client, workshop):
    response = en_client.get(REGISTER_URL)
    content = response.content.decode()
    text = page_text(response)
    assert 'name="participants-TOTAL_FORMS" value="2"' in content
    assert "Participant 1" in text and "Participant 2" in text and "Participant 3" not in text
    assert 'name="add_participant"' in content
    # The row JavaScript clones, without any inline script.
    assert '<template id="participant-template">' in content
    assert 'name="participants-__prefix__-name"' in content
    assert "<script>" not in content and " onclick=" not in content


def test_it_asks_no_session_preference_while_only_one_session_is_open(client, workshop):
    assert 'name="preferred_session"' not in client.get(REGISTER_URL).content.decode()


def test_it_offers_the_sessions_once_the_overflow_is_open(en_client, workshop, overflow_session):
    overflow_session.is_open = True
    overflow_session.save()
    text = page_text(en_client.get(REGISTER_URL))
    assert "Preferred session" in text
    assert "Formiddag: Wednesday 10 March 2021, 09:00–11:30" in text
    assert "Ettermiddag: Wednesday 10 March 2021, 12:30–15:00" in text


def test_it_asks_the_workshops_input_question(client, workshop):
    response = client.get(REGISTER_URL)
    assert "Hva vil gjøre pilotprosjektet verdifullt for kommunen deres?" in page_text(response)
    assert 'name="municipality_input"' in response.content.decode()


def test_it_404s_for_an_unpublished_workshop(en_client, workshop):
    workshop.is_published = False
    workshop.save()
    response = en_client.get(REGISTER_URL)
    assert response.status_code == 404
    assert "Page not found" in page_text(response)


def test_the_page_links_to_the_privacy_notice_and_it_states_the_retention(en_client, workshop):
    assert 'href="/privacy/"' in en_client.get(REGISTER_URL).content.decode()
    text = page_text(en_client.get("/privacy/"))
    assert "Until 12 months after the workshop." in text
    assert "Kommuneliste" not in text and "Municipality list: Statistisk sentralbyrå" in text


# --- A valid registration and its receipt ----------------------------------------------------


def test_a_valid_delegation_is_saved_and_the_receipt_shows_it(client, workshop, main_session):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.VOLUNTARY_SECTOR)
    data = form_data(municipality("0301"), people, municipality_input="Samskaping med frivilligheten.")
    response = client.post(REGISTER_URL, data)

    registration = Registration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registration/{registration.access_id}/receipt/"
    assert (registration.municipality.name, registration.status, registration.session) == (
        "Oslo",
        Registration.Status.CONFIRMED,
        main_session,
    )
    assert (registration.contact_name, registration.contact_email, registration.language) == (
        "Kari Kontakt",
        "kari@kommune.example",
        "nb",
    )
    assert input_answer(registration) == "Samskaping med frivilligheten."
    assert registration.answer_set.status == AnswerSet.Status.DRAFT
    assert [(p.name, p.email, p.role) for p in Participant.objects.order_by("pk")] == [
        ("Person p1", "p1@kommune.example", Role.CULTURE_SCHOOL_LEADER),
        ("Person p2", "p2@kommune.example", Role.MUNICIPAL_LEADER),
        ("Person p3", "p3@kommune.example", Role.VOLUNTARY_SECTOR),
    ]

    text = page_text(client.get(response["Location"]))
    assert "Oslo" in text
    assert "onsdag 10. mars 2021 kl. 09.00–11.30" in text
    assert "Person p1" in text and "Person p3" in text
    # Material seven days before the session, the reminder one day before.
    assert "onsdag 3. mars 2021" in text
    assert "tirsdag 9. mars 2021" in text


def test_the_receipt_in_english_names_roles_session_and_next_steps(en_client, workshop):
    response = en_client.post(REGISTER_URL, form_data(municipality("4601")), follow=True)
    text = page_text(response)
    assert "Thank you! The registration is received" in text
    assert "Bergen has seats in the session Formiddag: Wednesday 10 March 2021, 09:00–11:30." in text
    assert "Person 46011 Culture-school leader" in text
    assert "Person 46012 Other municipal leader" in text
    assert "We send a confirmation by email to the contact person and to each participant." in text
    assert (
        "The preparatory material and the reflection questions are sent by email on Wednesday 3 March 2021, "
        "7 days before the workshop." in text
    )
    assert "On Tuesday 9 March 2021 we send a reminder with the meeting link." in text
    assert Registration.objects.get().language == "en"


def test_completely_empty_rows_are_ignored(client, workshop):
    client.post(REGISTER_URL, form_data(municipality("0301"), empty_rows=2))
    assert Participant.objects.count() == 2


def test_the_email_link_shows_the_delegation_and_unknown_tokens_are_404(en_client, workshop):
    registration = register(workshop, "0301")
    assert en_client.get(f"/r/{registration.access_id}/{registration.token}x/").status_code == 404
    assert en_client.get(f"/registration/{registration.access_id}/receipt/").status_code == 403
    text = page_text(en_client.get(f"/r/{registration.access_id}/{registration.token}/", follow=True))
    assert "Your registration" in text and "Oslo" in text and "Person 03011" in text


def test_a_delegation_on_the_waiting_list_is_told_its_place(en_client, workshop, main_session):
    main_session.capacity = 3
    main_session.save()
    register(workshop, "0301")
    response = en_client.post(REGISTER_URL, form_data(municipality("4601")), follow=True)
    registration = Registration.objects.get(municipality__number="4601")
    assert registration.status == Registration.Status.WAITLISTED
    text = page_text(response)
    assert "The sessions are full. Bergen is number 1 on the waiting list." in text
    assert "If a seat opens for the whole delegation, we will tell the contact person" in text


# --- Adding a row without JavaScript ---------------------------------------------------------


def test_add_participant_without_javascript_keeps_the_data_and_adds_a_row(en_client, workshop):
    data = form_data(municipality("0301"), add_participant="1", contact_email="not-an-email")
    data["participants-1-email"] = ""  # incomplete, but not checked yet
    response = en_client.post(REGISTER_URL, data)
    content = response.content.decode()
    assert 'name="participants-TOTAL_FORMS" value="3"' in content
    assert 'name="participants-2-name"' in content and "Participant 3" in page_text(response)
    assert 'value="Person 03011"' in content and 'value="not-an-email"' in content
    assert f'<option value="{municipality("0301").pk}" selected>' in content
    assert "There is a problem" not in page_text(response) and "is-invalid" not in content
    assert Registration.objects.count() == 0


def test_add_participant_stops_at_the_maximum_delegation_size(client, workshop):
    data = form_data(municipality("0301"), empty_rows=4, add_participant="1")  # 6 rows already
    content = client.post(REGISTER_URL, data).content.decode()
    assert 'name="participants-TOTAL_FORMS" value="6"' in content
    assert re.search(r'<button[^>]*name="add_participant"[^>]*\bhidden\b', content)


# --- Language ----------------------------------------------------------------------------------


def test_the_language_switch_shows_the_pages_in_english(client, workshop):
    content = client.get("/").content.decode()
    assert '<button type="submit" class="btn btn-link" name="language" value="en" lang="en">English</button>' in (
        content
    )
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert '<html lang="en">' in response.content.decode()
    text = page_text(response)
    assert "Workshops open for registration" in text
    deadline = "Registration deadline Monday 1 March 2021 Registration is open until 23:59 (Norwegian time) that day."
    assert deadline in text
    assert '<button type="submit" class="btn btn-link" name="language" value="nb" lang="nb">Bokmål</button>' in (
        response.content.decode()
    )


# --- Before and after the registration window ------------------------------------------------


def test_after_the_deadline_the_page_says_registration_is_closed(en_client, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 2, 0, 0, 0), tick=False)
    response = en_client.get(REGISTER_URL)
    text = page_text(response)
    assert "Registration is closed The registration deadline was Monday 1 March 2021, 23:59." in text
    assert 'name="contact_name"' not in response.content.decode()


def test_in_the_deadline_second_the_form_is_still_there(client, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 1, 23, 59, 59), tick=False)
    assert 'name="contact_name"' in client.get(REGISTER_URL).content.decode()


def test_before_registration_opens_the_page_says_when(en_client, workshop):
    workshop.registration_opens_at = oslo(2021, 2, 20, 12, 0)
    workshop.save()
    text = page_text(en_client.get(REGISTER_URL))
    assert "Registration is not open yet Registration opens Saturday 20 February 2021, 12:00." in text
    assert "Registration opens Saturday 20 February 2021, 12:00." in page_text(en_client.get("/"))


# --- Page furniture ------------------------------------------------------------------------------


def test_pages_load_only_our_own_static_files(client, workshop):
    content = client.get(REGISTER_URL).content.decode()
    assets = re.findall(r'<(?:link|script)\b[^>]*(?:href|src)="([^"]+)"', content)
    assert assets == [
        "/static/favicon.svg",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/static/css/site.css",
        "/static/js/error-summary.js",
        "/static/js/formset.js",
    ]
    assert '<a class="skip-link" href="#main">' in content and '<main id="main"' in content


def test_the_server_error_page_renders_without_a_request():
    with override("en"):
        content = render_to_string("500.html")
    assert '<html lang="en">' in content
    assert "Something went wrong" in content


def test_a_browser_set_to_english_still_gets_bokmaal_until_the_visitor_switches(client, workshop):
    text = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9"))
    assert "Verksteder med åpen påmelding" in text
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Workshops open for registration" in page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="nb"))


def test_once_the_confirmation_is_sent_the_receipt_says_so(en_client, workshop, smtp_server):
    receipt = en_client.post(REGISTER_URL, form_data(municipality("4601")))["Location"]
    sending.deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)))
    assert len(smtp_server.messages) == Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3

    text = page_text(en_client.get(receipt))
    assert "We have sent a confirmation by email to the contact person and to each participant." in text
    assert "We send a confirmation by email" not in text
