"""The overview of a workshop: where registration stands, coverage by county, opening the overflow session."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Mailing
from registrations import services
from registrations.models import Municipality, Participant, Registration, Role
from tests.conftest import CONTACT, EVENT_DAY, create_workshop, delegation, municipalities, municipality, oslo, register
from tests.registrations.conftest import element_text, page_text
from workshops import audit
from workshops.models import ActionLog, Session


def url(workshop) -> str:
    return f"/admin/workshops/workshop/{workshop.pk}/overview/"


def open_url(workshop, session) -> str:
    return f"/admin/workshops/workshop/{workshop.pk}/overview/open/{session.pk}/"


@pytest.fixture
def small_main(main_session):
    """The main session holds 5: the third delegation of 2 waits."""
    Session.objects.filter(pk=main_session.pk).update(capacity=5)


def test_it_shows_where_registration_stands(staff, workshop, small_main, time_machine):
    time_machine.move_to(oslo(2021, 2, 14, 12, 0), tick=False)
    register(workshop, "0301", people=delegation(3))
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)
    register(workshop, "1103")
    register(workshop, "3005", people=participants_with_resident())

    response = staff.get(url(workshop))

    summary = element_text(response, "overview-summary")
    assert "Municipalities registered 3 / 356" in summary
    assert "Participants with a seat 5 (2 delegations)" in summary
    assert "Waiting list 1 delegation, 3 people" in summary
    assert "Registration deadline Monday 1 March 2021, 23:59: 14 days left" in summary
    sessions = element_text(response, "overview-sessions")
    assert "Formiddag 10.03.2021 09.00–11.30 (main session) 5 / 5 yes" in sessions
    assert "Ettermiddag 10.03.2021 12.30–15.00 (overflow session) 0 / 300 no Open this session…" in sessions
    roles = element_text(response, "overview-roles")
    assert roles == (
        "Roles Culture-school leader 3 Other municipal leader 3 Other municipal service or sector 1 "
        "Local actor: voluntary sector 0 Local actor: business 0 Resident 1"
    )
    per_day = response.content.decode().split('id="overview-per-day"')[1].split("</section>")[0]
    assert per_day.count('class="chart-bar"') == 2
    assert ">14.02.2021</text>" in per_day and ">2</text>" in per_day


def participants_with_resident():
    return [
        *delegation(2, prefix="v"),
        services.ParticipantData(name="Inn Bygger", email="i@x.example", role=Role.RESIDENT),
    ]


def test_coverage_by_county_counts_the_municipalities_of_the_workshops_date(staff, workshop, before_deadline):
    register(workshop, "3005")  # Drammen, Viken in 2021
    register(workshop, "3024")  # Bærum, Viken

    response = staff.get(url(workshop))

    counties = element_text(response, "overview-counties")
    viken = Municipality.objects.valid_on(EVENT_DAY).filter(county="Viken").count()
    assert f"Viken 2 {viken} {round(200 / viken)}" in counties
    assert "Oslo 0 1 0" in counties
    assert "Buskerud" not in counties
    chart = response.content.decode().split('id="overview-counties"')[1]
    assert (
        chart.count('class="chart-whole"')
        == Municipality.objects.valid_on(EVENT_DAY).values("county").distinct().count()
    )
    assert f">2 / {viken}</text>" in chart


def test_a_2025_workshop_counts_the_new_counties(staff, municipality_data, time_machine):
    day = datetime.date(2025, 3, 12)
    later = create_workshop(day=day, deadline=oslo(2025, 3, 1, 23, 59, 59), slug="2025")
    time_machine.move_to(oslo(2025, 2, 1, 12, 0), tick=False)
    services.registration_create(
        workshop=later,
        municipality=municipality("3301", day),
        contact=CONTACT,
        participants=delegation(2),
        actor=audit.PUBLIC,
    )

    counties = element_text(staff.get(url(later)), "overview-counties")

    buskerud = Municipality.objects.valid_on(day).filter(county="Buskerud").count()
    assert f"Buskerud 1 {buskerud}" in counties
    assert "Viken" not in counties


def test_it_lists_the_municipalities_of_a_county_not_registered_yet(staff, workshop, before_deadline):
    register(workshop, "1103")  # Stavanger

    response = staff.get(url(workshop), {"county": "11"})

    missing = element_text(response, "overview-unregistered")
    rogaland = Municipality.objects.valid_on(EVENT_DAY).filter(county_number="11").exclude(number="1103")
    assert missing.startswith("Not registered yet in Rogaland")
    assert missing.count("(11") == rogaland.count()
    assert "Sandnes (1108)" in missing
    assert "Stavanger" not in missing


def test_it_shows_the_next_scheduled_mailing(staff, workshop, time_machine):
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)
    Mailing.objects.create(workshop=workshop, kind=Mailing.Kind.MATERIAL, scheduled_for=oslo(2021, 3, 3, 9, 0))
    Mailing.objects.create(workshop=workshop, kind=Mailing.Kind.CUSTOM, scheduled_for=oslo(2021, 2, 20, 9, 0))

    text = element_text(staff.get(url(workshop)), "overview-mailing")

    assert "Wednesday 3 March 2021, 09:00" in text


def test_the_overflow_session_opens_after_a_confirmation_that_says_how_many_move(
    staff, workshop, small_main, overflow_session, before_deadline
):
    register(workshop, "0301", people=delegation(5))
    waiting = [register(workshop, "1103"), register(workshop, "4601", people=delegation(3))]

    confirm = staff.get(open_url(workshop, overflow_session))

    assert element_text(confirm, "open-session-summary").startswith(
        f"Opening {overflow_session} moves 2 delegations from the waiting list into it now"
    )
    assert "Stavanger (2 people) Bergen (3 people)" in page_text(confirm)
    overflow_session.refresh_from_db()
    assert overflow_session.is_open is False

    response = staff.post(open_url(workshop, overflow_session), follow=True)

    overflow_session.refresh_from_db()
    assert overflow_session.is_open is True
    assert [Registration.objects.get(pk=r.pk).session_id for r in waiting] == [overflow_session.pk] * 2
    assert f"{overflow_session} is open; 2 delegations were moved from the waiting list." in page_text(response)
    opened = ActionLog.objects.get(action="session.opened")
    assert (opened.user_name, opened.object_id) == ("admin", overflow_session.pk)


def test_the_overview_runs_the_same_queries_for_3_or_300_delegations(staff, workshop, before_deadline):
    def count() -> int:
        staff.get(url(workshop))
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(url(workshop)).status_code == 200
        return len(queries)

    places = municipalities(300)
    bulk_register(workshop, places[:3])
    few = count()
    bulk_register(workshop, places[3:])

    assert Registration.objects.count() == 300
    assert count() == few


def bulk_register(workshop, places) -> None:
    """Many delegations at once (the services' rules are not what this test is about)."""
    main = workshop.sessions.get(kind=Session.Kind.MAIN)
    registrations = Registration.objects.bulk_create(
        Registration(
            workshop=workshop,
            municipality=place,
            contact_name="Kari",
            contact_email="kari@example.org",
            session=main if index % 3 else None,
            status=Registration.Status.CONFIRMED if index % 3 else Registration.Status.WAITLISTED,
        )
        for index, place in enumerate(places)
    )
    Participant.objects.bulk_create(
        Participant(registration=r, name=f"P{r.pk}-{i}", email=f"p{i}@{r.pk}.example", role=role)
        for r in registrations
        for i, role in enumerate([Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.RESIDENT])
    )
