"""A changed preferred session (registration_update): a confirmed delegation moves only when it fits whole
there, else keeps its seat; a waiting delegation gets a seat in the session it now prefers."""

import pytest

from notifications.models import Mailing
from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Registration
from tests.conftest import CONTACT, delegation, register
from workshops import audit
from workshops.models import ActionLog, Session

pytestmark = pytest.mark.usefixtures("before_deadline")


@pytest.fixture
def both_open(main_session, overflow_session):
    Session.objects.filter(pk=overflow_session.pk).update(is_open=True)
    overflow_session.refresh_from_db()


def change(registration: Registration, *, people=None, preferred=services.KEEP) -> Registration:
    people = (
        people
        if people is not None
        else [
            services.ParticipantData(name=p.name, email=p.email, role=p.role, title=p.title, id=p.pk)
            for p in registration.participants.order_by("pk")
        ]
    )
    return services.registration_update(
        registration=registration,
        contact=CONTACT,
        participants=people,
        preferred_session=preferred,
        actor=audit.SELF_SERVICE,
    )


def test_a_confirmed_delegation_moves_to_its_new_preference_when_it_fits_whole(
    workshop, main_session, overflow_session, both_open
):
    registration = register(workshop, "0301", people=delegation(3))

    changed = change(registration, preferred=overflow_session)

    assert (changed.status, changed.session, changed.preferred_session) == (
        Registration.Status.CONFIRMED,
        overflow_session,
        overflow_session,
    )
    moved = Mailing.objects.get(kind=Mailing.Kind.SESSION_CHANGE)
    assert (moved.registration, moved.session, moved.previous_session) == (
        changed,
        overflow_session,
        main_session,
    )
    entry = ActionLog.objects.get(action="registration.changed")
    assert entry.data["changes"] == {
        "preferred_session": [None, overflow_session.pk],
        "session": [main_session.pk, overflow_session.pk],
    }


def test_a_confirmed_delegation_keeps_its_seat_when_the_preference_has_no_room_for_all_of_it(
    workshop, main_session, overflow_session, both_open
):
    Session.objects.filter(pk=overflow_session.pk).update(capacity=2)
    registration = register(workshop, "0301", people=delegation(3))

    changed = change(registration, preferred=overflow_session)

    assert (changed.session, changed.preferred_session) == (main_session, overflow_session)
    assert not Mailing.objects.filter(kind=Mailing.Kind.SESSION_CHANGE).exists()


def test_a_delegation_that_outgrows_its_session_may_move_whole_to_its_new_preference(
    workshop, main_session, overflow_session, both_open
):
    Session.objects.filter(pk=main_session.pk).update(capacity=3)
    registration = register(workshop, "0301", people=delegation(3))

    changed = change(registration, people=delegation(4), preferred=overflow_session)

    assert changed.session == overflow_session
    assert changed.participants.count() == 4


def test_a_preference_for_a_closed_session_is_refused_and_nothing_changes(workshop, main_session, overflow_session):
    registration = register(workshop, "0301", people=delegation(3))

    with pytest.raises(RegistrationError) as caught:
        change(registration, people=delegation(4), preferred=overflow_session)

    assert caught.value.codes == ["session_not_available"]
    registration.refresh_from_db()
    assert (registration.session, registration.preferred_session) == (main_session, None)
    assert registration.participants.count() == 3


def test_a_waiting_delegation_gets_a_seat_in_the_session_it_now_prefers(
    workshop, main_session, overflow_session, both_open
):
    Session.objects.filter(pk=main_session.pk).update(capacity=5)
    Session.objects.filter(pk=overflow_session.pk).update(capacity=2)
    register(workshop, "0301", people=delegation(3))
    waiting = register(workshop, "1103", people=delegation(3, prefix="w"))
    assert waiting.status == Registration.Status.WAITLISTED  # main has 2 free, the overflow 2: neither fits 3

    # Two of them now, preferring the overflow session: both sessions have room, the preference decides.
    change(waiting, people=delegation(2, prefix="w"), preferred=overflow_session)

    waiting.refresh_from_db()
    assert (waiting.status, waiting.session) == (Registration.Status.CONFIRMED, overflow_session)
    assert ActionLog.objects.filter(action="registration.promoted", object_id=waiting.pk).exists()


def test_no_preference_given_leaves_it_as_it_was(workshop, overflow_session, both_open):
    registration = register(workshop, "0301", preferred_session=overflow_session)

    changed = change(registration)

    assert changed.preferred_session == overflow_session
