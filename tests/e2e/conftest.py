"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never downloads a browser: without /usr/bin/chromium the tests skip with the reason (CI installs it).
The pages are opened in English (Accept-Language) so that labels are the msgids, whatever the
Bokmål catalogue says.
"""

import datetime
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tests.conftest import create_workshop
from workshops.models import Workshop

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread with a
# running loop unless told it is safe (it is: the calls are ordinary blocking calls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_hands(settings):
    """A browser driven by Playwright fills the form in well under a second: not a bot. The minimum fill
    time itself is tested in tests/registrations/test_bots.py."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def english_cookie(live_server) -> dict:
    return {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}


@pytest.fixture
def page(browser, live_server):
    """A fresh page that chose English with the language switch (its cookie); fails the test if the page
    asks any host but ours for anything."""
    context = browser.new_context(locale="en-GB")
    context.add_cookies([english_cookie(live_server)])
    context.set_default_timeout(10_000)
    page = context.new_page()
    foreign: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_server.url) else foreign.append(request.url))
    yield page
    context.close()
    assert foreign == [], f"requests to other hosts: {foreign}"


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(locale="en-GB", java_script_enabled=False)
    context.add_cookies([english_cookie(live_server)])
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def open_workshop(transactional_db, municipality_data) -> Workshop:
    """The seed's shape with the real clock: open for three weeks, the session a month from now.

    Time travel is avoided here on purpose: the live server runs in another thread.
    """
    now = timezone.localtime()
    return create_workshop(day=(now + datetime.timedelta(days=30)).date(), deadline=now + datetime.timedelta(days=21))
