from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0009_questions_from_old_texts"),
    ]

    operations = [
        migrations.RemoveField(model_name="registration", name="municipality_input"),
    ]
