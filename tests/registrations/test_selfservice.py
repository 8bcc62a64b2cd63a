"""Self-service through the secret link: the page, the change form and the cancellation, at their boundaries.

The emails these changes cause are tested in tests/notifications/test_selfservice_emails.py.
"""

import uuid

import pytest
from django.test import Client

from registrations.models import Participant, Registration, Role
from tests.conftest import delegation, oslo, register
from tests.registrations.conftest import error_summary, page_text
from tests.registrations.selfservice import change_data, current_rows, new_row, opened, page_url
from workshops.models import ActionLog, Session

DEADLINE_SECOND = oslo(2021, 3, 1, 23, 59, 59)
AFTER_DEADLINE = oslo(2021, 3, 2, 0, 0, 0)


@pytest.fixture(autouse=True)
def reply_to(settings):
    """Whom the pages tell to write to once self-service is over: the first Reply-To address."""
    settings.EMAIL_REPLY_TO = ["hjelp@kulturskoleradet.no", "post@kulturskoleradet.no"]


@pytest.fixture
def registration(workshop, before_deadline) -> Registration:
    return register(workshop, "5401", people=delegation(3, prefix="t"))  # Tromsø


@pytest.fixture
def visitor(client, registration) -> Client:
    return opened(client, registration)


def names(registration: Registration) -> list[str]:
    return list(registration.participants.order_by("pk").values_list("name", flat=True))


# --- The page behind the link ------------------------------------------------------------------------


def test_the_page_shows_the_delegation_its_session_what_comes_next_and_what_it_can_do(visitor, registration):
    response = visitor.get(page_url(registration))

    text = page_text(response)
    assert "Tromsø har fått plass på økten Formiddag: onsdag 10. mars 2021 kl. 09.00–11.30." in text
    assert "Person t1" in text and "Person t3" in text
    assert "Dette skjer videre" in text
    assert (
        "Til påmeldingsfristen, mandag 1. mars 2021 kl. 23.59, kan dere legge til, fjerne eller bytte ut deltakere"
        in text
    )
    content = response.content.decode()
    assert f'href="{page_url(registration, "change")}"' in content
    assert f'href="{page_url(registration, "cancel")}"' in content
    assert "no-store" in response["Cache-Control"]


def test_a_waiting_delegation_sees_its_place(client, workshop, main_session, before_deadline):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    register(workshop, "0301")
    waiting = register(workshop, "5401")

    text = page_text(opened(client, waiting).get(page_url(waiting)))
    assert "Tromsø er nummer 1 på ventelisten." in text


@pytest.mark.parametrize("action", ["", "change", "cancel"])
def test_without_the_link_no_page_opens(client, registration, action):
    response = client.get(page_url(registration, action))
    assert response.status_code == 403
    assert "Person t1" not in page_text(response)
    if action:
        assert client.post(page_url(registration, action), {}).status_code == 403


# --- Change ---------------------------------------------------------------------------------------------


def test_the_change_form_is_prefilled_with_the_contact_and_the_rows_and_their_ids(visitor, registration):
    response = visitor.get(page_url(registration, "change"))

    content = response.content.decode()
    first = registration.participants.order_by("pk").first()
    assert f'name="participants-0-id" value="{first.pk}"' in content
    assert 'name="participants-0-name" value="Person t1"' in content
    assert 'name="contact_email" value="kari@kommune.example"' in content
    assert 'name="participants-INITIAL_FORMS" value="3"' in content
    assert "no-store" in response["Cache-Control"]


def test_an_edited_row_keeps_its_id_a_removed_row_goes_and_a_new_one_joins(visitor, registration):
    rows = current_rows(registration)
    kept_id = int(rows[0]["id"])
    rows[0]["title"] = "Kulturskolerektor"
    rows[2]["DELETE"] = "on"
    rows.append(new_row("Nina Ny", "nina@kommune.example", Role.MUNICIPAL_SERVICE))

    response = visitor.post(page_url(registration, "change"), change_data(registration, rows))

    assert response.status_code == 302
    assert response["Location"] == page_url(registration)
    assert names(registration) == ["Person t1", "Person t2", "Nina Ny"]
    assert Participant.objects.get(pk=kept_id).title == "Kulturskolerektor"
    text = page_text(visitor.get(page_url(registration)))
    assert "Endringene er lagret." in text


