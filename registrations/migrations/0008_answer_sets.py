import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("registrations", "0007_dispute"),
        ("workshops", "0004_reflection_question"),
    ]

    operations = [
        migrations.CreateModel(
            name="AnswerSet",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[("draft", "draft"), ("submitted", "submitted")],
                        default="draft",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("submitted_at", models.DateTimeField(blank=True, null=True, verbose_name="submitted")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "registration",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answer_set",
                        to="registrations.registration",
                        verbose_name="registration",
                    ),
                ),
            ],
            options={"verbose_name": "answers", "verbose_name_plural": "answers"},
        ),
        migrations.CreateModel(
            name="Answer",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField(max_length=4000, verbose_name="answer")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                (
                    "question",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="answers",
                        to="workshops.reflectionquestion",
                        verbose_name="question",
                    ),
                ),
                (
                    "answer_set",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="answers",
                        to="registrations.answerset",
                        verbose_name="answers",
                    ),
                ),
            ],
            options={
                "verbose_name": "answer",
                "verbose_name_plural": "answers",
                "ordering": ["question__position", "question_id"],
            },
        ),
        migrations.AddConstraint(
            model_name="answerset",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "draft"), ("submitted_at__isnull", False), _connector="OR"),
                name="answer_set_submitted_has_time",
            ),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.UniqueConstraint(fields=("answer_set", "question"), name="answer_one_per_question"),
        ),
        migrations.AddConstraint(
            model_name="answer",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("text"), 4000
                ),
                name="answer_text_max_length",
            ),
        ),
    ]
