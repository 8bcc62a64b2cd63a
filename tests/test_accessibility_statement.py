"""The accessibility statement (tilgjengelighetserklæring): linked from every page, saying what the
regulation asks: the standard, known limitations, how it was tested, feedback and the supervisory authority."""

import pytest
from django.test import Client

from tests.registrations.conftest import page_text


def test_the_statement_says_what_the_regulation_asks(client, settings, db):
    settings.EMAIL_REPLY_TO = ["tilbakemelding@kulturskoleradet.example"]
    response = client.get("/accessibility/")
    text = page_text(response)
    assert response.status_code == 200
    assert '<html lang="nb">' in response.content.decode()
    assert "Tilgjengelighetserklæring" in text
    assert "Web Content Accessibility Guidelines (WCAG) 2.1 på nivå A og AA" in text
    assert "forskrift om universell utforming av informasjons- og kommunikasjonsteknologiske (IKT)-løsninger" in text
    assert "Kjente begrensninger" in text
    assert "axe-core kontrollerer hver offentlige side" in text
    assert "Nu Html Checker" in text and "bare med tastaturet" in text and "Lighthouse" in text
    assert "kan du skrive til tilbakemelding@kulturskoleradet.example." in text
    assert 'href="https://www.uutilsynet.no/"' in response.content.decode()


def test_the_statement_is_in_english_too(db):
    client = Client()
    client.cookies["django_language"] = "en"
    text = page_text(client.get("/accessibility/"))
    assert "Accessibility statement" in text
    assert "as the Norwegian regulation on universal design of ICT solutions" in text


@pytest.mark.parametrize("url", ["/", "/workshops/kulturskole-3-0/", "/privacy/", "/accessibility/", "/nope/"])
def test_every_page_links_to_the_statement_in_its_footer(client, workshop, url):
    content = client.get(url).content.decode()
    footer = content[content.index("<footer") :]
    assert '<a href="/accessibility/">Tilgjengelighetserklæring</a>' in footer