def test_the_change_is_recorded_as_self_service(visitor, registration):
    rows = [*current_rows(registration), new_row("Nina Ny", "nina@kommune.example", Role.MUNICIPAL_SERVICE)]
    visitor.post(page_url(registration, "change"), change_data(registration, rows, contact_name="Ola Ny"))

    entry = ActionLog.objects.get(action="registration.changed")
    assert (entry.actor_kind, entry.user) == (ActionLog.ActorKind.SELF_SERVICE, None)
    assert entry.data["changes"] == {"contact_name": ["Kari Kontakt", "Ola Ny"]}
    assert [p["email"] for p in entry.data["added"]] == ["nina@kommune.example"]


def test_a_change_in_the_deadline_second_is_saved(client, registration, time_machine):
    time_machine.move_to(DEADLINE_SECOND, tick=False)
    # Opened again: two weeks later the session that held the link has expired.
    visitor = opened(client, registration)
    response = visitor.post(page_url(registration, "change"), change_data(registration, contact_name="Ola Ny"))

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.contact_name == "Ola Ny"


def test_a_change_one_second_after_the_deadline_is_refused_and_says_whom_to_ask(client, registration, time_machine):
    data = change_data(registration, contact_name="Ola Ny")
    time_machine.move_to(AFTER_DEADLINE, tick=False)
    visitor = opened(client, registration)
    response = visitor.post(page_url(registration, "change"), data)

    assert response.status_code == 403
    text = page_text(response)
    assert "Påmeldingsfristen (mandag 1. mars 2021 kl. 23.59) er passert" in text
    assert "skriv til hjelp@kulturskoleradet.no" in text
    registration.refresh_from_db()
    assert registration.contact_name == "Kari Kontakt"
    assert not ActionLog.objects.filter(action="registration.changed").exists()


def test_after_the_deadline_the_page_is_read_only_and_says_whom_to_contact(client, registration, time_machine):
    time_machine.move_to(AFTER_DEADLINE, tick=False)
    visitor = opened(client, registration)
    response = visitor.get(page_url(registration))

    text = page_text(response)
    assert "Person t1" in text
    assert "kan ikke lenger endres eller avmeldes her" in text
    assert "skriv til hjelp@kulturskoleradet.no" in text
    content = response.content.decode()
    assert page_url(registration, "change") not in content
    assert page_url(registration, "cancel") not in content
    assert visitor.get(page_url(registration, "change")).status_code == 403


def test_a_change_that_breaks_the_representatives_rule_saves_nothing_and_says_why(visitor, registration):
    rows = current_rows(registration)
    rows[1]["DELETE"] = "on"  # the municipal leader
    rows.append(new_row("Per Frivillig", "per@lag.example", Role.VOLUNTARY_SECTOR))

    response = visitor.post(page_url(registration, "change"), change_data(registration, rows))

    assert response.status_code == 200
    assert error_summary(response) == [
        (
            "Delegasjonen må ha med minst én annen leder i kommunen i tillegg til kulturskolelederen.",
            "participants",
        )
    ]
    assert names(registration) == ["Person t1", "Person t2", "Person t3"]
    assert not ActionLog.objects.filter(action="registration.changed").exists()


def test_an_added_participant_who_does_not_fit_the_session_is_refused_and_nothing_is_saved(
    visitor, registration, main_session
):
    Session.objects.filter(pk=main_session.pk).update(capacity=3)
    rows = [*current_rows(registration), new_row("Nina Ny", "nina@kommune.example", Role.MUNICIPAL_SERVICE)]

    response = visitor.post(page_url(registration, "change"), change_data(registration, rows, contact_name="Ola Ny"))

    assert response.status_code == 200
    assert error_summary(response) == [
        ("Formiddag har ikke plass til hele delegasjonen (ledige plasser: 3; delegasjonen: 4).", "participants")
    ]
    assert names(registration) == ["Person t1", "Person t2", "Person t3"]
    registration.refresh_from_db()
    assert registration.contact_name == "Kari Kontakt"


def test_a_field_error_and_a_delegation_problem_are_reported_together(visitor, registration):
    rows = current_rows(registration)
    rows[0]["email"] = "not-an-address"
    rows[1]["DELETE"] = "on"

    response = visitor.post(page_url(registration, "change"), change_data(registration, rows))

    summary = [message for message, _anchor in error_summary(response)]
    assert summary == [
        "Delegasjonen må ha med minst én annen leder i kommunen i tillegg til kulturskolelederen.",
        "Deltaker 1, E-post: Oppgi en gyldig e-postadresse",
    ]


