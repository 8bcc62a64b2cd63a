"""The staff downloads: who gets a file, what the response says, and the page that links them."""

import csv
import io
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registrations.staff_groups import OBSERVERS, ORGANISERS
from tests.conftest import delegation, register
from tests.registrations.backoffice.conftest import fill, read_csv, read_xlsx, staff_client

pytestmark = pytest.mark.usefixtures("before_deadline")


def urls(workshop, session) -> list[str]:
    return [
        reverse("backoffice:exports", args=[workshop.pk]),
        reverse("backoffice:attendees", args=[workshop.pk, "xlsx"]),
        reverse("backoffice:attendees", args=[workshop.pk, "csv"]),
        reverse("backoffice:session_attendees", args=[workshop.pk, session.pk, "xlsx"]),
        reverse("backoffice:session_attendees", args=[workshop.pk, session.pk, "csv"]),
        reverse("backoffice:registrations", args=[workshop.pk, "xlsx"]),
        reverse("backoffice:registrations", args=[workshop.pk, "csv"]),
        reverse("backoffice:zoom_rooms", args=[workshop.pk, session.pk]) + "?room_size=8",
    ]


@pytest.fixture
def observer(client, django_user_model):
    """A staff user who may view registrations and nothing else."""
    user = django_user_model.objects.create_user("observer", password="x", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="registrations", codename="view_registration")
    )
    client.force_login(user)
    return client


def test_the_urls_live_under_the_admin(workshop, main_session):
    assert urls(workshop, main_session)[1] == f"/admin/backoffice/{workshop.pk}/attendees.xlsx"


def test_a_visitor_who_is_not_staff_is_sent_to_the_login_page_and_gets_no_file(
    client, django_user_model, workshop, main_session
):
    register(workshop, "0301")
    client.force_login(django_user_model.objects.create_user("someone", password="x"))

    for url in urls(workshop, main_session):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/"), url
        assert "Content-Disposition" not in response
        assert b"0301" not in response.content and b"kommune.example" not in response.content


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, workshop, main_session):
    for url in urls(workshop, main_session):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/admin/login/"), url


def test_staff_without_the_view_permission_get_403(client, django_user_model, workshop, main_session):
    register(workshop, "0301")
    client.force_login(django_user_model.objects.create_user("helper", password="x", is_staff=True))

    for url in urls(workshop, main_session):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Content-Disposition" not in response


def test_staff_with_the_view_permission_download_the_attendee_list(observer, workshop):
    register(workshop, "0301")

    response = observer.get(reverse("backoffice:attendees", args=[workshop.pk, "xlsx"]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="deltakere-kulturskole-3-0-2021-02-15.xlsx"'
    assert response["Cache-Control"] == "no-store"
    rows = read_xlsx(response.content)
    assert [row[1] for row in rows[1:]] == ["03011@kommune.example", "03012@kommune.example"]


def test_every_link_downloads_a_file(observer, workshop, main_session):
    register(workshop, "0301")

    for url in urls(workshop, main_session)[1:]:
        response = observer.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment; filename="), url
        assert response["Cache-Control"] == "no-store"


def test_the_registrations_csv_is_for_norwegian_excel(observer, workshop):
    register(workshop, "0301")

    response = observer.get(reverse("backoffice:registrations", args=[workshop.pk, "csv"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="pameldinger-kulturskole-3-0-2021-02-15.csv"'
    assert [row[:2] for row in read_csv(response.content)[1:]] == [["0301", "Oslo"]]


def test_the_zoom_csv_refuses_a_room_size_that_makes_no_sense(observer, workshop, main_session):
    url = reverse("backoffice:zoom_rooms", args=[workshop.pk, main_session.pk])

    assert [observer.get(url, {"room_size": size}).status_code for size in ["1", "abc", "201"]] == [400] * 3
    assert observer.get(url).status_code == 200  # 8 per room unless chosen


def test_a_session_of_another_workshop_is_not_found(observer, workshop, main_session):
    url = reverse("backoffice:session_attendees", args=[workshop.pk + 1, main_session.pk, "xlsx"])

    assert observer.get(url).status_code == 404


def test_the_exports_page_links_every_export(observer, workshop, main_session, overflow_session):
    response = observer.get(reverse("backoffice:exports", args=[workshop.pk]))

    content = response.content.decode()
    for url in urls(workshop, main_session)[1:-1] + urls(workshop, overflow_session)[3:5]:
        assert f'href="{url}"' in content
    for session in (main_session, overflow_session):
        assert f'action="{reverse("backoffice:zoom_rooms", args=[workshop.pk, session.pk])}"' in content
    assert "Deltakerliste" in content and "Grupperom i Zoom" in content


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_download_runs_as_many_queries_for_200_participants_as_for_10(observer, workshop, fmt):
    url = reverse("backoffice:attendees", args=[workshop.pk, fmt])
    counts = []
    for more in (10, 190):
        fill(workshop, more)
        with CaptureQueriesContext(connection) as queries:
            response = observer.get(url)
        counts.append(len(queries))
        rows = read_xlsx(response.content) if fmt == "xlsx" else read_csv(response.content)
        assert len(rows) - 1 == workshop.registrations.aggregate(n=Count("participants"))["n"]

    assert len(rows) - 1 == 200
    assert counts[0] == counts[1]


# --- Links to the exports from the admin ------------------------------------------------------


def hrefs(response) -> list[str]:
    return re.findall(r'href="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("group", [OBSERVERS, ORGANISERS])
def test_staff_of_either_role_reach_the_exports_from_the_workshop_and_the_overview(db, workshop, main_session, group):
    register(workshop, "0301", people=delegation(3))
    client = staff_client(f"user-{group}", group)
    exports_url = reverse("backoffice:exports", args=[workshop.pk])

    change_page = client.get(f"/admin/workshops/workshop/{workshop.pk}/change/")
    overview_page = client.get(f"/admin/workshops/workshop/{workshop.pk}/overview/")

    assert exports_url in hrefs(change_page)
    assert exports_url in hrefs(overview_page)
    exports_page = client.get(exports_url)
    zoom_url = reverse("backoffice:zoom_rooms", args=[workshop.pk, main_session.pk])
    assert f'action="{zoom_url}"' in exports_page.content.decode()
    assert 'name="room_size"' in exports_page.content.decode()
    zoom = client.get(zoom_url, {"room_size": "4"})
    assert zoom["Content-Disposition"].startswith("attachment; filename=")
    header, *rooms = csv.reader(io.StringIO(zoom.content.decode(), newline=""))
    assert header == ["Pre-assign Room Name", "Email Address"]
    assert sorted(row[1] for row in rooms) == [
        "p1@kommune.example",
        "p2@kommune.example",
        "p3@kommune.example",
    ]


def test_staff_who_may_not_view_registrations_are_not_shown_the_exports_link(client, django_user_model, workshop):
    user = django_user_model.objects.create_user("helper", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(content_type__app_label="workshops", codename="view_workshop"))
    client.force_login(user)
    exports_url = reverse("backoffice:exports", args=[workshop.pk])

    assert exports_url not in hrefs(client.get(f"/admin/workshops/workshop/{workshop.pk}/change/"))
    assert exports_url not in hrefs(client.get(f"/admin/workshops/workshop/{workshop.pk}/overview/"))
