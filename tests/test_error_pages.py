"""The error pages are ours: the site's layout, the visitor's language in <html lang>, what happened and what
to do next. Django's own pages (plain English, or no layout) must never show."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.registrations.conftest import page_text

REGISTER_URL = "/workshops/kulturskole-3-0/"

# page: (status, {language: (heading, a sentence of the page)})
PAGES = {
    "not found": (
        404,
        {
            "nb": ("Fant ikke siden", "Se verkstedene med åpen påmelding"),
            "en": ("Page not found", "If you typed the address, check that it is correct."),
        },
    ),
    "bad request": (
        400,
        {
            "nb": ("Forespørselen kunne ikke behandles", "last inn siden på nytt og prøv igjen."),
            "en": ("The request could not be handled", "reload the page and try again."),
        },
    ),
    "too large": (
        413,
        {
            "nb": ("Skjemaet var for stort", "gjør den lengste teksten kortere og send skjemaet på nytt."),
            "en": ("The form was too large", "shorten the longest text and send the form again."),
        },
    ),
    "forbidden": (
        403,
        {
            "nb": ("Du har ikke tilgang til denne siden", "kan du skrive til post@kulturskoleradet.no."),
            "en": ("You do not have access to this page", "write to post@kulturskoleradet.no."),
        },
    ),
    "form expired": (
        403,
        {
            "nb": ("Påmeldingen ble ikke sendt", "vi kan ikke hente det tilbake."),
            "en": ("The registration was not sent", "we cannot get it back."),
        },
    ),
    "too many attempts": (
        429,
        {
            "nb": ("For mange forsøk", "Gå tilbake i nettleseren"),
            "en": ("Too many attempts", "Go back in your browser"),
        },
    ),
    "server error": (
        500,
        {
            "nb": ("Noe gikk galt", "Prøv igjen om noen minutter."),
            "en": ("Something went wrong", "Please try again in a few minutes."),
        },
    ),
}


def visitor(language: str, **options) -> Client:
    client = Client(**options)
    if language != "nb":
        client.cookies["django_language"] = language
    return client


def staff_without_permissions(client: Client) -> Client:
    user = get_user_model().objects.create_user(f"staff-{uuid.uuid4().hex[:8]}", password="x", is_staff=True)
    client.force_login(user)
    return client


def get_page(name: str, language: str, settings):
    if name == "not found":
        return visitor(language).get("/no-such-page/")
    if name == "bad request":
        fields = {f"field-{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
        return visitor(language).post("/i18n/setlang/", fields)
    if name == "too large":
        return visitor(language).post("/i18n/setlang/", {"text": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    if name == "forbidden":
        # The admin refuses staff without the permission with PermissionDenied: handler403.
        return staff_without_permissions(visitor(language)).get("/admin/registrations/registration/")
    if name == "form expired":
        return visitor(language, enforce_csrf_checks=True).post(REGISTER_URL, {"contact_name": "Kari"})
    if name == "too many attempts":
        settings.RATELIMIT_ENABLE = True
        settings.RATELIMIT_REGISTRATION = "0/m"
        settings.RATELIMIT_CACHE_PREFIX = f"rl-errors-{uuid.uuid4().hex}:"
        return visitor(language).post(REGISTER_URL, {"contact_name": "Kari"})
    if name == "server error":
        settings.ROOT_URLCONF = "tests.error_urls"
        return visitor(language, raise_request_exception=False).get("/fail/")
    raise AssertionError(name)


def heading(response) -> str:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip() if match else ""


@pytest.mark.parametrize("language", ["nb", "en"])
@pytest.mark.parametrize("name", list(PAGES))
def test_the_error_page_says_what_happened_in_the_visitors_language(name, language, workshop, settings):
    status, texts = PAGES[name]
    response = get_page(name, language, settings)
    expected_heading, sentence = texts[language]
    assert response.status_code == status
    content = response.content.decode()
    assert f'<html lang="{language}">' in content
    assert heading(response) == expected_heading
    assert sentence in page_text(response)
    # The site's layout: the skip link, the header with the language switch, the footer.
    assert '<a class="skip-link" href="#main">' in content
    assert 'class="language-switch"' in content
    assert 'href="/accessibility/"' in content


def test_the_csrf_page_offers_the_registration_form_again(workshop):
    response = visitor("en", enforce_csrf_checks=True).post(REGISTER_URL, {"contact_name": "Kari"})
    assert response.status_code == 403
    assert f'<a class="btn btn-primary" href="{REGISTER_URL}">Open the registration form again</a>' in (
        response.content.decode()
    )


def test_the_csrf_page_elsewhere_offers_that_page_again(db):
    response = visitor("en", enforce_csrf_checks=True).post("/i18n/setlang/", {"language": "nb"})
    assert response.status_code == 403
    assert heading(response) == "The form was not sent"
    assert '<a class="btn btn-primary" href="/i18n/setlang/">Open the page again</a>' in response.content.decode()


@pytest.fixture
def no_collectstatic(settings, tmp_path):
    """Production without `collectstatic`: hashed names from a manifest that does not exist."""
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }


@pytest.mark.parametrize(("url", "status", "text"), [("/fail/", 500, "Noe gikk galt"), ("/nope/", 404, "Fant ikke")])
def test_the_error_pages_render_even_without_static_files(no_collectstatic, settings, db, url, status, text):
    settings.ROOT_URLCONF = "tests.error_urls"
    response = Client(raise_request_exception=False).get(url)
    assert response.status_code == status
    assert text in heading(response)
    # Unstyled, but whole: no link to a stylesheet that has no name.
    assert "<link" not in response.content.decode()
    assert "</footer>" in response.content.decode()
