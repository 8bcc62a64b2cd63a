"""The free-text question fields become ReflectionQuestion rows, and the input given on the form an answer.

The conversion lives in registrations/question_texts.py, where a test can call it on rows.
"""

from django.db import migrations

from registrations.question_texts import questions_from_old_texts


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0008_answer_sets"),
    ]

    operations = [
        migrations.RunPython(questions_from_old_texts, migrations.RunPython.noop, elidable=True),
    ]
