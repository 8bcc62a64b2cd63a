"""The emails as a phone shows them: the HTML part of a confirmation, rendered in Chromium at 360 px."""

import re

import pytest

from tests.conftest import register
from tests.notifications import conftest as mail_fixtures
from tests.notifications.conftest import html_body

pytestmark = [pytest.mark.browser, pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit


def test_a_confirmation_fits_a_phone_screen_personal_link_included(browser, workshop, smtp_server, commit):
    workshop.expectations = "Kommunen stiller med minst to representanter."
    workshop.save()
    with commit():
        register(workshop, "0301", language="nn")
    html = html_body(smtp_server.to("kari@kommune.example")[0])
    link = re.search(r'<a href="(http[^"]+/r/[^"]+)"', html)[1]

    page = browser.new_page(viewport={"width": 360, "height": 800})
    page.set_content(html)
    width = page.evaluate("document.documentElement.scrollWidth")
    link_box = page.get_by_role("link", name=link).bounding_box()
    page.close()

    assert len(link) > 60  # longer than a phone's line: it has to wrap
    assert width <= 360
    assert link_box["x"] + link_box["width"] <= 360
    # The organisers' Bokmål text in a Nynorsk email is marked as Bokmål.
    assert '<span lang="nb">Kommunen stiller med minst to representanter.</span>' in html
