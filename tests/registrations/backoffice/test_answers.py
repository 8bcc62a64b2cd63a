"""The staff page of the delegations' answers per question, its filters and exports, read back and compared
with the database."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registrations import services
from registrations.models import Answer, AnswerSet, Registration
from tests.conftest import STAFF, delegation, municipalities, participants, register
from tests.registrations.backoffice.conftest import read_csv, read_xlsx
from tests.registrations.backoffice.test_overview import bulk_register
from tests.registrations.conftest import page_text

pytestmark = pytest.mark.usefixtures("before_deadline")
SUBMITTED = datetime.datetime(2021, 2, 15, 12, 0)  # Oslo wall-clock time of the before_deadline clock


def page_url(workshop, **query) -> str:
    url = reverse("backoffice:answers", args=[workshop.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def export_url(workshop, fmt: str, **query) -> str:
    url = reverse("backoffice:answers_export", args=[workshop.pk, fmt])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


@pytest.fixture
def answered(workshop):
    """Oslo sent in both answers (one starts like a formula), Bergen has a draft, Tromsø has not started,
    Stavanger answered and then cancelled (left out)."""
    first, second = workshop.questions.order_by("position")
    oslo = register(workshop, "0301", people=participants(prefix="oslo"))
    bergen = register(workshop, "4601", people=delegation(3, prefix="bergen"))
    register(workshop, "5401", people=delegation(4, prefix="tromso"))
    stavanger = register(workshop, "1103", people=participants(prefix="stavanger"))
    answers = {first.pk: "=1+1 er samskaping", second.pk: "Kulturskolen\nog biblioteket."}
    services.answers_save(registration=oslo, answers=answers, submit=True, actor=STAFF)
    services.answers_save(registration=bergen, answers={first.pk: "Et utkast."}, submit=False, actor=STAFF)
    services.answers_save(registration=stavanger, answers={first.pk: "Avlyst."}, submit=True, actor=STAFF)
    services.registration_cancel(registration=stavanger, actor=STAFF)
    return workshop


def expected_rows(workshop) -> list[list]:
    """What the export should say, from the database: one row per delegation not cancelled, as XLSX holds it."""
    questions = list(workshop.questions.order_by("position"))
    labels = {"submitted": "Submitted", "draft": "Draft", None: "No answers yet"}
    rows = []
    registrations = (
        Registration.objects.filter(workshop=workshop)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("municipality")
        .order_by("municipality__county_number", "municipality__name")
    )
    for registration in registrations:
        answer_set = AnswerSet.objects.filter(registration=registration).first()
        texts = dict(Answer.objects.filter(answer_set=answer_set).values_list("question_id", "text"))
        rows.append(
            [
                registration.municipality.number,
                registration.municipality.name,
                registration.municipality.county,
                registration.participants.count(),
                labels[answer_set.status if answer_set else None],
                SUBMITTED if answer_set and answer_set.submitted_at else None,
                *(_safe(texts.get(q.pk)) for q in questions),
            ]
        )
    return rows


def _safe(text: str | None) -> str | None:
    return "'" + text if text and text.startswith("=") else text


def test_the_page_shows_each_questions_answers_with_county_and_delegation_size(staff, answered):
    first, second = answered.questions.order_by("position")

    response = staff.get(page_url(answered))

    text = page_text(response)
    assert response.status_code == 200
    assert "3 delegations" in text
    assert "Oslo Oslo 2 Submitted" in text
    assert "Bergen Vestland 3 Draft" in text
    assert "Tromsø Troms og Finnmark 4 No answers yet" in text
    assert "Stavanger" not in text and "Avlyst." not in text
    assert f"1. {first.text} Municipality County Participants Answer Oslo Oslo 2 =1+1 er samskaping" in text
    assert "Bergen Vestland 3 Et utkast." in text
    assert "1 delegation has not answered this question." in text
    assert f"2. {second.text}" in text and "Kulturskolen<br>og biblioteket." in response.content.decode()
    assert "2 delegations have not answered this question." in text


def test_the_overview_links_to_the_page(staff, answered):
    overview = staff.get(reverse("admin:workshops_workshop_overview", args=[answered.pk]))
    assert f'href="{page_url(answered)}"' in overview.content.decode()


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ({"county": "46"}, ["Bergen"]),
        ({"county": "54"}, ["Tromsø"]),
        ({"state": "submitted"}, ["Oslo"]),
        ({"state": "draft"}, ["Bergen"]),
        ({"state": "none"}, ["Tromsø"]),
        ({"county": "03", "state": "draft"}, []),
        ({"county": "nowhere"}, ["Oslo", "Bergen", "Tromsø"]),  # an unknown value filters nothing
    ],
)
def test_the_page_and_the_exports_filter_by_county_and_state(staff, answered, query, shown):
    response = staff.get(page_url(answered, **query))
    rows = read_xlsx(staff.get(export_url(answered, "xlsx", **query)).content)

    assert [d.municipality for d in response.context["overview"].delegations] == shown
    assert [row[1] for row in rows[1:]] == shown


def test_the_county_filter_offers_the_counties_as_on_the_workshop_date(staff, answered):
    choices = dict(staff.get(page_url(answered)).context["filter"].fields["county"].choices)
    assert choices["54"] == "Troms og Finnmark"  # 2020–2023; split again in 2024
    assert "55" not in choices and "56" not in choices


def test_the_exports_read_back_as_the_database_says_and_formula_safe(staff, answered):
    first, second = answered.questions.order_by("position")

    xlsx = read_xlsx(staff.get(export_url(answered, "xlsx")).content)
    csv_response = staff.get(export_url(answered, "csv"))
    csv_rows = read_csv(csv_response.content)

    header = ["Municipality number", "Municipality", "County", "Participants", "Answers", "Submitted"]
    assert xlsx[0] == [*header, f"1. {first.text}", f"2. {second.text}"]
    assert xlsx[1:] == expected_rows(answered)
    assert xlsx[1][6] == "'=1+1 er samskaping"
    assert csv_rows[0] == xlsx[0]
    assert csv_rows[1:] == [
        ["" if v is None else v.strftime("%d.%m.%Y %H:%M") if isinstance(v, datetime.datetime) else str(v) for v in row]
        for row in xlsx[1:]
    ]
    assert csv_response["Content-Disposition"].startswith('attachment; filename="svar-kulturskole-3-0-')
    assert csv_response["Cache-Control"] == "no-store"


def test_observers_may_view_and_export_and_others_may_not(observer, organiser, client, answered, django_user_model):
    for user in (observer, organiser):
        assert user.get(page_url(answered)).status_code == 200
        assert user.get(export_url(answered, "csv")).status_code == 200
    plain = django_user_model.objects.create_user("plain", password="x", is_staff=True)
    client.force_login(plain)
    assert client.get(page_url(answered)).status_code == 403
    assert client.get(export_url(answered, "xlsx")).status_code == 403
    client.logout()
    assert client.get(page_url(answered)).status_code == 302


def test_the_page_runs_the_same_queries_for_10_or_100_delegations(staff, workshop):
    first, second = workshop.questions.order_by("position")

    def count() -> int:
        staff.get(page_url(workshop))
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(page_url(workshop)).status_code == 200
        return len(queries)

    places = municipalities(100)
    bulk_register(workshop, places[:10])
    answer(workshop, first, second)
    few = count()
    bulk_register(workshop, places[10:])
    answer(workshop, first, second)

    assert Registration.objects.count() == 100
    assert Answer.objects.count() == 2 * AnswerSet.objects.count() == 2 * (5 + 48)
    assert count() == few


def answer(workshop, first, second) -> None:
    """Every other delegation without answers sends in both (the service's rules are not the point here)."""
    waiting = Registration.objects.filter(workshop=workshop, answer_set__isnull=True).order_by("pk")[::2]
    sets = AnswerSet.objects.bulk_create(
        AnswerSet(registration=r, status=AnswerSet.Status.SUBMITTED, submitted_at=r.created_at) for r in waiting
    )
    Answer.objects.bulk_create(
        Answer(answer_set=s, question=q, text=f"Svar {s.pk}") for s in sets for q in (first, second)
    )


def test_the_registration_admin_page_shows_the_answers(staff, answered):
    oslo = Registration.objects.get(municipality__number="0301")
    text = page_text(staff.get(reverse("admin:registrations_registration_change", args=[oslo.pk])))
    assert "Submitted: Monday 15 February 2021, 12:00" in text
    assert "1. Hva vil gjøre pilotprosjektet verdifullt for kommunen deres? =1+1 er samskaping" in text
