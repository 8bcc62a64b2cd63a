"""The admin login locks a username out from one address after repeated failures (django-axes)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.registrations.conftest import page_text

LOGIN_URL = reverse("admin:login")
PASSWORD = "riktig-passord-2021"


@pytest.fixture
def staff(db):
    users = get_user_model().objects
    users.create_superuser("kari", "kari@kulturskoleradet.no", PASSWORD)
    users.create_superuser("ola", "ola@kulturskoleradet.no", PASSWORD)


def log_in(username: str, password: str, address: str = "10.0.0.1"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(LOGIN_URL, {"username": username, "password": password, "next": "/admin/"})
    return response, client


def fail(times: int, username: str = "kari", address: str = "10.0.0.1") -> list[int]:
    return [log_in(username, f"feil-{number}", address)[0].status_code for number in range(times)]


def is_logged_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def test_ten_wrong_passwords_lock_the_username_out_even_for_the_right_one(staff):
    assert fail(10) == [200] * 9 + [429]
    response, client = log_in("kari", PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(client)
    text = page_text(response)
    assert "Innloggingen er sperret" in text
    assert "etter 10 mislykkede forsøk" in text
    assert "Prøv igjen om 30 minutter" in text
    assert response["Retry-After"] == "1800"


def test_nine_wrong_passwords_do_not_lock(staff):
    fail(9)
    response, client = log_in("kari", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_another_user_and_another_address_are_not_locked(staff):
    fail(10)
    for username, address in (("ola", "10.0.0.1"), ("kari", "10.0.0.2")):
        response, client = log_in(username, PASSWORD, address)
        assert response.status_code == 302, (username, address)
        assert is_logged_in(client)


def test_the_lock_is_lifted_after_thirty_minutes(staff, time_machine):
    time_machine.move_to("2021-02-15 12:00 +01:00", tick=False)
    fail(10)
    time_machine.shift(29 * 60)
    assert log_in("kari", PASSWORD)[0].status_code == 429
    time_machine.shift(61)
    assert log_in("kari", PASSWORD)[0].status_code == 302


def test_staff_unlock_a_username_with_the_command(staff):
    fail(10)
    call_command("axes_reset_username", "kari")
    response, client = log_in("kari", PASSWORD)
    assert response.status_code == 302
    assert is_logged_in(client)


def test_the_admin_lists_the_failed_attempts(staff, admin_client):
    fail(3)
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert response.status_code == 200
    assert "kari" in page_text(response)
