import csv
from datetime import date
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "municipalities.csv"


def load(apps, schema_editor):
    Municipality = apps.get_model("registrations", "Municipality")
    with DATA.open(encoding="utf-8") as f:
        rows = [
            Municipality(
                number=row["number"],
                name=row["name"],
                county_number=row["county_number"],
                county=row["county"],
                valid_from=date.fromisoformat(row["valid_from"]),
                valid_to=date.fromisoformat(row["valid_to"]) if row["valid_to"] else None,
            )
            for row in csv.DictReader(f)
        ]
    # Conflicts on (number, valid_from) are rows already there: loading twice changes nothing.
    Municipality.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
