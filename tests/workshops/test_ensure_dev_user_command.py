"""manage.py ensure_dev_user: a local superuser «staff», only in development."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import RequestFactory


def can_log_in(username: str, password: str):
    """The user the admin's login would let in (django-axes needs the login request to count failures)."""
    return authenticate(RequestFactory().post("/admin/login/"), username=username, password=password)


def run() -> str:
    out = StringIO()
    call_command("ensure_dev_user", stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings, monkeypatch):
    settings.DEBUG = True
    monkeypatch.delenv("DEV_ADMIN_PASSWORD", raising=False)


@pytest.mark.django_db
def test_it_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        run()

    assert User.objects.count() == 0


@pytest.mark.django_db
def test_it_creates_a_superuser_and_prints_the_password_once(debug):
    output = run()

    password = output.split("with password: ")[1].split()[0]
    user = User.objects.get()
    assert (user.username, user.is_staff, user.is_superuser) == ("staff", True, True)
    assert can_log_in("staff", password) == user

    again = run()

    assert password not in again
    assert "password unchanged" in again
    assert can_log_in("staff", password) == user
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_it_takes_the_password_from_the_environment(debug, monkeypatch):
    monkeypatch.setenv("DEV_ADMIN_PASSWORD", "lokalt-passord-123")

    output = run()

    assert "lokalt-passord-123" not in output
    assert can_log_in("staff", "lokalt-passord-123") == User.objects.get(username="staff")
