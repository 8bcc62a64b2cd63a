"""Attendee lists and registrations per municipality: read back and compared with the database."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import override

from registrations import services
from registrations.backoffice.exports import attendees_export, registrations_export
from registrations.models import Participant, Registration, Role
from registrations.services import ContactData, ParticipantData
from tests.conftest import STAFF, delegation, participants, register
from tests.registrations.backoffice.conftest import fill, read_csv, read_xlsx

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTERED = datetime.datetime(2021, 2, 15, 12, 0)  # Oslo time: the before_deadline clock


def attendee_rows(workshop, **filters) -> list[list]:
    """What the attendee list should say, from the database, as the XLSX holds it."""
    people = (
        Participant.objects.filter(registration__workshop=workshop, **filters)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .select_related("registration__municipality", "registration__session")
        .order_by("registration__municipality__county_number", "registration__municipality__name", "pk")
    )
    return [
        [
            p.name,
            p.email,
            p.phone or None,
            capfirst(p.get_role_display()),
            p.title or None,
            p.registration.municipality.name,
            p.registration.municipality.county,
            p.registration.session.label if p.registration.session else None,
            capfirst(p.registration.get_status_display()),
            timezone.localtime(p.registration.created_at).replace(tzinfo=None),
            p.registration.contact_name,
        ]
        for p in people
    ]


def label(role: Role) -> str:
    return capfirst(str(role.label))


def as_csv(rows: list[list]) -> list[list[str]]:
    return [
        ["" if v is None else v.strftime("%d.%m.%Y %H:%M") if isinstance(v, datetime.datetime) else str(v) for v in row]
        for row in rows
    ]


@pytest.fixture
def full_workshop(workshop, main_session):
    """Three delegations in three counties, one of them on the waiting list, and one cancelled."""
    main_session.capacity = 5
    main_session.save()
    register(workshop, "5401", people=delegation(3, prefix="tromso"))  # Troms og Finnmark (2021)
    register(workshop, "0301", people=participants(prefix="oslo"))
    register(workshop, "4601", people=delegation(2, prefix="bergen"))  # no seats left: waiting list
    cancelled = register(workshop, "1103", people=participants(prefix="stavanger"))
    services.registration_cancel(registration=cancelled, actor=STAFF)
    return workshop


def test_the_attendee_xlsx_lists_every_participant_not_cancelled_in_bokmaal(full_workshop):
    export = attendees_export(workshop=full_workshop, fmt="xlsx")

    rows = read_xlsx(export.content)
    assert rows[0] == [
        "Navn",
        "E-post",
        "Telefon",
        "Rolle",
        "Stilling eller organisasjon",
        "Kommune",
        "Fylke",
        "Økt",
        "Status",
        "Påmeldt",
        "Kontaktperson",
    ]
    assert rows[1:] == attendee_rows(full_workshop)
    assert [row[5] for row in rows[1:]] == ["Oslo"] * 2 + ["Bergen"] * 2 + ["Tromsø"] * 3
    assert {row[9] for row in rows[1:]} == {REGISTERED}
    assert export.filename == "deltakere-kulturskole-3-0-2021-02-15.xlsx"


def test_the_attendee_csv_holds_the_same_rows(full_workshop):
    export = attendees_export(workshop=full_workshop, fmt="csv")

    rows = read_csv(export.content)
    assert rows[1:] == as_csv(attendee_rows(full_workshop))
    assert export.filename == "deltakere-kulturskole-3-0-2021-02-15.csv"


def test_the_county_is_the_one_of_the_workshops_date_not_todays(full_workshop):
    # Tromsø was in Troms og Finnmark in 2021; since 2024 it is 5501 in «Troms - Romsa - Tromssa».
    rows = read_xlsx(attendees_export(workshop=full_workshop, fmt="xlsx").content)

    assert {row[6] for row in rows[1:] if row[5] == "Tromsø"} == {"Troms og Finnmark"}


def test_a_session_list_has_only_the_delegations_seated_in_it(full_workshop, main_session):
    export = attendees_export(workshop=full_workshop, session=main_session, fmt="xlsx")

    rows = read_xlsx(export.content)
    assert rows[1:] == attendee_rows(full_workshop, registration__session=main_session)
    assert {row[7] for row in rows[1:]} == {"Formiddag"}
    assert len(rows) - 1 == 5
    assert export.filename == "deltakere-kulturskole-3-0-formiddag-2021-02-15.xlsx"


def test_headers_follow_the_active_language(full_workshop):
    with override("en"):
        rows = read_xlsx(attendees_export(workshop=full_workshop, fmt="xlsx").content)

    assert rows[0][:4] == ["Name", "Email", "Phone", "Role"]
    assert rows[1][3] == "Culture-school leader"


def test_the_registrations_export_has_one_row_per_registration_with_its_size_and_input(full_workshop):
    oslo_registration = Registration.objects.get(municipality__number="0301")
    first, second = full_workshop.questions.order_by("position")
    answers = {first.pk: "Mer samarbeid 🎶", second.pk: "Lokale aktører."}
    services.answers_save(registration=oslo_registration, answers=answers, submit=True, actor=STAFF)

    xlsx = read_xlsx(registrations_export(workshop=full_workshop, fmt="xlsx").content)
    csv_rows = read_csv(registrations_export(workshop=full_workshop, fmt="csv").content)

    expected = [
        ["0301", "Oslo", "Oslo", "Formiddag", "Bekreftet", 2, "Kari Kontakt", "kari@kommune.example",
         "'+47 99 99 99 99", "1. Mer samarbeid 🎶\n\n2. Lokale aktører.", REGISTERED],
        ["1103", "Stavanger", "Rogaland", None, "Meldt av", 2, "Kari Kontakt", "kari@kommune.example",
         "'+47 99 99 99 99", None, REGISTERED],
        ["4601", "Bergen", "Vestland", None, "Venteliste", 2, "Kari Kontakt", "kari@kommune.example",
         "'+47 99 99 99 99", None, REGISTERED],
        ["5401", "Tromsø", "Troms og Finnmark", "Formiddag", "Bekreftet", 3, "Kari Kontakt",
         "kari@kommune.example", "'+47 99 99 99 99", None, REGISTERED],
    ]  # fmt: skip
    assert xlsx[0] == [
        "Kommunenummer",
        "Kommune",
        "Fylke",
        "Økt",
        "Status",
        "Deltakere",
        "Kontaktperson",
        "Kontaktpersonens e-post",
        "Kontaktpersonens telefon",
        "Innspill",
        "Påmeldt",
    ]
    assert xlsx[1:] == expected
    assert csv_rows[1:] == as_csv(expected)
    sizes = {r.municipality.number: r.participants.count() for r in Registration.objects.filter(workshop=full_workshop)}
    assert {row[0]: row[5] for row in xlsx[1:]} == sizes


def test_user_entered_formulas_are_neutralised_in_every_export(workshop):
    people = [
        ParticipantData(name="=HYPERLINK(\"http://x\")", email="a@k.example", role=Role.CULTURE_SCHOOL_LEADER,
                        phone="+47 40 00 00 00", title="@SUM(1)"),
        ParticipantData(name="-2+3", email="b@k.example", role=Role.MUNICIPAL_LEADER),
        ParticipantData(name="CR", email="c@k.example", role=Role.MUNICIPAL_SERVICE),
    ]  # fmt: skip
    contact = ContactData(name="+Kari", email="k@k.example", phone="-")
    register(workshop, "0301", people=people, contact=contact)
    # The services strip leading whitespace; rows that got in another way (the shell, an import) may not.
    Participant.objects.filter(email="b@k.example").update(title="\tTab")
    Participant.objects.filter(email="c@k.example").update(name="\rCR")

    attendees = read_csv(attendees_export(workshop=workshop, fmt="csv").content)
    registrations = read_csv(registrations_export(workshop=workshop, fmt="csv").content)

    assert [row[:5] for row in attendees[1:]] == [
        ['\'=HYPERLINK("http://x")', "a@k.example", "'+47 40 00 00 00", label(Role.CULTURE_SCHOOL_LEADER), "'@SUM(1)"],
        ["'-2+3", "b@k.example", "", label(Role.MUNICIPAL_LEADER), "'\tTab"],
        ["'\rCR", "c@k.example", "", label(Role.MUNICIPAL_SERVICE), ""],
    ]
    assert {row[10] for row in attendees[1:]} == {"'+Kari"}
    # The answers (column 9) start with their number, «1. …»: tests/registrations/backoffice/test_answers.py.
    assert (registrations[1][6], registrations[1][8]) == ("'+Kari", "'-")


def test_sami_letters_and_emoji_round_trip(workshop):
    name = "Áilu Ŋuorra Šaččá Đuommá Ŧ Žž 🎻"
    people = [
        ParticipantData(
            name=name, email="ailu@k.example", role=Role.CULTURE_SCHOOL_LEADER, title="Kulturskolerektor æøå"
        ),
        ParticipantData(name="Ærlig Øystein Åsen", email="ae@k.example", role=Role.MUNICIPAL_LEADER),
    ]
    register(workshop, "5436", people=people)  # Porsanger - Porsáŋgu - Porsanki

    xlsx = read_xlsx(attendees_export(workshop=workshop, fmt="xlsx").content)
    csv_rows = read_csv(attendees_export(workshop=workshop, fmt="csv").content)

    for rows in (xlsx, csv_rows):
        assert [(row[0], row[4], row[5]) for row in rows[1:2]] == [
            (name, "Kulturskolerektor æøå", "Porsanger - Porsáŋgu - Porsanki")
        ]
        assert rows[2][0] == "Ærlig Øystein Åsen"


@pytest.mark.parametrize("people", [10, 200])
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_exports_run_a_fixed_number_of_queries_whatever_the_number_of_rows(workshop, people, fmt):
    assert len(fill(workshop, people)) == people

    with CaptureQueriesContext(connection) as attendees:
        content = attendees_export(workshop=workshop, fmt=fmt).content
    with CaptureQueriesContext(connection) as registrations:
        registrations_export(workshop=workshop, fmt=fmt)

    # The registrations: one query, and two for the answers (the questions' numbers, the answers).
    assert (len(attendees), len(registrations)) == (1, 3)
    rows = read_xlsx(content) if fmt == "xlsx" else read_csv(content)
    assert len(rows) == people + 1
