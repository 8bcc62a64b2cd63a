from django.db import migrations

from registrations.municipality_data import municipalities_load


def load(apps, schema_editor):
    # The historical model, not registrations.models.Municipality: the loader uses plain model API only.
    municipalities_load(model=apps.get_model("registrations", "Municipality"))


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
