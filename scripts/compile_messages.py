"""Compile every locale/*.po and <app>/locale/*.po to .mo with polib, so no GNU gettext is needed.

The compiled .mo files are committed, so `make run` works on a machine with only Python.
"""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    for po_path in sorted(ROOT.glob("**/locale/*/LC_MESSAGES/*.po")):
        if ".venv" in po_path.parts:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"compiled {po_path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
