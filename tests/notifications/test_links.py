"""Every absolute link an email carries opens its page on the server that sent it (settings.SITE_URL).

The links are followed as a mail client would: taken from the received message, fetched over HTTP with
nothing else, from pytest-django's live server standing in for the site at SITE_URL.
"""

import http.cookiejar
import re
import urllib.request

import pytest
from django.core.files.base import ContentFile
from django.urls import set_script_prefix

from notifications import tasks
from notifications.links import registration_manage_url
from notifications.models import MaterialFile
from registrations.models import Registration
from tests.conftest import oslo, register
from tests.notifications.conftest import subject, text_body

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("before_deadline")]


def links(message) -> list[str]:
    return re.findall(r"https?://[^\s<>\"]+", text_body(message))


def fetch(url: str) -> bytes:
    """The page at url as a fresh browser gets it: cookies kept across the redirect, nothing else."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with browser.open(url, timeout=10) as response:
        return response.read()


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def test_the_contact_persons_link_opens_the_delegation(site, workshop, smtp_server, commit):
    with commit():
        register(workshop, "5401", language="en")  # Tromsø

    [message] = smtp_server.to("kari@kommune.example")
    [link] = [url for url in links(message) if url.startswith(site)]
    assert f"/r/{Registration.objects.get().access_id}/" in link
    page = fetch(link).decode()
    assert "Tromsø" in page
    assert "Person 54011" in page and "Person 54012" in page


def test_a_material_link_downloads_the_file(
    site, workshop, approved, smtp_server, commit, time_machine, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.EMAIL_MAX_ATTACHMENT_BYTES = 1000
    MaterialFile.objects.create(workshop=workshop, title="Report", file=ContentFile(b"x" * 2000, "report.pdf"))
    with commit():
        register(workshop, "0301", language="en")

    time_machine.move_to(oslo(2021, 3, 3, 9, 0), tick=False)
    with commit():
        tasks.release_due_mailings.delay()

    [message] = [m for m in smtp_server.to("03011@kommune.example") if subject(m).startswith("Preparatory material")]
    [link] = [url for url in links(message) if url.startswith(site)]
    assert fetch(link) == b"x" * 2000


def test_the_link_keeps_the_sub_path_of_the_site_in_a_worker_and_in_a_request(settings, workshop):
    settings.SITE_URL = "https://example.no/verksted"
    registration = register(workshop, "0301")
    expected = f"https://example.no/verksted/r/{registration.access_id}/{registration.token}/"
    assert registration_manage_url(registration) == expected

    # Inside a request served under /verksted, reverse() adds the prefix itself; the link stays the same.
    set_script_prefix("/verksted/")
    try:
        assert registration_manage_url(registration) == expected
    finally:
        set_script_prefix("/")
