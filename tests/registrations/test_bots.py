"""Simple bots are turned away without a CAPTCHA: a field only bots fill in, and a minimum time to fill the form."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from registrations.fields import form_started_stamp
from registrations.models import Participant, Registration
from tests.conftest import municipality
from tests.registrations.conftest import error_summary, form_data

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"


def nothing_saved() -> bool:
    return Registration.objects.count() == 0 and Participant.objects.count() == 0


def stamp_on_page(response) -> str:
    return re.search(r'name="started" value="([^"]+)"', response.content.decode()).group(1)


def test_the_form_carries_a_trap_field_people_never_reach(en_client, workshop):
    content = en_client.get(REGISTER_URL).content.decode()
    trap = re.search(r'<div class="form-trap" aria-hidden="true">(.*?)</div>', content, re.S).group(1)
    assert '<label for="id_website">Leave this field empty</label>' in trap
    field = re.search(r"<input[^>]*>", trap).group(0)
    for attribute in ('name="website"', 'autocomplete="off"', 'tabindex="-1"', 'type="text"'):
        assert attribute in field
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text(encoding="utf-8")
    assert re.search(r"\.form-trap\s*\{[^}]*left:\s*-10000px", css)


def test_a_filled_in_trap_field_is_refused_and_shown_again_empty(client, workshop):
    response = client.post(REGISTER_URL, form_data(municipality("0301"), website="https://spam.example"))
    assert error_summary(response)[0] == ("Skjemaet kunne ikke sendes. Se over det og send det på nytt.", None)
    assert 'name="website" value' not in response.content.decode()
    assert nothing_saved()


def test_a_form_sent_faster_than_the_minimum_is_refused(client, workshop, time_machine):
    assert settings.REGISTRATION_MIN_FILL_SECONDS == 3
    shown = client.get(REGISTER_URL)
    time_machine.shift(2)
    data = form_data(municipality("0301"), started=stamp_on_page(shown))
    response = client.post(REGISTER_URL, data)
    assert error_summary(response)[0] == (
        "Skjemaet ble sendt raskere enn et menneske kan fylle det ut. Vent noen sekunder og send på nytt.",
        None,
    )
    assert nothing_saved()
    # The page keeps when the form was first shown: sent again a little later, it goes through.
    assert stamp_on_page(response) == data["started"]
    time_machine.shift(2)
    assert client.post(REGISTER_URL, data).status_code == 302
    assert Registration.objects.count() == 1


def test_a_form_sent_after_the_minimum_is_accepted(client, workshop, time_machine):
    shown = client.get(REGISTER_URL)
    time_machine.shift(4)
    response = client.post(REGISTER_URL, form_data(municipality("0301"), started=stamp_on_page(shown)))
    assert response.status_code == 302


@pytest.mark.parametrize("stamp", ["", "form:1lbBQ2:forged-signature", "nonsense"])
def test_a_missing_or_forged_stamp_is_refused_and_replaced_by_a_fresh_one(client, workshop, stamp):
    response = client.post(REGISTER_URL, form_data(municipality("0301"), started=stamp))
    assert error_summary(response)[0] == ("Skjemaet var utløpt. Se over det og send det på nytt.", None)
    assert stamp_on_page(response) not in ("", stamp)
    assert nothing_saved()


def test_a_stamp_signed_for_something_else_is_refused(client, workshop):
    from django.core import signing

    other = signing.TimestampSigner(salt="something.else").sign("form")
    response = client.post(REGISTER_URL, form_data(municipality("0301"), started=other))
    assert error_summary(response)[0][0] == "Skjemaet var utløpt. Se over det og send det på nytt."
    assert nothing_saved()


def test_add_participant_keeps_the_time_the_form_was_first_shown(client, workshop, time_machine):
    shown = client.get(REGISTER_URL)
    started = stamp_on_page(shown)
    time_machine.shift(60)
    response = client.post(REGISTER_URL, form_data(municipality("0301"), started=started, add_participant="1"))
    assert stamp_on_page(response) == started
    assert started != form_started_stamp()
