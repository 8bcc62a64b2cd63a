"""Loading municipalities from ``registrations/data/municipalities.csv`` (see data/README.md).

Shared by the data migration 0002 and ``manage.py load_municipalities``. The migration passes its
historical model class, so nothing here may use the current model's managers or methods.
"""

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "municipalities.csv"
FIELDS = ("name", "county_number", "county", "valid_to")


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    unchanged: int


def municipalities_read(path: Path = DATA) -> list[dict]:
    """The CSV rows as field dicts, dates parsed."""
    with path.open(encoding="utf-8", newline="") as f:
        return [
            {
                "number": row["number"],
                "name": row["name"],
                "county_number": row["county_number"],
                "county": row["county"],
                "valid_from": date.fromisoformat(row["valid_from"]),
                "valid_to": date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            }
            for row in csv.DictReader(f)
        ]


def municipalities_load(*, model, path: Path = DATA) -> LoadResult:
    """Create the rows that are missing and correct the ones that differ, matched by (number, valid_from).

    Loading twice changes nothing. Rows that are no longer in the file are left alone: registrations
    point at them (on_delete=PROTECT).
    Side effects: Municipality rows created and updated.
    """
    existing = {(m.number, m.valid_from): m for m in model.objects.all()}
    new, changed = [], []
    rows = municipalities_read(path)
    for row in rows:
        current = existing.get((row["number"], row["valid_from"]))
        if current is None:
            new.append(model(**row))
        elif any(getattr(current, name) != row[name] for name in FIELDS):
            for name in FIELDS:
                setattr(current, name, row[name])
            changed.append(current)
    # ignore_conflicts: a row another process inserted meanwhile is the same row.
    model.objects.bulk_create(new, ignore_conflicts=True)
    if changed:
        model.objects.bulk_update(changed, FIELDS)
    return LoadResult(created=len(new), updated=len(changed), unchanged=len(rows) - len(new) - len(changed))
