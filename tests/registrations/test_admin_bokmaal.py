"""The admin speaks Bokmål: our titles, and Django's admin strings its own nb catalogue lacks or gets wrong."""

from pathlib import Path

import django
import polib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils.translation import gettext, ngettext, override

from tests.registrations.conftest import page_text

DJANGO_ADMIN_LOCALE = Path(django.__file__).parent / "contrib" / "admin" / "locale"
OURS = Path(settings.BASE_DIR) / "locale" / "nb" / "LC_MESSAGES"


def missing_in_djangos_bokmaal(domain: str) -> list[polib.POEntry]:
    """The admin's msgids (its English catalogue) that Django's nb catalogue does not translate."""
    english = polib.pofile(str(DJANGO_ADMIN_LOCALE / "en" / "LC_MESSAGES" / f"{domain}.po"))
    bokmaal = polib.pofile(str(DJANGO_ADMIN_LOCALE / "nb" / "LC_MESSAGES" / f"{domain}.po"))
    have = {(e.msgctxt, e.msgid, e.msgid_plural) for e in bokmaal.translated_entries()}
    return [e for e in english if not e.obsolete and (e.msgctxt, e.msgid, e.msgid_plural) not in have]


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_our_catalogue_translates_every_admin_string_djangos_bokmaal_lacks(domain):
    ours = polib.pofile(str(OURS / f"{domain}.po"))
    translated = {(e.msgctxt, e.msgid) for e in ours.translated_entries()}

    missing = [e.msgid for e in missing_in_djangos_bokmaal(domain) if (e.msgctxt, e.msgid) not in translated]

    assert missing == []
    assert ours.fuzzy_entries() == []


def test_the_javascript_catalogue_is_compiled():
    import gettext as gnu

    compiled = gnu.GNUTranslations((OURS / "djangojs.mo").open("rb"))
    for entry in polib.pofile(str(OURS / "djangojs.po")).translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[1]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr


def test_add_is_said_without_a_gendered_adjective():
    with override("nb"):
        assert gettext("Add %(name)s") % {"name": "verksted"} == "Legg til verksted"
        assert gettext("Add %s") % "verksted" == "Legg til verksted"
        assert ngettext("Please correct the error below.", "Please correct the errors below.", 2) == (
            "Rett feilene nedenfor."
        )


def test_the_admin_pages_are_in_bokmaal(admin_client, workshop):
    home = page_text(admin_client.get("/admin/"))
    add_workshop = page_text(admin_client.get("/admin/workshops/workshop/add/"))
    registrations = page_text(admin_client.get("/admin/registrations/registration/"))
    refused = page_text(admin_client.post("/admin/workshops/workshop/add/", {"title": ""}))
    javascript = admin_client.get("/admin/jsi18n/").content.decode()

    assert "Påmelding til verksteder – KS og Norsk kulturskoleråd" in home
    assert "Django" not in home
    assert "Administrasjon" in home
    assert "Påmeldinger" in home and "Verksteder" in home and "Varsler" in home
    assert "Legg til verksted" in add_workshop and "ny verksted" not in add_workshop
    assert "Vis antall" in registrations and "Show counts" not in registrations
    assert "Rett feilene nedenfor." in refused
    assert '"Sunday": "s\\u00f8ndag"' in javascript and '"Choose all %s": "Velg alle %s"' in javascript


def test_the_section_titles_of_a_registration_are_capitalised(admin_client, workshop, before_deadline):
    from tests.conftest import register

    registration = register(workshop, "0301")

    text = page_text(admin_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))

    assert "Kontaktperson Kontaktperson:" in text
    assert "Svar Svar på refleksjonsspørsmålene:" in text
    assert "Hvem gjorde hva" in text


def test_a_registrations_language_is_named_not_coded(admin_client, workshop, before_deadline):
    from tests.conftest import register

    registration = register(workshop, "0301", language="nn")

    text = page_text(admin_client.get(f"/admin/registrations/registration/{registration.pk}/change/"))

    assert "Språk: Norsk nynorsk" in text
    assert "Språk: nn" not in text


def test_the_admin_pages_carry_the_site_icon(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("favicon.svg")  # what collectstatic publishes there
