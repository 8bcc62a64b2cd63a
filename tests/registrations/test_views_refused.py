"""Refused submissions of the public form: the exact message, where it is shown, and nothing saved."""

import re

import pytest

from registrations.models import Participant, Registration, Role
from tests.conftest import municipality, oslo, participants, register
from tests.registrations.conftest import element_text, error_summary, form_data, page_text

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"
CSL, LEADER, SERVICE, VOLUNTARY = (
    Role.CULTURE_SCHOOL_LEADER,
    Role.MUNICIPAL_LEADER,
    Role.MUNICIPAL_SERVICE,
    Role.VOLUNTARY_SECTOR,
)


def nothing_saved() -> bool:
    return Registration.objects.count() == 0 and Participant.objects.count() == 0


def test_it_refuses_a_delegation_with_one_representative(en_client, workshop):
    people = participants(CSL, VOLUNTARY)
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), people))
    expected = [
        "The delegation needs at least 2 people who represent the municipality (the culture-school leader, "
        "other municipal leaders or other municipal services); it has 1. Local actors and residents are "
        "welcome, but do not count toward the minimum.",
        "The delegation must include at least one other leader of the municipality besides the culture-school leader.",
    ]
    assert error_summary(response) == [(message, "participants") for message in expected]
    assert element_text(response, "participants_error") == " ".join(expected)
    assert nothing_saved()


def test_it_keeps_the_entered_rows_when_it_refuses(en_client, workshop):
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), participants(CSL, VOLUNTARY)))
    content = response.content.decode()
    assert 'value="Person p1"' in content and 'value="Person p2"' in content
    assert 'aria-describedby="participants_error"' in content


def test_it_refuses_a_delegation_without_the_culture_school_leader(en_client, workshop):
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), participants(LEADER, SERVICE)))
    assert error_summary(response) == [("The delegation must include the culture-school leader.", "participants")]
    assert nothing_saved()


def test_it_refuses_the_same_email_twice(en_client, workshop):
    people = participants(CSL, LEADER)
    data = form_data(municipality("0301"), people)
    data["participants-1-email"] = "P1@kommune.example"
    response = en_client.post(REGISTER_URL, data)
    assert error_summary(response) == [
        (
            "P1@kommune.example appears more than once in the delegation. Each participant needs their own "
            "email address.",
            "participants",
        )
    ]
    assert nothing_saved()


def test_it_refuses_a_second_delegation_from_the_same_municipality(en_client, workshop):
    first = register(workshop, "0301")
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), participants(prefix="other")))
    message = (
        "Oslo is already registered for this workshop. The contact person can change the registration "
        "through the link in the confirmation email."
    )
    assert error_summary(response) == [(f"Municipality: {message}", "id_municipality")]
    assert element_text(response, "id_municipality_error") == message
    assert 'aria-describedby="id_municipality_error"' in response.content.decode()
    assert list(Registration.objects.all()) == [first]
    assert sorted(Participant.objects.values_list("email", flat=True)) == [
        "03011@kommune.example",
        "03012@kommune.example",
    ]


def test_it_refuses_a_delegation_larger_than_the_maximum(en_client, workshop):
    # The form never builds more rows than a delegation may have (tests/registrations/test_form_limits.py);
    # the service's own rule and message are in test_delegation_rules.py.
    people = participants(CSL, LEADER, *[SERVICE] * 5)
    response = en_client.post(REGISTER_URL, form_data(municipality("0301"), people, max_rows=7))
    assert error_summary(response) == [("Too many rows: a delegation can have at most 6 participants.", "participants")]
    assert nothing_saved()


def test_it_refuses_a_submission_one_second_after_the_deadline(en_client, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 2, 0, 0, 0), tick=False)
    response = en_client.post(REGISTER_URL, form_data(municipality("0301")))
    text = page_text(response)
    assert "Registration is closed The registration deadline was Monday 1 March 2021, 23:59." in text
    assert "Your registration was not saved." in text
    assert nothing_saved()


def test_it_asks_for_the_missing_fields_next_to_them_and_in_the_summary(en_client, workshop):
    data = form_data(municipality("0301"), contact_name="", contact_email="kari@")
    data["participants-0-email"] = "not-an-email"
    data["participants-1-role"] = ""
    response = en_client.post(REGISTER_URL, data)
    assert error_summary(response) == [
        ("Contact person, Name: This field is required.", "id_contact_name"),
        ("Contact person, Email: Enter a valid email address.", "id_contact_email"),
        ("Participant 1, Email: Enter a valid email address.", "id_participants-0-email"),
        ("Participant 2, Role: This field is required.", "id_participants-1-role"),
    ]
    assert element_text(response, "id_contact_email_error") == "Enter a valid email address."
    assert element_text(response, "id_participants-0-email_error") == "Enter a valid email address."
    content = response.content.decode()
    assert 'aria-describedby="id_contact_email_helptext id_contact_email_error"' in content
    # Marked invalid for sight (Bootstrap's red border) and for assistive technology; the valid field is not.
    assert re.search(r'<input type="email" name="contact_email"[^>]*aria-invalid="true"[^>]*is-invalid', content)
    assert re.search(r'<input type="text" name="participants-0-name"[^>]*class="form-control"[^>]*>', content)
    assert 'name="participants-0-name" aria-invalid' not in content
    assert 'role="alert" tabindex="-1"' in content
    assert nothing_saved()


