"""The record of who did what: every registration and session service writes it in its own transaction."""

import pytest
from django.contrib.auth import get_user_model

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Registration
from tests.conftest import CONTACT, delegation, oslo, register
from workshops import audit
from workshops.models import ActionLog, Session


@pytest.fixture
def organiser(db):
    return get_user_model().objects.create_user("kari.arrangor", "kari@ks.example", "x", is_staff=True)


def entries(obj=None) -> list[tuple]:
    qs = ActionLog.objects.order_by("pk")
    if obj is not None:
        qs = qs.filter(object_id=obj.pk, content_type__model=obj._meta.model_name)
    return [(e.action, e.actor_kind, e.user_name) for e in qs]


def test_a_public_registration_records_the_public_form_and_the_delegation(workshop, before_deadline):
    registration = register(workshop, "0301")

    (entry,) = ActionLog.objects.all()
    assert (entry.action, entry.actor_kind, entry.user_id, entry.workshop_id) == (
        "registration.created",
        "public",
        None,
        workshop.pk,
    )
    assert entry.object_repr == str(registration)
    assert entry.data["values"]["status"] == "confirmed"
    assert [p["email"] for p in entry.data["participants"]] == ["03011@kommune.example", "03012@kommune.example"]
    assert "staff_override" not in entry.data


def test_staff_after_the_deadline_is_recorded_as_an_override_by_that_user(workshop, organiser):
    register(workshop, "0301", now=oslo(2021, 3, 2, 0, 0), actor=audit.Actor.staff(organiser))

    (entry,) = ActionLog.objects.all()
    assert (entry.actor_kind, entry.user, entry.user_name) == ("staff", organiser, "kari.arrangor")
    assert entry.data["staff_override"] == "deadline_passed"
    assert entry.actor_label == "kari.arrangor"


def test_a_change_records_the_values_before_and_after_and_who_joined_and_left(workshop, organiser, before_deadline):
    registration = register(workshop, "0301", people=delegation(3))
    people = delegation(3)[:2] + delegation(1, prefix="ny")[:1]
    contact = services.ContactData(name="Ola Ny", email=CONTACT.email)

    services.registration_update(
        registration=registration, contact=contact, participants=people, actor=audit.Actor.staff(organiser)
    )

    entry = ActionLog.objects.get(action="registration.changed")
    assert entry.user == organiser
    assert entry.data["changes"] == {
        "contact_name": ["Kari Kontakt", "Ola Ny"],
        "contact_phone": ["+47 99 99 99 99", ""],
    }
    assert [p["email"] for p in entry.data["added"]] == ["ny1@kommune.example"]
    assert [p["email"] for p in entry.data["removed"]] == ["p3@kommune.example"]


def test_move_cancel_and_promotion_are_recorded_on_the_registration(
    workshop, main_session, overflow_session, organiser, before_deadline
):
    Session.objects.filter(pk=main_session.pk).update(capacity=2)
    first = register(workshop, "0301")
    waiting = register(workshop, "1103")
    staff = audit.Actor.staff(organiser)

    services.registration_move(registration=first, session=overflow_session, actor=staff)
    services.registration_cancel(registration=first, actor=audit.SELF_SERVICE)

    assert entries(first) == [
        ("registration.created", "public", ""),
        ("registration.moved", "staff", "kari.arrangor"),
        ("registration.cancelled", "self_service", ""),
    ]
    moved = ActionLog.objects.get(action="registration.moved")
    assert moved.data["changes"] == {"session": [main_session.pk, overflow_session.pk]}
    # The move freed the main session's seats: the waiting delegation got them, by the same actor.
    assert entries(waiting)[-1] == ("registration.promoted", "staff", "kari.arrangor")
    waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_opening_a_session_and_changing_its_capacity_are_recorded(workshop, main_session, overflow_session, organiser):
    staff = audit.Actor.staff(organiser)

    services.session_open(session=overflow_session, actor=staff)
    services.session_open(session=overflow_session, actor=staff)  # already open: nothing new to record
    services.session_update(session=main_session, actor=staff, capacity=250)
    services.session_close(session=overflow_session, actor=audit.SYSTEM)

    assert entries() == [
        ("session.opened", "staff", "kari.arrangor"),
        ("session.changed", "staff", "kari.arrangor"),
        ("session.closed", "system", ""),
    ]
    assert ActionLog.objects.get(action="session.changed").data == {"changes": {"capacity": [300, 250]}}


def test_a_refused_change_records_nothing(workshop, main_session, organiser, before_deadline):
    register(workshop, "0301", people=delegation(4))

    with pytest.raises(RegistrationError) as caught:
        services.session_update(session=main_session, actor=audit.Actor.staff(organiser), capacity=3)

    assert caught.value.codes == ["capacity_below_taken"]
    assert entries() == [("registration.created", "public", "")]
    main_session.refresh_from_db()
    assert main_session.capacity == 300


def test_a_capacity_equal_to_the_seats_taken_is_allowed(workshop, main_session, before_deadline):
    register(workshop, "0301", people=delegation(4))

    services.session_update(session=main_session, actor=audit.SYSTEM, capacity=4)

    main_session.refresh_from_db()
    assert main_session.capacity == 4


def test_a_staff_change_after_the_deadline_is_recorded_as_an_override(workshop, organiser, before_deadline):
    registration = register(workshop, "0301")

    services.registration_update(
        registration=registration,
        contact=CONTACT,
        participants=delegation(3),
        actor=audit.Actor.staff(organiser),
        now=oslo(2021, 3, 2, 0, 0),
    )

    assert ActionLog.objects.get(action="registration.changed").data["staff_override"] == "deadline_passed"
