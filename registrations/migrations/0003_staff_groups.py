"""The staff groups Arrangør and Observatør (registrations.staff_groups defines their permissions).

On a fresh database the permissions do not exist yet during migrate (Django creates them after it), so they
are created here first. The post_migrate receiver re-applies the groups after every migrate.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_groups(apps, schema_editor):
    from registrations.staff_groups import staff_groups_ensure

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    staff_groups_ensure(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("registrations", "0002_load_municipalities"),
        ("workshops", "0002_action_log_and_reminder_days"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
