"""Staff of each role as logged-in clients reading English pages (the msgids)."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from registrations.staff_groups import OBSERVERS, ORGANISERS


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
