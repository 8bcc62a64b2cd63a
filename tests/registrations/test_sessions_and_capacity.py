"""Rule 4: sessions, capacity, the waiting list and the overflow session."""

import pytest

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Registration
from registrations.selectors import sessions_with_seats, waitlist_position
from tests.conftest import STAFF, delegation, register

pytestmark = pytest.mark.usefixtures("before_deadline")
WAITLISTED = Registration.Status.WAITLISTED
CONFIRMED = Registration.Status.CONFIRMED


@pytest.fixture
def small(workshop, main_session, overflow_session):
    """Ten seats in each session, so the boundaries are few registrations away."""
    main_session.capacity = 10
    main_session.save()
    overflow_session.capacity = 10
    overflow_session.save()
    return workshop


def seats(workshop) -> dict[str, int]:
    return {s.label: s.seats_taken for s in sessions_with_seats(workshop=workshop)}


def test_a_delegation_goes_to_the_main_session(small, main_session):
    registration = register(small, "0301", delegation(3))
    assert (registration.status, registration.session) == (CONFIRMED, main_session)


def test_the_last_free_seats_of_the_main_session_are_taken_whole(small, main_session):
    register(small, "0301", delegation(6, "a"))
    last = register(small, "1103", delegation(4, "b"))  # exactly the 4 seats left
    assert (last.status, last.session) == (CONFIRMED, main_session)
    assert seats(small) == {"Formiddag": 10, "Ettermiddag": 0}


def test_a_delegation_one_seat_too_large_waits_and_is_never_split(small):
    register(small, "0301", delegation(6, "a"))
    waiting = register(small, "1103", delegation(5, "b"))  # 4 seats left
    assert (waiting.status, waiting.session) == (WAITLISTED, None)
    assert waitlist_position(registration=waiting) == 1
    assert seats(small) == {"Formiddag": 6, "Ettermiddag": 0}


def test_a_smaller_delegation_still_fits_after_a_larger_one_waits(small, main_session):
    register(small, "0301", delegation(6, "a"))
    register(small, "1103", delegation(5, "b"))
    fits = register(small, "1106", delegation(4, "c"))
    assert fits.session == main_session


def test_with_the_overflow_open_a_full_main_sends_delegations_to_the_overflow(small, overflow_session):
    services.session_open(session=overflow_session, actor=STAFF)
    register(small, "0301", delegation(6, "a"))
    second = register(small, "1103", delegation(5, "b"))
    assert (second.status, second.session) == (CONFIRMED, overflow_session)


def test_a_preference_for_the_open_overflow_is_honoured(small, overflow_session):
    services.session_open(session=overflow_session, actor=STAFF)
    registration = register(small, "0301", delegation(2), preferred_session=overflow_session)
    assert registration.session == overflow_session


def test_a_preference_for_a_closed_session_is_refused(small, overflow_session):
    with pytest.raises(RegistrationError) as caught:
        register(small, "0301", delegation(2), preferred_session=overflow_session)
    assert caught.value.codes == ["session_not_available"]
    assert Registration.objects.count() == 0


def test_when_every_open_session_is_full_the_delegation_waits(small, overflow_session):
    services.session_open(session=overflow_session, actor=STAFF)
    register(small, "0301", delegation(6, "a"))
    register(small, "1103", delegation(6, "b"))
    waiting = register(small, "1106", delegation(5, "c"))
    assert waiting.status == WAITLISTED
    assert seats(small) == {"Formiddag": 6, "Ettermiddag": 6}


def test_opening_the_overflow_moves_the_waiting_list_in_registration_order_each_whole(small, overflow_session):
    register(small, "0301", delegation(6, "a"))
    first = register(small, "1103", delegation(6, "b"))
    second = register(small, "1106", delegation(6, "c"))  # will not fit after the first
    third = register(small, "1108", delegation(4, "d"))  # fits beside the first
    assert third.session is not None  # 4 seats were still free in the main session
    fourth = register(small, "1111", delegation(3, "e"))
    assert [r.status for r in (first, second, fourth)] == [WAITLISTED] * 3

    promoted = services.session_open(session=overflow_session, actor=STAFF)

    assert [r.pk for r in promoted] == [first.pk, fourth.pk]
    for r in (first, second, fourth):
        r.refresh_from_db()
    assert (first.status, first.session) == (CONFIRMED, overflow_session)
    assert (second.status, second.session) == (WAITLISTED, None)
    assert (fourth.status, fourth.session) == (CONFIRMED, overflow_session)
    assert waitlist_position(registration=second) == 1
    overflow_session.refresh_from_db()
    assert overflow_session.is_open is True
    assert seats(small) == {"Formiddag": 10, "Ettermiddag": 9}


