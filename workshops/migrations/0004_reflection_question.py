import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workshops", "0003_workshop_retention"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReflectionQuestion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        default=0,
                        help_text="Questions are shown in this order (smallest first).",
                        verbose_name="position",
                    ),
                ),
                ("text", models.TextField(max_length=500, verbose_name="question")),
                ("help_text", models.TextField(blank=True, max_length=1000, verbose_name="help text")),
                (
                    "required_before_workshop",
                    models.BooleanField(
                        default=False,
                        help_text="The delegation cannot send in its answers without answering this one.",
                        verbose_name="answer required before the workshop",
                    ),
                ),
                (
                    "is_draft",
                    models.BooleanField(
                        default=False,
                        help_text="Not shown to the delegations yet, and the material and reminders cannot be "
                        "approved while a question is a draft. Untick when the question is final.",
                        verbose_name="draft",
                    ),
                ),
                (
                    "workshop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="questions",
                        to="workshops.workshop",
                        verbose_name="workshop",
                    ),
                ),
            ],
            options={
                "verbose_name": "reflection question",
                "verbose_name_plural": "reflection questions",
                "ordering": ["position", "pk"],
            },
        ),
    ]
