"""Emails in the recipient's language: a delegation registered in Nynorsk gets its emails in Nynorsk."""

import re

import pytest
from django.conf import settings
from django.test import Client

from notifications import services as notify
from notifications.models import Delivery
from registrations.models import Registration
from tests.conftest import STAFF, municipality, register
from tests.notifications.conftest import html_body, subject, text_body
from tests.registrations.conftest import form_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


def test_registering_on_the_nynorsk_form_sends_the_confirmation_in_nynorsk(workshop, smtp_server, commit):
    browser = Client()
    browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    with commit():
        browser.post("/workshops/kulturskole-3-0/", form_data(municipality("0301")))

    registration = Registration.objects.get()
    assert registration.language == "nn"
    assert set(Delivery.objects.filter(registration=registration).values_list("language", flat=True)) == {"nn"}
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]
    assert set(smtp_server.subjects()) == {f"Stadfesting av påmelding: {TITLE}"}
    body = text_body(smtp_server.to("03011@kommune.example")[0])
    assert body.startswith("Hei, Person 03011!")
    assert f"Oslo er påmeld til verkstaden «{TITLE}»." in body
    assert "Tid: onsdag 10. mars 2021 kl. 09.00–11.30 (norsk tid)" in body
    assert "- Person 03011 (kulturskuleleiar)" in body
    assert "- Person 03012 (annan leiar i kommunen)" in body
    assert "Det førebuande materiellet og refleksjonsspørsmåla kjem på e-post til kvar deltakar onsdag 3. mars" in body
    assert "Vil du endre påmeldinga, kan du ta kontakt med Kari Kontakt" in body
    assert "Med venleg helsing" in body
    html = html_body(smtp_server.to("kari@kommune.example")[0])
    assert '<html lang="nn">' in html
    assert "Bruk denne personlege lenkja" in html


def test_each_delegation_gets_its_own_language(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="nn")
        register(workshop, "5401", language="nb")

    assert subject(smtp_server.to("03011@kommune.example")[0]) == f"Stadfesting av påmelding: {TITLE}"
    assert subject(smtp_server.to("54011@kommune.example")[0]) == f"Bekreftet påmelding: {TITLE}"


def test_staff_can_choose_nynorsk_for_a_registration_in_the_admin(admin_client, workshop):
    page = admin_client.get("/admin/registrations/registration/add/").content.decode()
    select = re.search(r'<select name="language".*?</select>', page, re.S)[0]
    assert re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', select) == [
        ("nb", "Norsk bokmål"),
        ("nn", "Norsk nynorsk"),
        ("en", "Engelsk"),
    ]


def test_what_the_organisers_wrote_is_marked_as_bokmal_in_emails_in_other_languages(workshop, smtp_server, commit):
    """The organisers write in the site's language (Bokmål): in a Nynorsk or English email a screen reader
    reads their message and questions with a Bokmål voice (lang="nb"); in a Bokmål email nothing is marked."""
    with commit():
        register(workshop, "0301", language="nn")
        register(workshop, "4601", language="en")
        register(workshop, "5401", language="nb")
        mailing = notify.mailing_create_custom(
            workshop=workshop, subject="Nytt om verkstedet", body="Husk å lese materiellet.", actor=STAFF
        )
        notify.mailing_send_now(mailing=mailing, actor=STAFF)

    def staff_text(address: str) -> str:
        [message] = [m for m in smtp_server.to(address) if subject(m) == "Nytt om verkstedet"]
        return re.search(r"<div style=\"border-left[^>]*>", html_body(message))[0]

    assert 'lang="nb"' in staff_text("03011@kommune.example")
    assert 'lang="nb"' in staff_text("46011@kommune.example")
    assert "lang=" not in staff_text("54011@kommune.example")