def test_a_preferred_session_without_room_for_all_keeps_the_seat_and_the_page_says_so(
    visitor, registration, main_session, overflow_session
):
    Session.objects.filter(pk=overflow_session.pk).update(is_open=True, capacity=2)
    form = visitor.get(page_url(registration, "change"))
    assert "Ønsket økt" in page_text(form)

    data = change_data(registration, preferred_session=overflow_session.pk)
    page = visitor.get(visitor.post(page_url(registration, "change"), data)["Location"])

    assert (
        "Ettermiddag har ikke plass til hele delegasjonen, så den beholder plassene sine i Formiddag. "
        "Ønsket er lagret." in page_text(page)
    )
    registration.refresh_from_db()
    assert (registration.session, registration.preferred_session) == (main_session, overflow_session)


def test_add_participant_without_javascript_adds_a_row_and_saves_nothing(visitor, registration):
    data = change_data(registration, contact_name="Ola Ny", add_participant="1")
    response = visitor.post(page_url(registration, "change"), data)

    content = response.content.decode()
    assert 'name="participants-TOTAL_FORMS" value="4"' in content
    assert 'name="participants-3-name"' in content
    assert 'name="contact_name" value="Ola Ny"' in content
    assert error_summary(response) == []
    registration.refresh_from_db()
    assert registration.contact_name == "Kari Kontakt"


# --- Cancel ---------------------------------------------------------------------------------------------


def test_the_cancel_page_says_what_will_happen_and_changes_nothing(visitor, registration):
    response = visitor.get(page_url(registration, "cancel"))

    text = page_text(response)
    assert "delegasjonens 3 plasser i Formiddag går til de neste delegasjonene på ventelisten" in text
    assert "no-store" in response["Cache-Control"]
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_cancelling_in_the_deadline_second_gives_the_seats_to_the_waiting_list(
    client, workshop, main_session, before_deadline, time_machine
):
    Session.objects.filter(pk=main_session.pk).update(capacity=3)
    leaving = register(workshop, "5401", people=delegation(3))
    waiting = register(workshop, "0301")

    time_machine.move_to(DEADLINE_SECOND, tick=False)
    visitor = opened(client, leaving)
    response = visitor.post(page_url(leaving, "cancel"))

    assert response.status_code == 302
    leaving.refresh_from_db()
    waiting.refresh_from_db()
    assert (leaving.status, leaving.session) == (Registration.Status.CANCELLED, None)
    assert (waiting.status, waiting.session) == (Registration.Status.CONFIRMED, main_session)
    cancelled = ActionLog.objects.get(action="registration.cancelled")
    assert cancelled.actor_kind == ActionLog.ActorKind.SELF_SERVICE
    promoted = ActionLog.objects.get(action="registration.promoted")
    assert (promoted.object_id, promoted.actor_kind) == (waiting.pk, ActionLog.ActorKind.SELF_SERVICE)
    # After cancelling the page says so and offers nothing more.
    page = visitor.get(page_url(leaving))
    assert "Kommunen er meldt av dette verkstedet." in page_text(page)
    assert "Påmeldingen er avmeldt." in page_text(page)
    assert page_url(leaving, "change") not in page.content.decode()
    assert visitor.get(page_url(leaving, "change")).status_code == 403
    assert visitor.post(page_url(leaving, "cancel")).status_code == 403


def test_cancelling_one_second_after_the_deadline_is_refused(client, registration, time_machine):
    time_machine.move_to(AFTER_DEADLINE, tick=False)
    visitor = opened(client, registration)
    response = visitor.post(page_url(registration, "cancel"))

    assert response.status_code == 403
    assert "skriv til hjelp@kulturskoleradet.no" in page_text(response)
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert not ActionLog.objects.filter(action="registration.cancelled").exists()


# --- Protection -----------------------------------------------------------------------------------------


def test_the_posts_need_the_csrf_token(registration):
    visitor = opened(Client(enforce_csrf_checks=True), registration)
    assert visitor.post(page_url(registration, "cancel")).status_code == 403
    assert visitor.post(page_url(registration, "change"), change_data(registration)).status_code == 403
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED


def test_the_posts_count_toward_the_rate_limit(settings, visitor, registration):
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_REGISTRATION = "2/m"
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    data = change_data(registration, add_participant="1")
    assert [visitor.post(page_url(registration, "change"), data).status_code for _ in range(2)] == [200, 200]

    refused = visitor.post(page_url(registration, "cancel"))
    assert refused.status_code == 429
    assert "Retry-After" in refused
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
