"""Who did what, visible: the registration's page lists its log entries, and the workshop-wide log filters.

Pages are read in English (the msgids).
"""

import pytest
from django.conf import settings

from registrations.models import Registration
from tests.conftest import delegation, register
from tests.registrations.conftest import element_text, page_text
from tests.registrations.test_admin import CHANGELIST_URL, action, change_data, rows, submit
from workshops.models import ActionLog

LOG_URL = "/admin/workshops/actionlog/"


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def change_url(registration) -> str:
    return f"/admin/registrations/registration/{registration.pk}/change/"


def test_the_registration_page_lists_the_public_registration_and_the_staff_move(
    staff, workshop, main_session, overflow_session, before_deadline
):
    registration = register(workshop, "0301", people=delegation(3))
    action(staff, CHANGELIST_URL, "move_to_session", [registration], session=overflow_session.pk, apply="Move")

    response = staff.get(change_url(registration))
    panel = element_text(response, "action-log")

    assert "Who did what" in page_text(response)
    public, created, moved = (
        panel.split(" Registered ")[0],
        *panel.split(" Registered ")[1].split(" Moved to another session "),
    )
    assert public.endswith("Public form")
    assert f"Status: confirmed Session: {main_session}" in created
    assert "Participants: Person p1 <p1@kommune.example> (culture-school leader);" in created
    assert created.endswith("admin")
    assert f"Session: {main_session} → {overflow_session}" in moved


def test_a_staff_change_of_participants_shows_before_and_after(staff, workshop, before_deadline):
    registration = register(workshop, "0301", people=delegation(3))
    people = rows(registration)
    people[2]["name"] = "Per Ny"
    submit(staff, change_url(registration), change_data(registration, people), follow=True)

    text = page_text(staff.get(change_url(registration)))

    assert "Per Ny: name: Person p3 → Per Ny" in text
    entry = ActionLog.objects.get(action="registration.changed")
    assert (entry.actor_kind, entry.user_name) == (ActionLog.ActorKind.STAFF, "admin")


def test_the_log_lists_filters_and_searches(staff, workshop, overflow_session, before_deadline):
    oslo_registration = register(workshop, "0301")
    register(workshop, "1103")
    action(staff, CHANGELIST_URL, "move_to_session", [oslo_registration], session=overflow_session.pk, apply="Move")

    everything = page_text(staff.get(LOG_URL))
    moved = page_text(staff.get(LOG_URL, {"action": "registration.moved"}))
    by_staff = page_text(staff.get(LOG_URL, {"actor_kind__exact": "staff"}))
    found = page_text(staff.get(LOG_URL, {"q": "Stavanger"}))
    other_workshop = page_text(staff.get(LOG_URL, {"workshop": str(workshop.pk + 1000)}))

    assert "3 log of who did what" in everything
    assert f"admin Moved to another session {oslo_registration} {workshop.title}" in moved
    assert "1 log entry" in moved
    assert "Public form" in everything and "Public form Registered" not in by_staff
    assert "Stavanger" in found and "1 log entry" in found
    assert "0 log of who did what" in other_workshop
    assert workshop.title in page_text(staff.get(LOG_URL)).split("By workshop")[1]


def test_the_log_cannot_be_changed(staff, workshop, before_deadline):
    register(workshop, "0301")
    entry = ActionLog.objects.get()

    response = staff.post(f"{LOG_URL}{entry.pk}/change/", {"action": "forged"})

    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.action == "registration.created"
    assert staff.get(f"{LOG_URL}add/").status_code == 403
    assert Registration.objects.count() == 1
