"""Every catalogue in locale/ (nb and nn, django and djangojs) is complete, its placeholders match, and the
committed .mo is the compiled .po (what `make run` serves)."""

import gettext
import json
import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import override

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))
PER_CATALOGUE = pytest.mark.parametrize("po", CATALOGUES, ids=[str(p.relative_to(LOCALE)) for p in CATALOGUES])

# printf-style (python-format, javascript-format) and brace (python-brace-format) placeholders; «{{» is a brace.
PERCENT = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa%]")
BRACE = re.compile(r"(?<!\{)\{\w*\}(?!\})")


def unfinished(catalogue: polib.POFile) -> list[str]:
    return [e.msgid for e in catalogue.untranslated_entries() + catalogue.fuzzy_entries()]


def stale(po: Path) -> list[str]:
    """The msgids whose translation in the compiled .mo differs from the .po (every plural form)."""
    compiled = gettext.GNUTranslations(po.with_suffix(".mo").open("rb"))
    differ = []
    for entry in polib.pofile(str(po)).translated_entries():
        if entry.msgid_plural:
            got = [compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
            wanted = [entry.msgstr_plural[0], entry.msgstr_plural[1]]
        elif entry.msgctxt:
            got, wanted = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            got, wanted = compiled.gettext(entry.msgid), entry.msgstr
        if got != wanted:
            differ.append(entry.msgid)
    return differ


def placeholder_mismatches(catalogue: polib.POFile) -> list[str]:
    """Translations whose placeholders are not exactly the msgid's (a missing one raises at run time)."""
    wrong = []
    for entry in catalogue.translated_entries():
        checks = [PERCENT] if {"python-format", "javascript-format"} & set(entry.flags) else []
        checks += [BRACE] if "python-brace-format" in entry.flags else []
        if entry.msgid_plural:
            pairs = [(entry.msgid, entry.msgstr_plural[0]), (entry.msgid_plural, entry.msgstr_plural[1])]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for pattern in checks:
            if any(sorted(pattern.findall(source)) != sorted(pattern.findall(text)) for source, text in pairs):
                wrong.append(entry.msgid)
    return wrong


def test_every_language_of_the_site_has_its_catalogues():
    languages = {code for code, _name in settings.LANGUAGES} - {"en"}  # English is the msgids themselves
    for language in languages:
        assert (LOCALE / language / "LC_MESSAGES" / "django.po") in CATALOGUES
        assert (LOCALE / language / "LC_MESSAGES" / "djangojs.po") in CATALOGUES


@PER_CATALOGUE
def test_every_message_is_translated_and_none_is_fuzzy(po):
    assert unfinished(polib.pofile(str(po))) == [], f"translate these in {po.relative_to(ROOT)}"


@PER_CATALOGUE
def test_no_entry_keeps_the_previous_msgid_of_a_fuzzy_match(po):
    """«#|» lines are left by a fuzzy match; once the entry is translated they are stale, and a stale
    «#| msgid_plural» on a singular entry makes GNU gettext (msgmerge, so makemessages) reject the file."""
    kept = [e.msgid for e in polib.pofile(str(po)) if e.previous_msgid or e.previous_msgid_plural or e.previous_msgctxt]
    assert kept == [], f"remove the «#|» lines of these in {po.relative_to(ROOT)}"


@PER_CATALOGUE
def test_the_committed_mo_file_matches_the_po_file(po):
    assert stale(po) == [], "run `make messages` (or scripts/compile_messages.py) and commit the .mo"


@PER_CATALOGUE
def test_placeholders_are_the_same_in_the_translation(po):
    assert placeholder_mismatches(polib.pofile(str(po))) == []


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_nynorsk_translates_the_same_messages_as_bokmaal(domain):
    def messages(language):
        return {(e.msgctxt, e.msgid) for e in polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))}

    assert messages("nn") == messages("nb")
    assert len(messages("nb")) > (300 if domain == "django" else 20)


def test_the_checks_catch_an_unfinished_catalogue_a_lost_placeholder_and_a_stale_mo(tmp_path):
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8", "Plural-Forms": "nplurals=2; plural=(n != 1);"}
    catalogue.append(polib.POEntry(msgid="Untranslated"))
    catalogue.append(polib.POEntry(msgid="Guessed", msgstr="Gjetta", flags=["fuzzy"]))
    catalogue.append(polib.POEntry(msgid="Hello %(name)s", msgstr="Hei", flags=["python-format"]))
    catalogue.append(polib.POEntry(msgid="Hi {name}", msgstr="Hei {namn}", flags=["python-brace-format"]))
    catalogue.append(
        polib.POEntry(
            msgid="%d day",
            msgid_plural="%d days",
            msgstr_plural={0: "%d dag", 1: "mange dagar"},
            flags=["python-format"],
        )
    )
    catalogue.append(polib.POEntry(msgid="Fine %s", msgstr="Fint %s", flags=["python-format"]))
    po = tmp_path / "django.po"
    catalogue.save(str(po))
    catalogue.save_as_mofile(str(po.with_suffix(".mo")))

    assert unfinished(catalogue) == ["Untranslated", "Guessed"]
    assert placeholder_mismatches(catalogue) == ["Hello %(name)s", "Hi {name}", "%d day"]
    assert stale(po) == []
    catalogue.find("Fine %s").msgstr = "Bra %s"
    catalogue.save(str(po))
    assert stale(po) == ["Fine %s"]


def test_translations_missing_lists_what_to_translate_with_the_bokmaal_hint(tmp_path):
    for language in ("nb", "nn"):
        (tmp_path / language / "LC_MESSAGES").mkdir(parents=True)
    bokmaal, nynorsk = polib.POFile(), polib.POFile()
    bokmaal.append(polib.POEntry(msgid="Registration is closed", msgstr="Påmeldingen er stengt"))
    bokmaal.append(polib.POEntry(msgid="%d day", msgid_plural="%d days", msgstr_plural={0: "%d dag", 1: "%d dager"}))
    bokmaal.append(polib.POEntry(msgid="New", msgstr="Gammel gjetting", flags=["fuzzy"]))
    nynorsk.append(polib.POEntry(msgid="Registration is closed", msgstr=""))
    nynorsk.append(polib.POEntry(msgid="%d day", msgid_plural="%d days", msgstr_plural={0: "", 1: ""}))
    nynorsk.append(polib.POEntry(msgid="New", msgstr="Gamal gjetting", flags=["fuzzy"]))
    nynorsk.append(polib.POEntry(msgid="Done", msgstr="Ferdig"))
    bokmaal.save(str(tmp_path / "nb" / "LC_MESSAGES" / "django.po"))
    nynorsk.save(str(tmp_path / "nn" / "LC_MESSAGES" / "django.po"))

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from translations_missing import missing
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    assert missing("nn", locale=tmp_path) == {
        "Registration is closed": "Påmeldingen er stengt",
        "%d day": ["%d dag", "%d dager"],
        "New": "",
    }


def test_translations_missing_prints_json_for_the_real_catalogues():
    result = subprocess.run(
        [sys.executable, "scripts/translations_missing.py", "nn"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout) == {}


def test_the_site_speaks_bokmaal_by_default_and_nynorsk_and_english_on_request():
    assert _("Registration is closed") == "Påmeldingen er stengt"
    with override("nn"):
        assert _("Registration is closed") == "Påmeldinga er stengd"
    with override("en"):
        assert _("Registration is closed") == "Registration is closed"
