"""Back-office test helpers: staff of each role as logged-in clients reading English pages (the msgids),
reading exports back as a spreadsheet would, and workshops full of delegations."""

import csv
import io

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from registrations.models import Participant
from registrations.staff_groups import OBSERVERS, ORGANISERS
from tests.conftest import delegation, municipalities, register

BOM = "\ufeff"


def read_xlsx(content: bytes) -> list[list]:
    """Every row of the first sheet, values as openpyxl reads them (None for an empty cell)."""
    sheet = openpyxl.load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def read_csv(content: bytes, *, delimiter: str = ";") -> list[list[str]]:
    """The rows of a Norwegian-Excel CSV: it must start with the UTF-8 byte-order mark."""
    text = content.decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=delimiter))


def fill(workshop, people: int, size: int = 6) -> list[Participant]:
    """Register `people` more participants in delegations of `size` (the last one smaller), from
    municipalities not yet registered; returns all the workshop's participants."""
    sizes = [size] * (people // size) + ([people % size] if people % size else [])
    taken = set(workshop.registrations.values_list("municipality_id", flat=True))
    free = [place for place in municipalities(len(taken) + len(sizes)) if place.pk not in taken]
    for place, count in zip(free, sizes, strict=True):
        register(workshop, place.number, people=delegation(count, prefix=place.number))
    return list(Participant.objects.filter(registration__workshop=workshop))


def staff_client(username: str, group: str | None, *, is_staff: bool = True) -> Client:
    user = get_user_model().objects.create_user(username, f"{username}@ks.example", "pw", is_staff=is_staff)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.user = user
    return client


@pytest.fixture
def observer(db) -> Client:
    return staff_client("olga", OBSERVERS)


@pytest.fixture
def organiser(db) -> Client:
    return staff_client("arne", ORGANISERS)


@pytest.fixture
def staff(admin_client) -> Client:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client
