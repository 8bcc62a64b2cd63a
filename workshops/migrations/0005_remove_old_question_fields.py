from django.db import migrations


class Migration(migrations.Migration):
    # After the texts were turned into ReflectionQuestion rows.
    dependencies = [
        ("workshops", "0004_reflection_question"),
        ("registrations", "0009_questions_from_old_texts"),
    ]

    operations = [
        migrations.RemoveField(model_name="workshop", name="input_question"),
        migrations.RemoveField(model_name="workshop", name="reflection_questions"),
    ]
