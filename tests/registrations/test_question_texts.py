"""The old free-text question fields turned into ReflectionQuestion rows, and the form's input into answers:
the parser, and the data migration run on rows written before it."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from registrations.models import Answer, AnswerSet
from registrations.question_texts import ParsedQuestion, questions_from_old_texts, reflection_lines_parse
from workshops.models import ReflectionQuestion

SEED_2021 = (
    "[Utkast – redigeres av arrangørene før materiellet sendes ut]\n"
    "1. Hvilken rolle har kulturskolen i kommunen deres i dag?\n"
    "2. Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?\n"
    "3) Hvem i og utenfor kommunen bør kulturskolen samarbeide mer med?"
)


def test_numbered_lines_become_questions_and_the_draft_line_is_dropped():
    assert reflection_lines_parse(SEED_2021) == (
        [
            ParsedQuestion("Hvilken rolle har kulturskolen i kommunen deres i dag?"),
            ParsedQuestion("Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?"),
            ParsedQuestion("Hvem i og utenfor kommunen bør kulturskolen samarbeide mer med?"),
        ],
        True,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ([], False)),
        ("[Draft – to be edited]\n", ([], True)),
        (
            "1. Hva?\n   Tenk på skolen.\n\n2. Hvem?",
            ([ParsedQuestion("Hva?", "Tenk på skolen."), ParsedQuestion("Hvem?")], False),
        ),
        (
            "Uten nummer\n1. Hva er [utkast] i en setning?",
            ([ParsedQuestion("Uten nummer"), ParsedQuestion("Hva er [utkast] i en setning?")], False),
        ),
    ],
)
def test_unnumbered_lines_are_kept_as_help_text_or_a_question(text, expected):
    assert reflection_lines_parse(text) == expected


def _migration_of(function) -> tuple[str, str]:
    """The (app, name) of the migration that runs `function`, whatever number it was given."""
    loader = MigrationExecutor(connection).loader
    for key, migration in loader.disk_migrations.items():
        if any(getattr(op, "code", None) is function for op in migration.operations):
            return key
    raise AssertionError("no migration runs it")


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_the_old_texts_and_the_input_into_questions_and_submitted_answers(municipality_data):
    node = _migration_of(questions_from_old_texts)
    executor = MigrationExecutor(connection)
    parents = [parent for parent in executor.loader.graph.node_map[node].parents if parent.key[0] == node[0]]
    before = [parents[0].key]
    try:
        executor.migrate(before)
        old = MigrationExecutor(connection).loader.project_state(before).apps
        workshop_model = old.get_model("workshops", "Workshop")
        registration_model = old.get_model("registrations", "Registration")
        municipality_model = old.get_model("registrations", "Municipality")
        deadline = timezone.now()
        workshop = workshop_model.objects.create(
            title="2021",
            slug="old-2021",
            registration_deadline=deadline,
            input_question="Hva vil gjøre pilotprosjektet verdifullt?",
            reflection_questions=SEED_2021,
        )
        plain = workshop_model.objects.create(title="Uten spørsmål", slug="old-none", registration_deadline=deadline)
        oslo, bergen = municipality_model.objects.filter(number__in=["0301", "4601"]).order_by("number")[:2]
        common = {"workshop": workshop, "contact_name": "Kari", "contact_email": "k@k.example", "status": "waitlisted"}
        gave = registration_model.objects.create(municipality=oslo, municipality_input="Mer samarbeid.", **common)
        registration_model.objects.create(municipality=bergen, municipality_input="", **common)

        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    questions = list(
        ReflectionQuestion.objects.filter(workshop_id=workshop.pk).values_list(
            "position", "text", "required_before_workshop", "is_draft"
        )
    )
    assert questions == [
        (1, "Hva vil gjøre pilotprosjektet verdifullt?", False, False),
        (2, "Hvilken rolle har kulturskolen i kommunen deres i dag?", False, True),
        (3, "Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?", False, True),
        (4, "Hvem i og utenfor kommunen bør kulturskolen samarbeide mer med?", False, True),
    ]
    assert not ReflectionQuestion.objects.filter(workshop_id=plain.pk).exists()
    answer_set = AnswerSet.objects.get()
    assert (answer_set.registration_id, answer_set.status) == (gave.pk, AnswerSet.Status.SUBMITTED)
    assert answer_set.submitted_at == gave.created_at
    assert list(Answer.objects.values_list("question__position", "text")) == [(1, "Mer samarbeid.")]
