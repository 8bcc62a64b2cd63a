"""Every public page in Nynorsk for a visitor who chose it with the language switch: `<html lang="nn">`,
the page's own words in Nynorsk, and the language switch offering all three languages."""

import re
import uuid

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.utils.translation import override

from registrations.models import Registration
from tests.conftest import municipality, oslo, register
from tests.registrations.conftest import form_data, page_text

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"


@pytest.fixture
def nn_client() -> Client:
    """A browser that chose Nynorsk with the language switch (the cookie set_language sets)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    return client


def in_nynorsk(response) -> str:
    """The page's text, after checking that the page says it is Nynorsk and skips to its content in Nynorsk."""
    content = response.content.decode()
    assert '<html lang="nn">' in content
    assert '<a class="skip-link" href="#main">Gå til hovudinnhaldet</a>' in content
    return page_text(response)


def test_the_switch_sets_nynorsk_and_every_page_after_speaks_it(client, workshop):
    response = client.post("/i18n/setlang/", {"language": "nn", "next": "/"}, follow=True)
    assert response.redirect_chain == [("/", 302)]
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nn"
    assert "Verkstader med open påmelding" in in_nynorsk(response)
    assert "Kven som er ansvarleg" in in_nynorsk(client.get("/privacy/"))


def test_a_browser_asking_for_nynorsk_still_gets_bokmaal_until_the_visitor_switches(client, workshop):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="nn-NO,nn;q=0.9")
    assert '<html lang="nb">' in response.content.decode()
    assert "Verksteder med åpen påmelding" in page_text(response)


@pytest.mark.parametrize("chosen", ["nb", "nn", "en"])
def test_the_switch_offers_all_three_languages_each_named_in_itself(client, workshop, chosen):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = chosen
    switch = re.search(r'<form class="language-switch".*?</form>', client.get("/").content.decode(), re.S)[0]
    offered = re.findall(r'<(button|span)[^>]*(?:value="(\w+)" )?lang="(\w+)"[^>]*>([^<]+)<', switch)
    assert [(code, name) for _tag, _value, code, name in offered] == [
        ("nb", "Bokmål"),
        ("nn", "Nynorsk"),
        ("en", "English"),
    ]
    assert [code for code, _name in settings.LANGUAGES] == ["nb", "nn", "en"]
    # The page's own language is marked, not a button; the other two are buttons that switch.
    assert f'<span class="btn btn-link" lang="{chosen}" aria-current="true">' in switch
    assert sorted(re.findall(r'name="language" value="(\w+)"', switch)) == sorted({"nb", "nn", "en"} - {chosen})


def test_the_list_in_nynorsk_with_dates_in_nynorsk(nn_client, workshop):
    text = in_nynorsk(nn_client.get("/"))
    assert "Verkstader med open påmelding" in text
    assert "Dato og tid onsdag 10. mars 2021 kl. 09.00–11.30" in text
    assert "Påmeldingsfrist måndag 1. mars 2021 Påmeldinga er open til og med kl. 23.59 (norsk tid) den dagen." in text


def test_the_form_in_nynorsk(nn_client, workshop):
    text = in_nynorsk(nn_client.get(REGISTER_URL))
    assert "Meld på delegasjonen frå kommunen." in text
    assert "Legg til deltakar" in text
    assert "Telefon (valfritt)" in text


def test_registering_in_nynorsk_keeps_the_language_for_the_emails(nn_client, workshop):
    response = nn_client.post(REGISTER_URL, form_data(municipality("0301")), follow=True)
    assert "Takk! Påmeldinga er motteken" in in_nynorsk(response)
    assert Registration.objects.get().language == "nn"


def test_the_form_errors_in_nynorsk(nn_client, workshop):
    text = in_nynorsk(nn_client.post(REGISTER_URL, form_data(municipality("0301"), contact_name="")))
    assert "Noko må rettast" in text
    assert Registration.objects.count() == 0


def test_the_delegation_page_from_the_link_in_nynorsk(nn_client, workshop):
    registration = register(workshop, "5401")
    response = nn_client.get(f"/r/{registration.access_id}/{registration.token}/", follow=True)
    text = in_nynorsk(response)
    assert "Påmeldinga di" in text
    assert "Delegasjonen" in text


def test_the_page_without_the_link_in_nynorsk(nn_client, workshop):
    registration = register(workshop, "5401")
    response = nn_client.get(f"/registration/{registration.access_id}/")
    assert response.status_code == 403
    assert "Opne lenkja frå e-posten" in in_nynorsk(response)


def test_the_closed_form_in_nynorsk(nn_client, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 2, 0, 0, 0), tick=False)
    text = in_nynorsk(nn_client.get(REGISTER_URL))
    assert "Påmeldinga er stengd Påmeldingsfristen var måndag 1. mars 2021 kl. 23.59." in text


def test_the_form_before_it_opens_in_nynorsk(nn_client, workshop):
    workshop.registration_opens_at = oslo(2021, 2, 20, 12, 0)
    workshop.save()
    assert "Påmeldinga har ikkje opna enno" in in_nynorsk(nn_client.get(REGISTER_URL))


def test_the_privacy_notice_in_nynorsk(nn_client, workshop):
    text = in_nynorsk(nn_client.get("/privacy/"))
    assert "Personvernerklæring" in text
    assert "Kor lenge vi lagrar opplysningane" in text


def test_the_missing_page_in_nynorsk(nn_client, workshop):
    response = nn_client.get("/workshops/no-such-workshop/")
    assert response.status_code == 404
    assert "Fann ikkje sida" in in_nynorsk(response)


def test_the_too_large_request_page_in_nynorsk(nn_client, workshop):
    data = form_data(municipality("0301"))
    data.update({f"extra-{number}": "x" for number in range(400)})
    response = nn_client.post(REGISTER_URL, data)
    assert response.status_code == 400
    assert "Førespurnaden kunne ikkje handsamast" in in_nynorsk(response)


def test_the_rate_limit_page_in_nynorsk(nn_client, workshop, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_REGISTRATION = "1/m"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    data = form_data(municipality("0301"), add_participant="1")
    nn_client.post(REGISTER_URL, data, REMOTE_ADDR="10.0.0.9")
    refused = nn_client.post(REGISTER_URL, data, REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429
    text = in_nynorsk(refused)
    assert "For mange forsøk" in text
    assert f"Prøv igjen om {refused['Retry-After']} sekund." in text


def test_the_server_error_page_in_nynorsk():
    with override("nn"):
        content = render_to_string("500.html")
    assert '<html lang="nn">' in content
    assert "Noko gjekk gale" in content