def test_it_refuses_a_municipality_that_does_not_exist_on_the_workshop_date(en_client, workshop):
    # Asker (3203) exists from 2024; the workshop is in 2021.
    asker = municipality("3203", day=oslo(2024, 6, 1).date())
    response = en_client.post(REGISTER_URL, form_data(asker))
    assert error_summary(response) == [
        (
            "Municipality: Asker was not a municipality on the date of the workshop (Wednesday 10 March 2021). "
            "Choose the municipality as it was on that date.",
            "id_municipality",
        )
    ]
    assert nothing_saved()


def test_a_tampered_form_is_refused_without_an_error_page(en_client, workshop):
    data = form_data(municipality("0301"))
    del data["participants-TOTAL_FORMS"]
    data["municipality"] = "not-a-number"
    response = en_client.post(REGISTER_URL, data)
    assert response.status_code == 200
    assert "There is a problem" in page_text(response)
    assert nothing_saved()


def test_a_missing_field_and_an_incomplete_delegation_are_reported_together(en_client, workshop):
    data = form_data(municipality("0301"), participants(CSL, VOLUNTARY), contact_email="")
    response = en_client.post(REGISTER_URL, data)
    assert error_summary(response) == [
        ("Contact person, Email: This field is required.", "id_contact_email"),
        (
            "The delegation needs at least 2 people who represent the municipality (the culture-school leader, "
            "other municipal leaders or other municipal services); it has 1. Local actors and residents are "
            "welcome, but do not count toward the minimum.",
            "participants",
        ),
        (
            "The delegation must include at least one other leader of the municipality besides the "
            "culture-school leader.",
            "participants",
        ),
    ]
    assert nothing_saved()


# --- Field errors and the delegation's problems in one round (the page in Bokmål) ---------------

TOO_FEW_NB = (
    "Delegasjonen må ha minst 2 personer som representerer kommunen (kulturskolelederen, andre ledere i kommunen "
    "eller andre kommunale tjenester). Nå har den 1. Lokale aktører og innbyggere er velkomne, men de teller ikke "
    "med i minstetallet."
)
NO_OTHER_LEADER_NB = "Delegasjonen må ha med minst én annen leder i kommunen i tillegg til kulturskolelederen."


def test_a_row_with_a_missing_title_and_a_missing_leader_are_reported_together(client, workshop):
    data = form_data(municipality("0301"), participants(CSL), empty_rows=1)
    data["participants-0-title"] = ""
    response = client.post(REGISTER_URL, data)
    assert error_summary(response) == [
        (TOO_FEW_NB, "participants"),
        (NO_OTHER_LEADER_NB, "participants"),
        ("Deltaker 1, Stilling eller organisasjon: Feltet er påkrevet.", "id_participants-0-title"),
    ]
    assert element_text(response, "participants_error") == f"{TOO_FEW_NB} {NO_OTHER_LEADER_NB}"
    assert nothing_saved()


def test_an_invalid_email_in_a_row_and_too_few_representatives_are_reported_together(client, workshop):
    data = form_data(municipality("0301"), participants(CSL, VOLUNTARY))
    data["participants-1-email"] = "per@"
    response = client.post(REGISTER_URL, data)
    assert error_summary(response) == [
        (TOO_FEW_NB, "participants"),
        (NO_OTHER_LEADER_NB, "participants"),
        ("Deltaker 2, E-post: Oppgi en gyldig e-postadresse", "id_participants-1-email"),
    ]
    assert nothing_saved()


def test_a_contact_person_error_says_it_is_the_contact_persons(client, workshop):
    response = client.post(REGISTER_URL, form_data(municipality("0301"), contact_name=""))
    assert error_summary(response) == [("Kontaktperson, Navn: Feltet er påkrevet.", "id_contact_name")]
    assert nothing_saved()


def test_the_same_invalid_email_twice_is_a_duplicate_but_two_missing_emails_are_not(en_client, workshop):
    data = form_data(municipality("0301"), participants(CSL, LEADER))
    data["participants-0-email"] = data["participants-1-email"] = "kari@"
    duplicate = "kari@ appears more than once in the delegation. Each participant needs their own email address."
    assert error_summary(en_client.post(REGISTER_URL, data)) == [
        (duplicate, "participants"),
        ("Participant 1, Email: Enter a valid email address.", "id_participants-0-email"),
        ("Participant 2, Email: Enter a valid email address.", "id_participants-1-email"),
    ]

    data["participants-0-email"] = data["participants-1-email"] = ""
    assert error_summary(en_client.post(REGISTER_URL, data)) == [
        ("Participant 1, Email: This field is required.", "id_participants-0-email"),
        ("Participant 2, Email: This field is required.", "id_participants-1-email"),
    ]
    assert nothing_saved()


def test_a_row_without_a_role_leaves_the_delegation_unjudged(en_client, workshop):
    # Which role the second person has decides every rule: say only what the rows lack.
    data = form_data(municipality("0301"), participants(CSL, LEADER))
    data["participants-1-role"] = ""
    assert error_summary(en_client.post(REGISTER_URL, data)) == [
        ("Participant 2, Role: This field is required.", "id_participants-1-role")
    ]
    assert nothing_saved()
