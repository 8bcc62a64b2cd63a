"""A delegation's answers to the reflection questions: draft and submit, the lock at the workshop's start,
one answer set per registration, and the page behind the secret link."""

import datetime
import uuid

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Answer, AnswerSet
from tests.conftest import STAFF, oslo, register
from tests.registrations.conftest import page_text
from workshops import audit
from workshops.models import ActionLog, ReflectionQuestion

pytestmark = pytest.mark.django_db
STARTS = oslo(2021, 3, 10, 9, 0)  # the fixture workshop's first session
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture
def questions(workshop) -> list[ReflectionQuestion]:
    """The fixture's two questions, the second required, and a third still a draft (not asked)."""
    first, second = workshop.questions.order_by("position")
    second.required_before_workshop = True
    second.save()
    draft = ReflectionQuestion.objects.create(workshop=workshop, position=3, text="Utkast?", is_draft=True)
    return [first, second, draft]


@pytest.fixture
def registration(workshop, before_deadline):
    return register(workshop, "0301")


def saved(registration) -> dict[str, str]:
    return dict(Answer.objects.filter(answer_set__registration=registration).values_list("question__text", "text"))


# --- The service ------------------------------------------------------------------------------------


def test_a_draft_may_leave_a_required_question_empty(registration, questions):
    first, second, _draft = questions

    answer_set = services.answers_save(
        registration=registration, answers={first.pk: "  Samskaping.  "}, submit=False, actor=audit.SELF_SERVICE
    )

    answer_set.refresh_from_db()
    assert (answer_set.status, answer_set.submitted_at) == (AnswerSet.Status.DRAFT, None)
    assert saved(registration) == {first.text: "Samskaping."}


def test_sending_in_needs_the_required_question_answered(registration, questions):
    first, second, _draft = questions
    services.answers_save(registration=registration, answers={first.pk: "Samskaping."}, submit=False, actor=STAFF)

    with pytest.raises(RegistrationError) as refused:
        services.answers_save(registration=registration, answers={second.pk: "  "}, submit=True, actor=STAFF)

    assert refused.value.codes == ["answer_required"]
    assert refused.value.problems[0].field == f"question_{second.pk}"
    assert AnswerSet.objects.get(registration=registration).status == AnswerSet.Status.DRAFT


def test_sending_in_with_the_required_question_answered_submits_and_logs(registration, questions, time_machine):
    first, second, _draft = questions
    services.answers_save(registration=registration, answers={first.pk: "Samskaping."}, submit=False, actor=STAFF)
    time_machine.move_to(oslo(2021, 2, 20, 10, 0), tick=False)

    services.answers_save(
        registration=registration, answers={second.pk: "Kulturarenaen."}, submit=True, actor=audit.SELF_SERVICE
    )

    answer_set = AnswerSet.objects.get(registration=registration)
    assert (answer_set.status, answer_set.submitted_at) == (AnswerSet.Status.SUBMITTED, oslo(2021, 2, 20, 10, 0))
    # The answer to the first question was kept: a save changes only the questions it names.
    assert saved(registration) == {first.text: "Samskaping.", second.text: "Kulturarenaen."}
    entry = ActionLog.objects.filter(action="answers.submitted").get()
    assert (entry.actor_kind, entry.object_id) == ("self_service", registration.pk)
    assert entry.data["changes"] == {
        "question 2": [None, "Kulturarenaen."],
        "status": ["draft", "submitted"],
    }


def test_an_empty_text_removes_the_answer_and_a_draft_save_takes_a_submitted_set_back(registration, questions):
    first, second, _draft = questions
    answers = {first.pk: "Samskaping.", second.pk: "Kulturarenaen."}
    services.answers_save(registration=registration, answers=answers, submit=True, actor=STAFF)

    services.answers_save(registration=registration, answers={first.pk: ""}, submit=False, actor=STAFF)

    assert saved(registration) == {second.text: "Kulturarenaen."}
    assert AnswerSet.objects.get(registration=registration).status == AnswerSet.Status.DRAFT


def test_the_answers_lock_when_the_workshop_starts(registration, questions):
    first = questions[0]

    services.answers_save(
        registration=registration, answers={first.pk: "Siste sekund."}, submit=False, actor=STAFF, now=STARTS - SECOND
    )
    with pytest.raises(RegistrationError) as refused:
        services.answers_save(
            registration=registration, answers={first.pk: "For sent."}, submit=False, actor=STAFF, now=STARTS
        )

    assert refused.value.codes == ["answers_locked"]
    assert "onsdag 10. mars 2021 kl. 09.00" in refused.value.messages[0]
    assert saved(registration) == {first.text: "Siste sekund."}
    assert services.answers_are_open(workshop=registration.workshop, now=STARTS - SECOND)
    assert not services.answers_are_open(workshop=registration.workshop, now=STARTS)


