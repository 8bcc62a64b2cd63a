"""Who did what, visible: the registration's page lists its log entries, and the workshop-wide log filters.

Pages are read in English (the msgids).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from registrations import services
from registrations.models import Registration
from tests.conftest import delegation, register
from tests.registrations.conftest import element_text, page_text
from tests.registrations.test_admin import CHANGELIST_URL, action, change_data, rows, submit
from workshops import audit
from workshops.actions import ACTION_LABELS
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


def _recorded_actions() -> set[str]:
    """Every action code the code records: the literals given to log_action and its helpers, and what the
    seed command builds from a model's name («workshop.created», «session.changed»)."""
    root = Path(__file__).resolve().parents[2]
    codes = set()
    for path in [
        *root.glob("registrations/**/*.py"),
        *root.glob("notifications/**/*.py"),
        *root.glob("workshops/**/*.py"),
    ]:
        if "migrations" in path.parts or path.name == "actions.py":
            continue
        codes |= set(
            re.findall(
                r'"((?:registration|workshop|session|mailing|answers|person|municipal_contact)\.[a-z_]+)"',
                path.read_text(),
            )
        )
    return codes | {f"{model}.{verb}" for model in ("workshop", "session") for verb in ("created", "changed")}


def test_every_recorded_action_has_a_name_staff_read_in_bokmal():
    codes = _recorded_actions()

    assert "registration.link_resent" in codes and "person.erased" in codes  # the scan finds them
    assert sorted(codes - set(ACTION_LABELS)) == []
    with translation.override("nb"):
        bokmal = {code: str(ACTION_LABELS[code]) for code in codes}
    with translation.override("en"):
        untranslated = sorted(code for code in codes if str(ACTION_LABELS[code]) == bokmal[code])
    assert untranslated == []


def test_the_log_shows_the_lost_link_request_by_name(staff, workshop, before_deadline):
    registration = register(workshop, "0301")
    services.registration_link_resend(workshop=workshop, municipality=registration.municipality, actor=audit.PUBLIC)

    text = page_text(staff.get(LOG_URL))

    assert "Link sent again" in text
    assert "registration.link_resent" not in text.lower()


def test_an_entry_s_page_names_its_action_in_the_heading(staff, workshop, before_deadline):
    registration = register(workshop, "0301")
    services.registration_link_resend(workshop=workshop, municipality=registration.municipality, actor=audit.PUBLIC)
    entry = ActionLog.objects.get(action="registration.link_resent")

    page = staff.get(f"{LOG_URL}{entry.pk}/change/").content.decode()

    assert f"<h2>Link sent again – {entry.object_repr}</h2>" in page
    assert "registration.link_resent" not in page
