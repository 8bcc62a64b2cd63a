"""What the pages say matches the state they describe: found by using the site as its visitors do."""

from registrations import services
from tests.conftest import STAFF, oslo, register
from tests.registrations.conftest import page_text
from tests.registrations.selfservice import opened, page_url

REGISTER_URL = "/workshops/kulturskole-3-0/"
EXTRA_SESSION = "If interest is very large, an extra session may be opened later the same day (12:30–15:00)."


def test_before_the_deadline_the_page_says_until_when_and_that_an_extra_session_may_come(
    en_client, workshop, time_machine
):
    time_machine.move_to(oslo(2021, 3, 1, 23, 59, 59), tick=False)
    text = page_text(en_client.get(REGISTER_URL))
    assert "Registration is open until 23:59 (Norwegian time) that day." in text
    assert EXTRA_SESSION in text


def test_after_the_deadline_the_page_says_it_closed_and_promises_no_extra_session(en_client, workshop, time_machine):
    time_machine.move_to(oslo(2021, 3, 2, 0, 0, 0), tick=False)
    text = page_text(en_client.get(REGISTER_URL))
    assert "Registration closed at 23:59 (Norwegian time) that day." in text
    assert "Registration is open until" not in text
    assert EXTRA_SESSION not in text


CHANGES_ONE = "change the contact person, or cancel the registration here."
CHANGES_TWO = "change the contact person and the preferred session, or cancel the registration here."


def test_the_delegation_page_offers_a_preferred_session_only_when_there_is_a_choice(
    en_client, workshop, overflow_session, before_deadline
):
    registration = register(workshop, "5401", language="en")
    visitor = opened(en_client, registration)
    text = page_text(visitor.get(page_url(registration)))
    assert CHANGES_ONE in text and CHANGES_TWO not in text

    services.session_open(session=overflow_session, actor=STAFF)
    text = page_text(visitor.get(page_url(registration)))
    assert CHANGES_TWO in text and CHANGES_ONE not in text


DRAFT_NOTE = (
    "Your answers so far are saved as a draft. Send them in on the same page when the delegation agrees on them."
)


def test_the_delegation_page_says_when_the_answer_given_on_the_form_is_still_a_draft(
    en_client, workshop, before_deadline
):
    with_input = register(workshop, "5401", language="en", municipality_input="Et levende lokalsamfunn.")
    without = register(workshop, "4601", language="en")

    assert DRAFT_NOTE in page_text(opened(en_client, with_input).get(page_url(with_input)))
    assert DRAFT_NOTE not in page_text(opened(en_client, without).get(page_url(without)))


def test_what_staff_wrote_in_bokmaal_is_marked_bokmaal_on_pages_in_other_languages(
    client, en_client, workshop, before_deadline
):
    """WCAG 3.1.2: a screen reader reads the workshop's own texts with a Norwegian voice on the English page."""
    english = en_client.get(REGISTER_URL).content.decode()
    assert f'<p class="lead" lang="nb">{workshop.summary}</p>' in english
    assert f'<dd class="col-sm-8" lang="nb">{workshop.target_group}</dd>' in english
    bokmaal = client.get(REGISTER_URL).content.decode()
    assert f'<p class="lead">{workshop.summary}</p>' in bokmaal
    assert 'lang="nb">' not in bokmaal.split("<body", 1)[1]
