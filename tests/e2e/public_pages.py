"""Every public page, and how a browser reaches it: the one list the accessibility tests walk.

A page added to the site is one line in PUBLIC_PAGES (self-service change and cancel, the lost-link page,
the answers to the reflection questions, ...): the axe, HTML, reflow and third-party tests then cover it.
Each way in drives the page as a visitor would (links, the form's own buttons) and returns the response
of the navigation that showed the page, so the HTML checked is what the server sent.
"""

import dataclasses
import datetime
import uuid
from collections.abc import Callable

from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import Page, Response

from registrations import services
from registrations.models import Municipality, Registration, Role
from registrations.services import ParticipantData
from tests.conftest import CONTACT, create_workshop
from workshops import audit
from workshops.models import Workshop

# A name as long as the form takes, in one piece, and a long address: the receipt must still reflow.
LONG_NAME = "Ragnhild-Marie Kristoffersen-Aaslandsmoen Fjellheim-Haugland Østby"
LONG_EMAIL = "ragnhild-marie.kristoffersen-aaslandsmoen@kulturskolen.fjellheim-kommune.example"


@dataclasses.dataclass
class Site:
    url: str
    workshop: Workshop
    closed_workshop: Workshop
    registration: Registration

    def form_url(self) -> str:
        return f"{self.url}/workshops/{self.workshop.slug}/"


def site_with_everything(url: str) -> Site:
    """An open workshop, one whose deadline has passed, and a delegation with a very long name."""
    now = timezone.localtime()
    workshop = create_workshop(
        day=(now + datetime.timedelta(days=30)).date(), deadline=now + datetime.timedelta(days=21)
    )
    closed = create_workshop(
        day=(now + datetime.timedelta(days=5)).date(), deadline=now - datetime.timedelta(days=1), slug="stengt"
    )
    people = [
        ParticipantData(name=LONG_NAME, email=LONG_EMAIL, role=Role.CULTURE_SCHOOL_LEADER, title="Kulturskolerektor"),
        ParticipantData(name="Ola Sjef", email="ola@oslo.example", role=Role.MUNICIPAL_LEADER, title="Kommunalsjef"),
    ]
    registration = services.registration_create(
        workshop=workshop,
        municipality=Municipality.objects.valid_on(workshop.event_date).get(number="0301"),
        contact=CONTACT,
        participants=people,
        actor=audit.PUBLIC,
    )
    return Site(url=url, workshop=workshop, closed_workshop=closed, registration=registration)


def _open_the_link(page: Page, site: Site) -> Response:
    registration = site.registration
    return page.goto(f"{site.url}/r/{registration.access_id}/{registration.token}/")


def _receipt(page: Page, site: Site) -> Response:
    _open_the_link(page, site)
    return page.goto(f"{site.url}/registration/{site.registration.access_id}/receipt/")


def _submit(page: Page, before: Callable[[Page], None] = lambda page: None) -> Response:
    """Send the registration form with its own Register button, after `before` has done its part."""
    before(page)
    with page.expect_navigation() as navigation:
        page.locator("form.registration-form button[type=submit].btn-lg").click()
    return navigation.value


def _form_with_errors(page: Page, site: Site) -> Response:
    page.goto(site.form_url())
    return _submit(page)


def _too_large(page: Page, site: Site) -> Response:
    page.goto(site.form_url())
    # Far over DATA_UPLOAD_MAX_MEMORY_SIZE: the field's maxlength only binds typing, not a script.
    return _submit(page, lambda page: page.locator("textarea").evaluate("(area) => area.value = 'x'.repeat(400000)"))


def _too_many_fields(page: Page, site: Site) -> Response:
    page.goto(site.form_url())
    add_fields = """(form) => { for (let i = 0; i < 500; i++) {
        const field = document.createElement("input"); field.type = "hidden"; field.name = `extra-${i}`;
        form.appendChild(field); } }"""
    return _submit(page, lambda page: page.locator("form.registration-form").evaluate(add_fields))


def _forged(page: Page, site: Site) -> Response:
    page.goto(site.form_url())
    # The CSRF cookie gone (cleared, expired, blocked): the token in the form matches nothing.
    return _submit(page, lambda page: page.context.clear_cookies())


def _too_many_attempts(page: Page, site: Site) -> Response:
    page.goto(site.form_url())
    # Zero a minute: every POST is over the limit; counters of its own in a shared cache.
    limits = override_settings(
        RATELIMIT_ENABLE=True, RATELIMIT_REGISTRATION="0/m", RATELIMIT_CACHE_PREFIX=f"rl-a11y-{uuid.uuid4().hex}:"
    )
    with limits:
        return _submit(page)


def _behind_the_link(path: str) -> Callable[[Page, Site], Response]:
    """A page behind the delegation's link (self-service): open the link first, as the contact person does."""

    def reach(page: Page, site: Site) -> Response:
        _open_the_link(page, site)
        return page.goto(f"{site.url}/registration/{site.registration.access_id}/{path}")

    return reach


def _dispute(page: Page, site: Site) -> Response:
    return page.goto(f"{site.url}/dispute/{site.workshop.slug}/{site.registration.municipality_id}/")


# (name, expected status, how to reach it). One line per public page: add new pages here.
PUBLIC_PAGES: list[tuple[str, int, Callable[[Page, Site], Response]]] = [
    ("workshop list", 200, lambda page, site: page.goto(f"{site.url}/")),
    ("registration form", 200, lambda page, site: page.goto(site.form_url())),
    ("form with errors", 200, _form_with_errors),
    ("receipt", 200, _receipt),
    ("delegation page", 200, _open_the_link),
    ("open the link (403)", 403, lambda page, site: page.goto(f"{site.url}/registration/{uuid.uuid4().hex}/")),
    ("change the registration", 200, _behind_the_link("change/")),
    ("cancel the registration", 200, _behind_the_link("cancel/")),
    ("answers to the reflection questions", 200, _behind_the_link("answers/")),
    ("lost link", 200, lambda page, site: page.goto(f"{site.url}/lost-link/{site.workshop.slug}/")),
    ("we did not register", 200, _dispute),
    ("privacy notice", 200, lambda page, site: page.goto(f"{site.url}/privacy/")),
    ("accessibility statement", 200, lambda page, site: page.goto(f"{site.url}/accessibility/")),
    ("registration closed", 200, lambda page, site: page.goto(f"{site.url}/workshops/{site.closed_workshop.slug}/")),
    ("not found (404)", 404, lambda page, site: page.goto(f"{site.url}/no-such-page/")),
    ("too many fields (400)", 400, _too_many_fields),
    ("too large (413)", 413, _too_large),
    ("form expired (CSRF, 403)", 403, _forged),
    ("too many attempts (429)", 429, _too_many_attempts),
]
PAGE_NAMES = [name for name, _status, _reach in PUBLIC_PAGES]


def reach(page: Page, site: Site, name: str) -> Response:
    """Open the named page; fails if it answered with another status than the page should have."""
    status, way_in = next((status, way_in) for each, status, way_in in PUBLIC_PAGES if each == name)
    response = way_in(page, site)
    assert response.status == status, f"{name}: {response.status} {response.url}"
    return response
