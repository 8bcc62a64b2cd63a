"""The Bokmål catalogue is complete, and the committed .mo is the compiled .po (what `make run` serves)."""

import gettext
from pathlib import Path

import polib
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

PO = Path(settings.BASE_DIR) / "locale" / "nb" / "LC_MESSAGES" / "django.po"


def test_every_message_has_a_bokmaal_translation_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert len(catalogue.translated_entries()) > 300


def test_the_committed_mo_file_matches_the_po_file():
    compiled = gettext.GNUTranslations(PO.with_suffix(".mo").open("rb"))
    catalogue = polib.pofile(str(PO))
    stale = []
    for entry in catalogue.translated_entries():
        if entry.msgid_plural:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            wanted = entry.msgstr_plural[0]
        elif entry.msgctxt:
            got, wanted = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            got, wanted = compiled.gettext(entry.msgid), entry.msgstr
        if got != wanted:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` (or scripts/compile_messages.py) and commit the .mo"


def test_the_site_speaks_bokmaal_by_default_and_english_on_request():
    assert _("Registration is closed") == "Påmeldingen er stengt"
    with override("en"):
        assert _("Registration is closed") == "Registration is closed"
