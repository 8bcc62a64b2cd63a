"""Helpers for the public pages' tests: form data as a browser posts it, and page text as people read it."""

import dataclasses
import html
import re
import time
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from registrations.fields import form_started_stamp
from registrations.services import ParticipantData
from tests.conftest import participants


@pytest.fixture
def en_client() -> Client:
    """A browser that chose English with the language switch (the cookie set_language sets)."""
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def started_long_ago() -> str:
    """The form's signed "shown at" stamp, from an hour ago: long enough for a person to fill it in."""
    with time_machine.travel(time.time() - 3600, tick=False):
        return form_started_stamp()


def form_data(
    municipality,
    people: list[ParticipantData] | None = None,
    *,
    empty_rows: int = 0,
    max_rows: int = 6,
    **fields,
) -> dict[str, str]:
    """The POST body of the registration form: contact person, management form and one row per person."""
    people = participants(prefix=municipality.number) if people is None else people
    data = {
        "municipality": str(municipality.pk),
        "contact_name": "Kari Kontakt",
        "contact_email": "kari@kommune.example",
        "contact_phone": "+47 99 99 99 99",
        "participants-TOTAL_FORMS": str(len(people) + empty_rows),
        "participants-INITIAL_FORMS": "0",
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": str(max_rows),
        "started": started_long_ago(),
    }
    for index, person in enumerate(people):
        row = dataclasses.asdict(person)
        row.pop("id")
        data.update({f"participants-{index}-{key}": value for key, value in row.items()})
    for index in range(len(people), len(people) + empty_rows):
        data.update({f"participants-{index}-{key}": "" for key in ("name", "email", "phone", "role", "title")})
    data.update({key: str(value) for key, value in fields.items()})
    return data


class _TextParser(HTMLParser):
    """The visible text of a page: no tags, no <head>, <script> or <template> content."""

    hidden = {"head", "script", "style", "template"}
    inline = {"a", "abbr", "b", "code", "em", "i", "small", "span", "strong"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.hidden:
            self.depth += 1
        elif tag not in self.inline:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self.hidden:
            self.depth -= 1
        elif tag not in self.inline:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def page_text(response) -> str:
    """The page as a reader sees it, whitespace collapsed."""
    parser = _TextParser()
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", "".join(parser.parts)).strip()


def element_text(response, element_id: str) -> str:
    """The text inside the element with that id (for a message next to its field)."""
    content = response.content.decode()
    match = re.search(rf'<(\w+)[^>]*\bid="{re.escape(element_id)}"[^>]*>', content)
    assert match, f"no element with id {element_id!r} on the page"
    tag, start = match.group(1), match.end()
    depth, position = 1, start
    pattern = re.compile(rf"<(/?){tag}\b[^>]*>")
    for found in pattern.finditer(content, start):
        depth += -1 if found.group(1) else 1
        if depth == 0:
            position = found.start()
            break
    fragment = re.sub(r"<[^>]+>", " ", content[start:position])
    return re.sub(r"\s+", " ", html.unescape(fragment)).strip()


def error_summary(response) -> list[tuple[str, str | None]]:
    """(message, link target) for each item of the error summary at the top of the page, in order."""
    content = response.content.decode()
    match = re.search(r'id="error-summary-list"[^>]*>(.*?)</ul>', content, re.S)
    if not match:
        return []
    items = []
    for item in re.findall(r"<li>(.*?)</li>", match.group(1), re.S):
        link = re.search(r'href="#([^"]+)"', item)
        message = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))).strip()
        items.append((message, link.group(1) if link else None))
    return items