def test_a_cancellation_gives_its_seats_to_the_waiting_list(small, main_session):
    leaving = register(small, "0301", delegation(6, "a"))
    waiting = register(small, "1103", delegation(6, "b"))
    services.registration_cancel(registration=leaving, actor=STAFF)
    waiting.refresh_from_db()
    leaving.refresh_from_db()
    assert (leaving.status, leaving.session) == (Registration.Status.CANCELLED, None)
    assert (waiting.status, waiting.session) == (CONFIRMED, main_session)


def test_raising_the_capacity_promotes_the_waiting_list(small, main_session):
    register(small, "0301", delegation(6, "a"))
    waiting = register(small, "1103", delegation(6, "b"))
    main_session.capacity = 12
    main_session.save()
    services.waitlist_promote(workshop=small, actor=STAFF)
    waiting.refresh_from_db()
    assert waiting.session == main_session


def test_staff_move_a_delegation_to_a_session_with_room(small, overflow_session):
    registration = register(small, "0301", delegation(3))
    services.registration_move(registration=registration, session=overflow_session, actor=STAFF)
    registration.refresh_from_db()
    assert (registration.status, registration.session) == (CONFIRMED, overflow_session)


def test_a_move_into_a_session_without_room_for_all_is_refused(small, main_session, overflow_session):
    services.session_open(session=overflow_session, actor=STAFF)
    register(small, "0301", delegation(6, "a"))
    moving = register(small, "1106", delegation(5, "c"))  # 4 seats left in the main session
    assert moving.session == overflow_session
    with pytest.raises(RegistrationError) as caught:
        services.registration_move(registration=moving, session=main_session, actor=STAFF)
    assert caught.value.messages == [
        "Formiddag har ikke plass til hele delegasjonen (ledige plasser: 4; delegasjonen: 5)."
    ]
    moving.refresh_from_db()
    assert moving.session == overflow_session


def test_a_confirmed_delegation_cannot_grow_past_its_sessions_free_seats(small, main_session):
    registration = register(small, "0301", delegation(4, "a"))
    register(small, "1103", delegation(6, "b"))
    with pytest.raises(RegistrationError) as caught:
        services.registration_update(
            registration=registration,
            contact=services.ContactData("K", "k@x.no"),
            participants=delegation(5, "a"),
            actor=STAFF,
        )
    assert caught.value.codes == ["session_full"]
    assert registration.participants.count() == 4


def test_an_update_keeps_participant_ids_matched_by_email(small):
    registration = register(small, "0301", delegation(3, "a"))
    before = dict(registration.participants.values_list("email", "pk"))
    people = delegation(3, "a")[:2] + delegation(4, "z")[3:]
    services.registration_update(
        registration=registration, contact=services.ContactData("K", "k@x.no"), participants=people, actor=STAFF
    )
    after = dict(registration.participants.values_list("email", "pk"))
    assert after["a1@kommune.example"] == before["a1@kommune.example"]
    assert after["a2@kommune.example"] == before["a2@kommune.example"]
    assert "a3@kommune.example" not in after
    assert "z4@kommune.example" in after
    assert registration.participants.count() == 3


def test_two_participants_may_swap_email_addresses(small):
    registration = register(small, "0301", delegation(2, "a"))
    first, second = registration.participants.order_by("pk")
    people = [
        services.ParticipantData(name=first.name, email=second.email, role=first.role, id=first.pk),
        services.ParticipantData(name=second.name, email=first.email, role=second.role, id=second.pk),
    ]
    services.registration_update(
        registration=registration, contact=services.ContactData("K", "k@x.no"), participants=people, actor=STAFF
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.email, second.email) == ("a2@kommune.example", "a1@kommune.example")


def test_the_hot_path_count_of_seats_is_the_pages_count(small, main_session, overflow_session):
    """seats_in (written out for the registration hot path) and the selector the pages use agree, through
    confirmed, waiting, cancelled and moved delegations, and an empty session counts 0."""
    from registrations.selectors import seats_taken
    from registrations.services.seats import seats_in

    services.session_open(session=overflow_session, actor=STAFF)
    first = register(small, "0301", delegation(6, "a"))
    register(small, "1103", delegation(3, "b"))
    cancelled = register(small, "1106", delegation(1, "c"))
    services.registration_cancel(registration=cancelled, actor=STAFF)
    register(small, "1108", delegation(5, "d"))  # to the overflow session
    register(small, "1111", delegation(6, "e"))  # waits: fits nowhere
    sessions = [main_session, overflow_session]
    assert (
        seats_in(sessions)
        == seats_taken(session_ids=[s.pk for s in sessions])
        == {
            main_session.pk: 9,
            overflow_session.pk: 5,
        }
    )
    services.registration_cancel(registration=first, actor=STAFF)  # the one of 6 waiting gets its seats
    assert (
        seats_in(sessions)
        == seats_taken(session_ids=[s.pk for s in sessions])
        == {
            main_session.pk: 9,
            overflow_session.pk: 5,
        }
    )
