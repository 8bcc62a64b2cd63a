"""Turning the old free-text question fields into ReflectionQuestion rows (used by a data migration).

Before the questions were rows, a workshop had ``input_question`` (one line, asked on the registration form,
answered into ``Registration.municipality_input``) and ``reflection_questions`` (numbered lines sent with the
material). Here, the input question becomes question 1 (not required), each numbered line a question after
it, and the input a delegation gave becomes its submitted answer to question 1. Kept outside the migration
file so a test can run it on rows, whatever number the migration ends up with.
"""

import re
from dataclasses import dataclass

# The seed and the organisers marked unfinished text with a first line like «[Utkast – redigeres …]».
DRAFT_LINE = re.compile(r"^\s*\[(utkast|draft)", re.IGNORECASE)
NUMBERED_LINE = re.compile(r"^\s*\d+\s*[.)]\s*(?P<text>.+)$")
# The old input question could have been removed while answers to it remained.
UNNAMED_INPUT_QUESTION = "Kommunens innspill"
QUESTION_MAX_LENGTH = 500


@dataclass(frozen=True)
class ParsedQuestion:
    text: str
    help_text: str = ""


def reflection_lines_parse(text: str) -> tuple[list[ParsedQuestion], bool]:
    """The questions in the old ``reflection_questions`` text, and whether it was marked as a draft.

    A numbered line («1. …», «2) …») starts a question; an unnumbered line goes into the help text of the
    question before it (or is a question of its own when none came before), so no text is lost. A line that
    starts with «[Utkast» or «[Draft» is dropped and marks the questions as a draft.
    """
    questions: list[list[str]] = []
    is_draft = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if DRAFT_LINE.match(line):
            is_draft = True
            continue
        numbered = NUMBERED_LINE.match(line)
        if numbered or not questions:
            questions.append([numbered.group("text").strip() if numbered else line])
        else:
            questions[-1].append(line)
    parsed = []
    for text_line, *more in questions:
        help_text = "\n".join(more)
        if len(text_line) > QUESTION_MAX_LENGTH:  # too long for a question: the rest goes to the help text
            help_text = "\n".join([text_line[QUESTION_MAX_LENGTH:], *more]).strip()
            text_line = text_line[:QUESTION_MAX_LENGTH]
        parsed.append(ParsedQuestion(text_line, help_text))
    return parsed, is_draft


def questions_from_old_texts(apps, schema_editor) -> None:
    """RunPython: the questions and the input answers of every workshop that has no questions yet."""
    workshop_model = apps.get_model("workshops", "Workshop")
    question_model = apps.get_model("workshops", "ReflectionQuestion")
    registration_model = apps.get_model("registrations", "Registration")
    answer_set_model = apps.get_model("registrations", "AnswerSet")
    answer_model = apps.get_model("registrations", "Answer")
    for workshop in workshop_model.objects.filter(questions__isnull=True).order_by("pk"):
        given = list(registration_model.objects.filter(workshop=workshop).exclude(municipality_input="").order_by("pk"))
        position = 0
        first = None
        input_question = workshop.input_question.strip()
        if input_question or given:
            position += 1
            first = question_model.objects.create(
                workshop=workshop, position=position, text=input_question or UNNAMED_INPUT_QUESTION
            )
        parsed, is_draft = reflection_lines_parse(workshop.reflection_questions)
        for question in parsed:
            position += 1
            question_model.objects.create(
                workshop=workshop,
                position=position,
                text=question.text,
                help_text=question.help_text,
                is_draft=is_draft,
            )
        for registration in given:
            answer_set = answer_set_model.objects.create(
                registration=registration, status="submitted", submitted_at=registration.created_at
            )
            answer_model.objects.create(answer_set=answer_set, question=first, text=registration.municipality_input)
