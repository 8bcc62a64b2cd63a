"""Security headers on every kind of page, and the production settings pass `manage.py check --deploy`."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.conftest import register

ROOT = Path(__file__).resolve().parent.parent


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.fixture
def pages(workshop, before_deadline, admin_client, client) -> dict:
    registration = register(workshop)
    # The visitor opened the delegation's link: the pages behind it are theirs in this session.
    client.get(reverse("registrations:registration_open", args=[registration.access_id, registration.token]))
    return {
        "list": ("/", None),
        "form": (f"/workshops/{workshop.slug}/", None),
        "receipt": (reverse("registrations:receipt", args=[registration.access_id]), None),
        "registration": (reverse("registrations:registration_detail", args=[registration.access_id]), None),
        "privacy": ("/privacy/", None),
        "not found": ("/no-such-page/", None),
        "admin login": ("/admin/login/", None),
        "admin change": (reverse("admin:registrations_registration_change", args=[registration.pk]), admin_client),
    }


@pytest.mark.parametrize(
    "page", ["list", "form", "receipt", "registration", "privacy", "not found", "admin login", "admin change"]
)
def test_every_page_sends_the_security_headers(client, pages, page):
    url, page_client = pages[page]
    response = (page_client or client).get(url)
    assert response.status_code == (404 if page == "not found" else 200)
    assert csp_directives(response) == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        "base-uri": "'none'",
        "object-src": "'none'",
    }
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("page", ["receipt", "registration", "admin login", "admin change"])
def test_private_pages_are_never_stored_by_a_browser_or_proxy(client, pages, page):
    url, page_client = pages[page]
    response = (page_client or client).get(url)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def run_with_production_settings(*args: str, **extra: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "verksted.kulturskoleradet.no",
        "REDIS_URL": "redis://127.0.0.1:6379/0",  # not contacted: the checks only read the settings
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "EMAIL_URL": "smtp://smtp.example.no:587/?tls=True",
        **extra,
    }
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser tests' conftest in this process, never in production.
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        if name not in extra:
            environment.pop(name, None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_production_settings_pass_the_deployment_checks():
    result = run_with_production_settings("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_without_a_shared_cache_refuses_to_start():
    result = run_with_production_settings("manage.py", "check", REDIS_URL="")
    assert result.returncode != 0
    assert "django_ratelimit.E003" in result.stderr


PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SESSION_COOKIE_HTTPONLY)"
)


def test_production_redirects_to_https_and_sends_hsts_by_default():
    result = run_with_production_settings("-c", PRINT_SETTINGS)
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True"], result.stderr


def test_the_redirect_can_be_left_to_the_proxy():
    result = run_with_production_settings("-c", PRINT_SETTINGS, SECURE_SSL_REDIRECT="0")
    assert result.stdout.split() == ["False", "31536000", "True", "True", "True"], result.stderr
