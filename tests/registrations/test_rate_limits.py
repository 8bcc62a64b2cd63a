"""The registration form's rate limit per client address, and the 429 page that says when to try again."""

import uuid

import pytest
from django.test import Client, RequestFactory

from config.client_ip import client_ip
from registrations.models import Registration
from tests.conftest import municipality
from tests.registrations.conftest import form_data, page_text

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"


@pytest.fixture(autouse=True)
def limits_on(settings):
    """The limits on, at 3 a minute, with counters of this test's own (the cache may be a shared Redis)."""
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_REGISTRATION = "3/m"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


def post_from(address: str, data: dict, client: Client | None = None, **headers):
    return (client or Client()).post(REGISTER_URL, data, REMOTE_ADDR=address, **headers)


def test_the_fourth_post_in_a_minute_from_one_address_gets_a_429_page_that_says_when(workshop, time_machine):
    data = form_data(municipality("0301"), add_participant="1")  # round trips: nothing saved, still counted
    assert [post_from("10.0.0.1", data).status_code for _ in range(3)] == [200, 200, 200]
    refused = post_from("10.0.0.1", data)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    assert 1 <= wait <= 61  # the rest of the one-minute window, and one second
    text = page_text(refused)
    assert "For mange forsøk" in text
    assert f"Prøv igjen om {wait} {'sekund' if wait == 1 else 'sekunder'}." in text
    assert "Verksteder for kommuner" in text  # the site's layout
    time_machine.shift(wait)
    assert post_from("10.0.0.1", data).status_code == 200


def test_the_429_page_speaks_the_visitors_language(en_client, workshop):
    data = form_data(municipality("0301"), add_participant="1")
    for _ in range(3):
        post_from("10.0.0.2", data, en_client)
    refused = post_from("10.0.0.2", data, en_client)
    assert refused.status_code == 429
    assert "Too many attempts" in page_text(refused)
    assert f"Please try again in {refused['Retry-After']} second" in page_text(refused)


def test_another_address_is_not_limited(workshop):
    data = form_data(municipality("0301"), add_participant="1")
    for _ in range(4):
        post_from("10.0.0.3", data)
    assert post_from("10.0.0.4", data).status_code == 200


def test_reading_the_form_is_not_limited(workshop):
    statuses = [Client().get(REGISTER_URL, REMOTE_ADDR="10.0.0.5").status_code for _ in range(5)]
    assert statuses == [200] * 5


def test_a_forged_forwarded_for_header_does_not_escape_the_limit_without_a_trusted_proxy(workshop):
    data = form_data(municipality("0301"), add_participant="1")
    statuses = [
        post_from("10.0.0.6", data, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}").status_code for number in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(workshop, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    data = form_data(municipality("0301"), add_participant="1")
    statuses = [
        post_from("10.9.9.9", data, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}").status_code for number in range(4)
    ]
    assert statuses == [200, 200, 200, 200]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "203.0.113.66, 198.51.100.7", "198.51.100.7"),  # the left one is the client's own claim
        (2, "203.0.113.66, 198.51.100.7, 10.0.0.9", "198.51.100.7"),
        (2, "198.51.100.7", "10.0.0.1"),  # fewer addresses than proxies: not through our proxies
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_with_the_cache_down_the_form_still_registers(workshop, settings):
    # Redis holds the counters in production; when it is down the registration goes through (fail open).
    settings.CACHES = {"default": {"BACKEND": "config.cache.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}

    response = post_from("10.0.0.9", form_data(municipality("0301")))

    assert response.status_code == 302
    assert Registration.objects.get().municipality.number == "0301"
