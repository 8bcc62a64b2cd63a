"""manage.py seed_workshop: the 10 March 2021 workshop exactly as announced, and --demo in the future."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import scheduling
from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Municipality, Registration
from tests.conftest import CONTACT, OSLO, STAFF, delegation, oslo
from workshops import audit
from workshops.models import ActionLog, ReflectionQuestion, Session, Workshop

TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


def seed(*args: str) -> Workshop:
    call_command("seed_workshop", *args, stdout=StringIO())
    return Workshop.objects.get(slug="kulturskole-3-0-demo" if "--demo" in args else "kulturskole-3-0")


def local(value: datetime.datetime) -> tuple:
    local_value = timezone.localtime(value, OSLO)
    return (local_value.date(), local_value.time())


def sessions(workshop: Workshop) -> list[tuple]:
    return [
        (s.label, s.kind, local(s.starts_at), local(s.ends_at), s.capacity, s.is_open)
        for s in workshop.sessions.order_by("starts_at")
    ]


@pytest.mark.django_db
def test_it_creates_the_workshop_as_announced():
    workshop = seed()

    assert workshop.title == TITLE
    assert workshop.organisers == "KS og Norsk kulturskoleråd"
    assert workshop.venue == "Zoom"
    assert workshop.is_free is True
    assert workshop.is_published is True
    assert (workshop.min_representatives, workshop.require_role_composition, workshop.max_delegation_size) == (
        2,
        True,
        6,
    )
    assert workshop.summary and workshop.description and workshop.target_group and workshop.expectations
    # The question of the 2021 form first (final), then the reflection questions, drafts for staff to finish.
    assert list(workshop.questions.values_list("position", "text", "is_draft", "required_before_workshop")) == [
        (1, "Hva vil gjøre pilotprosjektet verdifullt og relevant for kommunen deres?", False, False),
        (2, "Hvilken rolle har kulturskolen i kommunen deres i dag?", True, False),
        (3, "Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?", True, False),
        (4, "Hvem i og utenfor kommunen bør kulturskolen samarbeide mer med?", True, False),
    ]


@pytest.mark.django_db
def test_the_sessions_are_in_oslo_time_and_the_overflow_is_closed():
    workshop = seed()

    day = datetime.date(2021, 3, 10)
    assert sessions(workshop) == [
        ("Formiddag", Session.Kind.MAIN, (day, datetime.time(9, 0)), (day, datetime.time(11, 30)), 300, True),
        ("Ettermiddag", Session.Kind.OVERFLOW, (day, datetime.time(12, 30)), (day, datetime.time(15, 0)), 300, False),
    ]
    # 09:00 in Oslo in March (CET) is 08:00 UTC.
    assert workshop.sessions.get(kind=Session.Kind.MAIN).starts_at == datetime.datetime(
        2021, 3, 10, 8, 0, tzinfo=datetime.UTC
    )
    assert workshop.event_date == day


@pytest.mark.django_db
def test_the_deadline_is_the_last_second_of_1_march_in_oslo():
    workshop = seed()

    assert workshop.registration_deadline == oslo(2021, 3, 1, 23, 59, 59)
    services.registration_check_open(workshop=workshop, now=oslo(2021, 3, 1, 23, 59, 59))
    # The whole last second counts, not only its first microsecond.
    services.registration_check_open(workshop=workshop, now=oslo(2021, 3, 1, 23, 59, 59, 999_999))
    with pytest.raises(RegistrationError) as caught:
        services.registration_check_open(workshop=workshop, now=oslo(2021, 3, 2, 0, 0, 0))
    assert caught.value.codes == ["deadline_passed"]


@pytest.mark.django_db
def test_the_material_is_scheduled_for_3_march_and_the_reminder_for_9_march():
    workshop = seed()

    scheduled = {(m.kind, m.session_id): m.scheduled_for for m in scheduling.mailings_schedule(workshop=workshop)}

    main, overflow = workshop.sessions.order_by("starts_at")
    assert scheduled == {
        ("material", None): oslo(2021, 3, 3, 9, 0),
        ("reminder", main.pk): oslo(2021, 3, 9, 9, 0),
        ("reminder", overflow.pk): oslo(2021, 3, 9, 9, 0),
    }


@pytest.mark.django_db
def test_running_it_again_creates_nothing_new():
    first = seed()
    second = seed()

    assert second.pk == first.pk
    assert Workshop.objects.count() == 1
    assert Session.objects.count() == 2
    assert ReflectionQuestion.objects.count() == 4
    assert sessions(second) == sessions(first)


@pytest.mark.django_db
def test_running_it_again_keeps_what_staff_changed_and_restores_the_announced_facts():
    workshop = seed()
    overflow = workshop.sessions.get(kind=Session.Kind.OVERFLOW)
    services.session_open(session=overflow, actor=STAFF)
    Session.objects.filter(pk=overflow.pk).update(capacity=350, starts_at=oslo(2021, 3, 10, 13, 0))
    Workshop.objects.filter(pk=workshop.pk).update(registration_deadline=oslo(2021, 3, 5, 12, 0))
    workshop.questions.filter(position=2).update(text="Det endelige spørsmålet.", is_draft=False)
    workshop.questions.filter(position=4).delete()

    seed()

    overflow.refresh_from_db()
    workshop.refresh_from_db()
    assert (overflow.is_open, overflow.capacity) == (True, 350)
    assert overflow.starts_at == oslo(2021, 3, 10, 12, 30)
    assert list(workshop.questions.values_list("text", "is_draft")) == [
        ("Hva vil gjøre pilotprosjektet verdifullt og relevant for kommunen deres?", False),
        ("Det endelige spørsmålet.", False),
        ("Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?", True),
    ]
    assert workshop.registration_deadline == oslo(2021, 3, 1, 23, 59, 59)
    assert Session.objects.count() == 2


@pytest.mark.django_db
def test_demo_is_three_weeks_ahead_and_open_for_registration(time_machine):
    time_machine.move_to(oslo(2026, 5, 4, 10, 0), tick=False)  # a Monday

    demo = seed("--demo")

    day = datetime.date(2026, 5, 27)  # the Wednesday of the week three weeks ahead
    assert demo.title == f"{TITLE} (demo)"
    assert sessions(demo) == [
        ("Formiddag", Session.Kind.MAIN, (day, datetime.time(9, 0)), (day, datetime.time(11, 30)), 300, True),
        ("Ettermiddag", Session.Kind.OVERFLOW, (day, datetime.time(12, 30)), (day, datetime.time(15, 0)), 300, False),
    ]
    assert demo.registration_deadline == oslo(2026, 5, 18, 23, 59, 59)
    assert not Workshop.objects.filter(slug="kulturskole-3-0").exists()

    # A newcomer can register a municipality as it exists on the demo date.
    oslo_kommune = Municipality.objects.valid_on(day).get(number="0301")
    registration = services.registration_create(
        workshop=demo, municipality=oslo_kommune, contact=CONTACT, participants=delegation(2), actor=audit.PUBLIC
    )
    assert (registration.status, registration.session.label) == (Registration.Status.CONFIRMED, "Formiddag")


@pytest.mark.django_db
def test_demo_run_again_keeps_one_workshop_and_moves_it_to_three_weeks_from_the_new_day(time_machine):
    time_machine.move_to(oslo(2026, 5, 4, 10, 0), tick=False)
    seed("--demo")
    seed("--demo")
    assert (Workshop.objects.count(), Session.objects.count()) == (1, 2)

    time_machine.move_to(oslo(2026, 6, 1, 10, 0), tick=False)
    demo = seed("--demo")

    assert (Workshop.objects.count(), Session.objects.count()) == (1, 2)
    assert demo.event_date == datetime.date(2026, 6, 24)
    assert demo.registration_deadline == oslo(2026, 6, 15, 23, 59, 59)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("today", "event_day"),
    [
        (datetime.date(2026, 11, 28), datetime.date(2026, 12, 23)),  # Saturday: not Saturday 19 December
        (datetime.date(2026, 11, 25), datetime.date(2026, 12, 16)),  # Wednesday: exactly three weeks
        (datetime.date(2026, 11, 26), datetime.date(2026, 12, 23)),  # Thursday: the Wednesday after
    ],
)
def test_the_demo_falls_on_a_wednesday_like_the_2021_workshop(time_machine, today, event_day):
    time_machine.move_to(oslo(today.year, today.month, today.day, 10, 0), tick=False)

    demo = seed("--demo")

    assert demo.event_date == event_day
    assert demo.event_date.weekday() == datetime.date(2021, 3, 10).weekday() == 2
    assert demo.registration_deadline.date().weekday() == 0  # a Monday, as 1 March 2021


@pytest.mark.django_db
def test_the_2021_workshop_and_the_demo_live_side_by_side():
    seed()
    seed("--demo")

    assert sorted(Workshop.objects.values_list("slug", flat=True)) == ["kulturskole-3-0", "kulturskole-3-0-demo"]
    assert Session.objects.count() == 4


# --- Who did what -----------------------------------------------------------------------------


def log(workshop: Workshop) -> list[tuple]:
    return [
        (entry.actor_kind, entry.action, entry.object_repr)
        for entry in ActionLog.objects.filter(workshop_id=workshop.pk).order_by("pk")
    ]


@pytest.mark.django_db
def test_creating_the_workshop_and_its_sessions_is_recorded_as_done_by_the_system():
    workshop = seed()

    main, overflow = workshop.sessions.order_by("starts_at")
    assert log(workshop) == [
        (ActionLog.ActorKind.SYSTEM, "workshop.created", TITLE),
        (ActionLog.ActorKind.SYSTEM, "session.created", str(main)),
        (ActionLog.ActorKind.SYSTEM, "session.created", str(overflow)),
    ]
    created = ActionLog.objects.get(action="workshop.created").data["values"]
    assert (created["slug"], created["max_delegation_size"]) == ("kulturskole-3-0", 6)
    assert ActionLog.objects.filter(action="session.created").order_by("pk").first().data["values"]["is_open"] is True
    assert set(ActionLog.objects.values_list("user_name", flat=True)) == {""}


@pytest.mark.django_db
def test_a_re_run_that_changes_nothing_records_nothing():
    workshop = seed()
    before = log(workshop)

    seed()

    assert log(workshop) == before


@pytest.mark.django_db
def test_a_re_run_that_restores_facts_records_each_change_with_before_and_after():
    workshop = seed()
    overflow = workshop.sessions.get(kind=Session.Kind.OVERFLOW)
    Session.objects.filter(pk=overflow.pk).update(starts_at=oslo(2021, 3, 10, 13, 0), capacity=350)
    Workshop.objects.filter(pk=workshop.pk).update(registration_deadline=oslo(2021, 3, 5, 12, 0), venue="Teams")
    ActionLog.objects.all().delete()

    seed()

    assert log(workshop) == [
        (ActionLog.ActorKind.SYSTEM, "workshop.changed", TITLE),
        (ActionLog.ActorKind.SYSTEM, "session.changed", str(overflow)),
    ]
    workshop_change, session_change = ActionLog.objects.order_by("pk")
    assert workshop_change.data["changes"] == {
        "registration_deadline": ["2021-03-05T11:00:00+00:00", "2021-03-01T22:59:59+00:00"],
        "venue": ["Teams", "Zoom"],
    }
    # Only the announced time is restored; the capacity staff chose is theirs.
    assert session_change.data["changes"] == {"starts_at": ["2021-03-10T12:00:00+00:00", "2021-03-10T11:30:00+00:00"]}
