"""A delegation's answers to the reflection questions: saved as a draft, sent in, locked when the workshop starts."""

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from registrations.errors import Problem, RegistrationError
from registrations.models import ANSWER_MAX_LENGTH, Answer, AnswerSet, Registration
from workshops.audit import Actor, changes, log_action
from workshops.formatting import format_datetime
from workshops.models import ReflectionQuestion, Workshop


def answers_field(question: ReflectionQuestion) -> str:
    """The form field (and error anchor) of a question's answer."""
    return f"question_{question.pk}"


def answers_lock_time(*, workshop: Workshop) -> datetime.datetime | None:
    """When the answers lock: the start of the workshop's first session (None without sessions)."""
    return workshop.sessions.aggregate(first=Min("starts_at"))["first"]


def answers_are_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> bool:
    """Answers may change until the workshop starts: the second before its first session, yes; at it, no."""
    locks_at = answers_lock_time(workshop=workshop)
    return locks_at is None or (now or timezone.now()) < locks_at


def answers_check_open(*, workshop: Workshop, now: datetime.datetime | None = None) -> None:
    if not answers_are_open(workshop=workshop, now=now):
        starts = format_datetime(answers_lock_time(workshop=workshop))
        raise RegistrationError("answers_locked", starts=starts)


def answers_questions(*, workshop: Workshop) -> list[ReflectionQuestion]:
    """The questions a delegation answers, in order: the workshop's questions that are not drafts."""
    loaded = getattr(workshop, "published_questions", None)  # workshops.cache.published_workshops()
    if loaded is not None:
        return list(loaded)
    return list(ReflectionQuestion.objects.filter(workshop=workshop).published().order_by("position", "pk"))


def answers_save(
    *,
    registration: Registration,
    answers: Mapping[int, str],
    submit: bool,
    actor: Actor,
    now: datetime.datetime | None = None,
) -> AnswerSet:
    """Save a delegation's answers ({question id: text}); with ``submit``, send them in.

    Refused once the workshop has started (whoever acts: the answers are the input the workshop was
    built on), for a cancelled registration, for a question not among the workshop's published ones, for
    an answer longer than ANSWER_MAX_LENGTH, and, when sending in, while a required question is
    unanswered. A draft may leave any question empty. Saving without ``submit`` makes the set a draft again
    (sent-in answers are then taken back until they are sent in again). An empty text removes the answer.
    Side effects: the AnswerSet created or updated, Answer rows written or deleted; an "answers.saved" or
    "answers.submitted" log entry on the registration with the answers changed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().select_related("workshop").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            raise RegistrationError("registration_cancelled")
        answers_check_open(workshop=registration.workshop, now=now)
        questions = {q.pk: q for q in answers_questions(workshop=registration.workshop)}
        texts = _texts_checked(questions, answers)
        answer_set, _created = AnswerSet.objects.get_or_create(registration=registration)
        existing = {a.question_id: a for a in answer_set.answers.all()}
        merged = {pk: a.text for pk, a in existing.items()} | texts
        if submit:
            _check_required(questions, merged)
        before = {**_labelled(questions, {pk: a.text for pk, a in existing.items()}), "status": answer_set.status}
        _write(answer_set, existing, texts)
        if submit:
            answer_set.status, answer_set.submitted_at = AnswerSet.Status.SUBMITTED, now
        else:
            answer_set.status = AnswerSet.Status.DRAFT
        answer_set.save()
        after = {**_labelled(questions, {pk: t for pk, t in merged.items() if t}), "status": answer_set.status}
        log_action(
            actor=actor,
            action="answers.submitted" if submit else "answers.saved",
            obj=registration,
            workshop_id=registration.workshop_id,
            data={"changes": changes(before, after)},
        )
    return answer_set


def _texts_checked(questions: dict[int, ReflectionQuestion], answers: Mapping[int, str]) -> dict[int, str]:
    texts: dict[int, str] = {}
    problems: list[Problem] = []
    for pk, text in answers.items():
        question = questions.get(int(pk))
        if question is None:
            raise RegistrationError("question_not_available")
        text = (text or "").strip()
        if len(text) > ANSWER_MAX_LENGTH:
            problems.append(
                Problem("answer_too_long", {"maximum": ANSWER_MAX_LENGTH, "count": len(text)}, answers_field(question))
            )
        texts[question.pk] = text
    if problems:
        raise RegistrationError(problems=problems)
    return texts


def _check_required(questions: dict[int, ReflectionQuestion], merged: dict[int, str]) -> None:
    missing = [
        Problem("answer_required", {"question": q.text}, answers_field(q))
        for q in questions.values()
        if q.required_before_workshop and not merged.get(q.pk)
    ]
    if missing:
        raise RegistrationError(problems=missing)


def _write(answer_set: AnswerSet, existing: dict[int, Answer], texts: dict[int, str]) -> None:
    gone = [existing[pk].pk for pk, text in texts.items() if not text and pk in existing]
    changed = [existing[pk] for pk, text in texts.items() if text and pk in existing and existing[pk].text != text]
    for answer in changed:
        answer.text = texts[answer.question_id]
    new = [
        Answer(answer_set=answer_set, question_id=pk, text=text)
        for pk, text in texts.items()
        if text and pk not in existing
    ]
    Answer.objects.filter(pk__in=gone).delete()
    if changed:
        # bulk_update does not touch auto_now fields: set the time the answer changed ourselves.
        stamp = timezone.now()
        for answer in changed:
            answer.updated_at = stamp
        Answer.objects.bulk_update(changed, ["text", "updated_at"])
    Answer.objects.bulk_create(new)


def _labelled(questions: dict[int, ReflectionQuestion], texts: dict[int, str]) -> dict[str, str]:
    """{«question 2»: text}: the log names a question by its number on the page, not its database id."""
    numbers = {pk: number for number, pk in enumerate(questions, start=1)}
    return {f"question {numbers[pk]}": text for pk, text in texts.items() if pk in numbers}


def answers_from_registration_form(*, registration: Registration, question: ReflectionQuestion, text: str) -> None:
    """The answer to the first question, given on the registration form: saved as a draft.

    A draft, not sent in: the workshop's other questions (some perhaps required) are answered later through
    the delegation's link. Called by registration_create inside its transaction; its log entry holds it.
    Side effects: an AnswerSet (draft) and one Answer.
    """
    text = text.strip()
    if not text:
        return
    if question.workshop_id != registration.workshop_id or question.is_draft:
        raise RegistrationError("question_not_available")
    if len(text) > ANSWER_MAX_LENGTH:
        raise RegistrationError(
            "answer_too_long", field=answers_field(question), maximum=ANSWER_MAX_LENGTH, count=len(text)
        )
    answer_set = AnswerSet.objects.create(registration=registration)
    Answer.objects.create(answer_set=answer_set, question=question, text=text)
