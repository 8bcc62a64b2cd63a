"""One-line text fields: no line breaks, control characters or bidirectional overrides; letters and emoji kept."""

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from registrations.fields import SingleLineCharField, single_line
from registrations.models import Participant, Registration, Role
from tests.conftest import municipality, participants
from tests.registrations.conftest import form_data, page_text
from workshops.models import Workshop

REGISTER_URL = "/workshops/kulturskole-3-0/"
SAMI_NAME = "Áŋŋá Čáhppes-Đuolbmaš Ŧoalli Žáhk"
EMOJI_NAME = "Kari 🎻 Nordmann 👩‍👩‍👧"  # the family is one emoji made with zero-width joiners


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("Kari\nNordmann", "Kari Nordmann"),
        ("Kari\r\nBcc: alle@example.no", "Kari Bcc: alle@example.no"),
        ("Kari\u2028Nordmann\u2029", "Kari Nordmann"),
        ("Kari\tNordmann", "Kari Nordmann"),
        ("Kari\x00\x07\x1b[31mNordmann", "Kari[31mNordmann"),
        ("\u202eKari Nordmann\u202c", "Kari Nordmann"),
        ("Kari \u2066\u2067\u2068Nordmann\u2069 \u202a\u202b\u202d", "Kari Nordmann"),
        ("  Kari   Nordmann  ", "Kari Nordmann"),
        (SAMI_NAME, SAMI_NAME),
        (EMOJI_NAME, EMOJI_NAME),
        ("A\u0301ŋŋa\u0301", "Áŋŋá"),  # a + combining acute is stored as the one letter á
    ],
)
def test_it_keeps_one_clean_line(typed, kept):
    assert single_line(typed) == kept


def test_the_field_cleans_before_it_counts_and_requires():
    field = SingleLineCharField(max_length=5)
    assert field.clean("\u202eKari\u202c") == "Kari"
    with pytest.raises(ValidationError) as refused:
        field.clean("\n\u202e\u2069")
    assert refused.value.code == "required"


@pytest.mark.usefixtures("before_deadline")
def test_sami_letters_and_emoji_round_trip_into_the_database_and_onto_the_receipt(client, workshop):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER)
    data = form_data(
        municipality("0301"),
        people,
        contact_name=SAMI_NAME,
        **{"participants-0-name": SAMI_NAME, "participants-1-name": EMOJI_NAME},
    )
    response = client.post(REGISTER_URL, data, follow=True)
    registration = Registration.objects.get()
    assert registration.contact_name == SAMI_NAME
    assert list(registration.participants.values_list("name", flat=True)) == [SAMI_NAME, EMOJI_NAME]
    text = page_text(response)
    assert SAMI_NAME in text and EMOJI_NAME in text


@pytest.mark.usefixtures("before_deadline")
def test_a_name_cannot_reverse_the_receipt_or_break_a_line(client, workshop):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER)
    data = form_data(
        municipality("0301"),
        people,
        contact_name="Kari\r\nBcc: alle@example.no",
        **{"participants-0-name": "\u202eredaeL iraK", "participants-0-title": "Leder\u2066\nOslo"},
    )
    client.post(REGISTER_URL, data)
    registration = Registration.objects.get()
    assert registration.contact_name == "Kari Bcc: alle@example.no"
    first = Participant.objects.order_by("pk").first()
    assert (first.name, first.title) == ("redaeL iraK", "Leder Oslo")


@pytest.mark.parametrize(
    ("model", "inline", "fields"),
    [
        (Registration, None, ["contact_name", "contact_phone"]),
        (Registration, Participant, ["name", "phone", "title"]),
        (Workshop, None, ["title", "organisers", "venue"]),
    ],
)
def test_the_admin_forms_clean_one_line_fields_the_same_way(admin_user, model, inline, fields):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    model_admin = site._registry[model]
    if inline is None:
        form_class = model_admin.get_form(request)
    else:
        [inline_admin] = [i for i in model_admin.get_inline_instances(request) if i.model is inline]
        form_class = inline_admin.get_formset(request).form
    for name in fields:
        assert form_class.base_fields[name].clean("\u202eKari\nNordmann\u202c") == "Kari Nordmann", name


def test_the_admin_keeps_email_and_slug_validation(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    form_class = site._registry[Workshop].get_form(request)
    with pytest.raises(ValidationError) as refused:
        form_class.base_fields["slug"].clean("ikke en slug!")
    assert [error.code for error in refused.value.error_list] == ["invalid"]
