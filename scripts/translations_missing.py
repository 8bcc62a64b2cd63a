"""Print what a catalogue still lacks, as JSON {msgid: Bokmål msgstr}, to translate and fill back in.

    python scripts/translations_missing.py nn [--domain djangojs] > missing.json

Lists every untranslated or fuzzy entry of locale/<language>/LC_MESSAGES/<domain>.po (after `make messages`).
The value is the Bokmål translation as a hint (a list for plural forms; empty when Bokmål lacks it too); write
the translations over those values and apply them with a {msgid: msgstr} filler such as polib's.
"""

import argparse
import json
from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale"


def missing(language: str, domain: str = "django", locale: Path = LOCALE) -> dict[str, str | list[str]]:
    catalogue = polib.pofile(str(locale / language / "LC_MESSAGES" / f"{domain}.po"))
    # Only finished Bokmål translations are hints: a fuzzy one is makemessages' guess from another msgid.
    bokmaal = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(locale / "nb" / "LC_MESSAGES" / f"{domain}.po"))}
    bokmaal = {key: e for key, e in bokmaal.items() if e.translated()}
    hints = {}
    for entry in catalogue.untranslated_entries() + catalogue.fuzzy_entries():
        hint = bokmaal.get((entry.msgctxt, entry.msgid))
        if entry.msgid_plural:
            hints[entry.msgid] = [hint.msgstr_plural[i] for i in sorted(hint.msgstr_plural)] if hint else ["", ""]
        else:
            hints[entry.msgid] = hint.msgstr if hint else ""
    return hints


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("language", help="e.g. nn")
    parser.add_argument("--domain", default="django", choices=["django", "djangojs"])
    args = parser.parse_args()
    print(json.dumps(missing(args.language, args.domain), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