@pytest.mark.parametrize(
    ("which", "text", "code"),
    [("draft", "Hei", "question_not_available"), ("first", "å" * 4001, "answer_too_long")],
)
def test_a_draft_question_or_a_too_long_answer_is_refused(registration, questions, which, text, code):
    question = questions[2] if which == "draft" else questions[0]
    with pytest.raises(RegistrationError) as refused:
        services.answers_save(registration=registration, answers={question.pk: text}, submit=False, actor=STAFF)
    assert refused.value.codes == [code]
    assert not AnswerSet.objects.exists()


def test_a_question_of_another_workshop_is_refused(registration, questions, workshop):
    from tests.conftest import create_workshop

    other = create_workshop(day=datetime.date(2021, 4, 1), deadline=oslo(2021, 3, 20, 0, 0), slug="other")
    foreign = other.questions.first()
    with pytest.raises(RegistrationError) as refused:
        services.answers_save(registration=registration, answers={foreign.pk: "Hei"}, submit=False, actor=STAFF)
    assert refused.value.codes == ["question_not_available"]


def test_a_cancelled_registration_cannot_answer(registration, questions):
    services.registration_cancel(registration=registration, actor=STAFF)
    with pytest.raises(RegistrationError) as refused:
        services.answers_save(registration=registration, answers={questions[0].pk: "Hei"}, submit=False, actor=STAFF)
    assert refused.value.codes == ["registration_cancelled"]


def test_the_database_holds_one_answer_set_per_registration(registration, questions):
    answer_set = services.answers_save(
        registration=registration, answers={questions[0].pk: "Hei"}, submit=False, actor=STAFF
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerSet.objects.create(registration=registration)
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(answer_set=answer_set, question=questions[0], text="To svar")
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(answer_set=answer_set, question=questions[1], text="å" * 4001)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerSet.objects.filter(pk=answer_set.pk).update(status=AnswerSet.Status.SUBMITTED, submitted_at=None)
    assert AnswerSet.objects.count() == 1


# --- The page behind the link ------------------------------------------------------------------------


def opened(registration) -> Client:
    """A browser that opened the delegation's link (in English)."""
    client = Client()
    client.cookies["django_language"] = "en"
    client.get(f"/r/{registration.access_id}/{registration.token}/")
    return client


def url(registration) -> str:
    return f"/registration/{registration.access_id}/answers/"


def test_without_the_link_the_page_says_how_to_open_it(client, registration, questions):
    response = client.get(url(registration))
    assert response.status_code == 403
    assert client.post(url(registration), {"submit": "1"}).status_code == 403
    assert not AnswerSet.objects.exists()


def test_the_delegation_page_links_to_the_answers(registration, questions):
    response = opened(registration).get(f"/registration/{registration.access_id}/")
    assert f'href="{url(registration)}"' in response.content.decode()


def test_the_page_saves_a_draft_then_refuses_to_send_in_without_the_required_answer(registration, questions):
    first, second, _draft = questions
    client = opened(registration)

    page = page_text(client.get(url(registration)))
    assert f"1. {first.text}" in page and f"2. {second.text} (required before sending in)" in page
    assert "Utkast?" not in page

    response = client.post(url(registration), {f"question_{first.pk}": "Samskaping.", "draft": "1"}, follow=True)
    assert "The draft is saved." in page_text(response)
    assert "saved as a draft and not sent in yet" in page_text(response)

    refused = client.post(url(registration), {f"question_{first.pk}": "Samskaping.", "submit": "1"})
    assert refused.status_code == 200
    assert f"Answer this question before you send in the answers: «{second.text}»" in page_text(refused)
    assert AnswerSet.objects.get().status == AnswerSet.Status.DRAFT
    assert "no-store" in response["Cache-Control"]


def test_the_page_sends_in_and_says_so(registration, questions, time_machine):
    first, second, _draft = questions
    client = opened(registration)
    data = {f"question_{first.pk}": "Samskaping.", f"question_{second.pk}": "Kulturarenaen.", "submit": "1"}

    response = client.post(url(registration), data, follow=True)

    assert "Your answers are sent in. Thank you!" in page_text(response)
    assert "The answers were sent in on Monday 15 February 2021, 12:00." in page_text(response)
    assert saved(registration) == {first.text: "Samskaping.", second.text: "Kulturarenaen."}


def test_after_the_start_the_page_is_read_only_and_a_post_changes_nothing(registration, questions, time_machine):
    first = questions[0]
    services.answers_save(registration=registration, answers={first.pk: "Før start."}, submit=False, actor=STAFF)
    time_machine.move_to(STARTS, tick=False)
    client = opened(registration)

    page = client.get(url(registration))
    response = client.post(url(registration), {f"question_{first.pk}": "Etter start.", "submit": "1"})

    assert "The workshop started Wednesday 10 March 2021, 09:00: the answers can no longer be changed." in (
        page_text(page)
    )
    assert "disabled" in page.content.decode() and "Send in" not in page_text(page)
    assert response.status_code == 200
    assert saved(registration) == {first.text: "Før start."}


def test_posts_are_rate_limited(registration, questions, settings):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_REGISTRATION = "2/m"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    client = opened(registration)
    data = {f"question_{questions[0].pk}": "Hei", "draft": "1"}

    statuses = [client.post(url(registration), data).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
