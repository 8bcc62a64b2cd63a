"""The back office in a real browser: a wide registration page fits 1280 px without scrolling sideways."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from playwright.sync_api import expect

from registrations import services
from registrations.models import Municipality, Role
from registrations.services import ContactData, ParticipantData
from workshops import audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROLES = [Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER] + [Role.MUNICIPAL_SERVICE] * 4


def long_delegation() -> list[ParticipantData]:
    return [
        ParticipantData(
            name=f"Anne-Marte Kristiansen-Haugerud Sørbø-Nilssen {i}",
            email=f"anne-marte.kristiansen-haugerud.sorbo-nilssen.{i}@lange-kommunenavn-kommune.example",
            phone="+47 999 99 999",
            role=role,
            title="Rådgiver for kultur, oppvekst og frivillighet i kommunalsektoren",
        )
        for i, role in enumerate(ROLES, start=1)
    ]


def logged_in_cookie(live_server) -> dict:
    user = get_user_model().objects.create_superuser("staff", "staff@ks.example", "pw")
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }


def test_a_registration_with_six_long_names_fits_1280_pixels(browser, live_server, open_workshop):
    registration = services.registration_create(
        workshop=open_workshop,
        municipality=Municipality.objects.filter(valid_to__isnull=True).get(number="5001"),
        contact=ContactData(name="Kari Kontakt", email="kari@trondheim.example"),
        participants=long_delegation(),
        actor=audit.PUBLIC,
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    context.add_cookies([logged_in_cookie(live_server)])
    page = context.new_page()

    page.goto(f"{live_server.url}/admin/registrations/registration/{registration.pk}/change/")

    assert page.locator("#participants-group").get_by_role("textbox").count() >= 6 * 4
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 1280


def test_staff_go_from_the_admin_home_to_the_overview_and_read_the_charts(browser, live_server, open_workshop):
    for number, size in (("0301", 3), ("1103", 2)):
        services.registration_create(
            workshop=open_workshop,
            municipality=Municipality.objects.filter(valid_to__isnull=True).get(number=number),
            contact=ContactData(name="Kari Kontakt", email="kari@kommune.example"),
            participants=long_delegation()[:size],
            actor=audit.PUBLIC,
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    context.add_cookies([logged_in_cookie(live_server)])
    page = context.new_page()
    foreign: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))

    page.goto(f"{live_server.url}/admin/")
    page.locator("#upcoming-workshops").get_by_role("link", name=open_workshop.title).click()

    expect(page.get_by_role("heading", name="Dekning per fylke", exact=False)).to_be_visible()
    assert page.locator("#overview-counties svg rect.chart-bar").count() > 10
    expect(page.get_by_role("img", name="Kommuner påmeldt av alle i fylket")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert foreign == []
    assert width <= 1280


def test_the_everyday_lists_show_every_column_at_1280_pixels(browser, live_server, open_workshop):
    """No sideways scrolling in the lists staff use most: long names, addresses, the workshop's title and the
    dates wrap, so the status columns stay in sight (the navigation sidebar is off to leave them the room)."""
    # Deatnu - Tana (Finnmark - Finnmárku - Finmarkku): the longest county name, and long participant names.
    for number in ("5628", "5001"):
        services.registration_create(
            workshop=open_workshop,
            municipality=Municipality.objects.filter(valid_to__isnull=True).get(number=number),
            contact=ContactData(name="Kari Kontakt", email="kari.kontakt@lange-kommunenavn-kommune.example"),
            participants=long_delegation()[:3],
            actor=audit.PUBLIC,
        )
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    context.add_cookies([logged_in_cookie(live_server)])
    page = context.new_page()
    widths = {}
    for path in (
        "/admin/registrations/registration/",
        f"/admin/registrations/participant/?registration__workshop__id__exact={open_workshop.pk}",
        "/admin/notifications/delivery/",
        "/admin/notifications/mailing/?mailings=all",
    ):
        page.goto(live_server.url + path)
        expect(page.locator("#result_list tbody tr").first).to_be_visible()
        widths[path] = page.evaluate(
            "[document.querySelector('#result_list').scrollWidth, document.querySelector('.results').clientWidth]"
        )
    has_sidebar = page.locator("#nav-sidebar").count()
    context.close()

    assert has_sidebar == 0
    assert {path: table <= room for path, (table, room) in widths.items()} == dict.fromkeys(widths, True), widths
