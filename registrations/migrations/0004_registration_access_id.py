import secrets

from django.db import migrations, models

import registrations.models


def give_access_ids(apps, schema_editor):
    Registration = apps.get_model("registrations", "Registration")
    for registration in Registration.objects.filter(access_id__isnull=True).only("pk"):
        registration.access_id = secrets.token_urlsafe(9)
        registration.save(update_fields=["access_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0003_staff_groups"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="access_id",
            field=models.CharField(editable=False, max_length=16, null=True, verbose_name="link id"),
        ),
        migrations.RunPython(give_access_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="registration",
            name="access_id",
            field=models.CharField(
                default=registrations.models.new_access_id,
                editable=False,
                max_length=16,
                unique=True,
                verbose_name="link id",
            ),
        ),
        migrations.AlterField(
            model_name="registration",
            name="token",
            field=models.CharField(
                default=registrations.models.new_token, editable=False, max_length=64, verbose_name="secret token"
            ),
        ),
    ]
