"""The privacy pages of the back office (one person: find, export, erase) and anonymising workshops early
from the workshop list. Read in English (the msgids)."""

import io
import json

import openpyxl
import pytest

from notifications.models import Delivery
from registrations.models import Participant, Registration, Role
from registrations.services.privacy import email_digest
from registrations.staff_groups import OBSERVERS, ORGANISERS
from tests.conftest import oslo, participants, register
from tests.registrations.backoffice.conftest import staff_client
from tests.registrations.conftest import page_text
from workshops.models import ActionLog

PERSON = "p3@kommune.example"
PAGE, EXPORT, ERASE = (
    "/admin/backoffice/privacy/",
    "/admin/backoffice/privacy/export/",
    "/admin/backoffice/privacy/erase/",
)
WORKSHOPS = "/admin/workshops/workshop/"


@pytest.fixture
def organiser(db):
    return staff_client("ingrid", ORGANISERS)


@pytest.fixture
def observer(db):
    return staff_client("olga", OBSERVERS)


@pytest.fixture
def oslo_delegation(workshop, before_deadline):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.VOLUNTARY_SECTOR)
    return register(workshop, "0301", people=people, municipality_input="Samskaping med frivilligheten.")


def test_the_page_lists_what_is_held_without_the_address_in_any_url(organiser, oslo_delegation):
    assert 'href="/admin/backoffice/privacy/"' in organiser.get("/admin/").content.decode()
    response = organiser.post(PAGE, {"email": "P3@kommune.example"})
    text = page_text(response)
    assert "Held about P3@kommune.example" in text
    assert "Participant in a delegation (1)" in text
    assert "Person p3" in text and "local actor: voluntary sector" in text
    assert "Emails (1)" in text  # the confirmation
    assert "Samskaping med frivilligheten." in text
    assert response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    assert "kommune.example" not in "".join(a for a in response.content.decode().split('action="')[1:2])


def test_the_json_export_holds_every_record_and_the_export_is_logged_by_hash(organiser, oslo_delegation):
    response = organiser.post(EXPORT, {"email": PERSON, "fmt": "json"})
    assert response["Content-Disposition"].startswith(
        'attachment; filename="personal-data-p3-at-kommuneexample-2021-02-15.json'
    )
    assert response["Cache-Control"] == "no-store"
    document = json.loads(response.content)
    assert document["email"] == PERSON
    assert document["participants"] == [
        {
            "Workshop": str(oslo_delegation.workshop),
            "Municipality": "Oslo",
            "Status": "confirmed",
            "Name": "Person p3",
            "Email": PERSON,
            "Phone": "",
            "Role": "local actor: voluntary sector",
            "Job title or organisation": "Rådgiver",
            "Registered": "2021-02-15T12:00:00+01:00",
        }
    ]
    assert document["contact_person"] == []
    assert [a["Answer"] for a in document["answers"]] == ["Samskaping med frivilligheten."]
    assert [d["Email"] for d in document["deliveries"]] == [PERSON]
    # The log as staff read it on a registration's page: the action by name, the details in words, not JSON.
    [entry] = document["log"]
    assert entry["Action"] == "Registered"
    assert f"Person p3 <{PERSON}> (local actor: voluntary sector)" in entry["Details"]
    assert "Status: confirmed" in entry["Details"]
    assert "{" not in entry["Details"]
    logged = ActionLog.objects.filter(action="person.exported")
    assert {(e.object_repr, e.data["email_hash"]) for e in logged} == {
        ("ingrid", email_digest(PERSON)),
        (str(oslo_delegation), email_digest(PERSON)),
    }
    assert PERSON not in json.dumps(list(logged.values_list("data", flat=True)))


def test_the_xlsx_export_has_a_sheet_per_kind_of_record(organiser, oslo_delegation):
    response = organiser.post(EXPORT, {"email": PERSON, "fmt": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [
        "Participant in a delegation",
        "Contact person of a delegation",
        "The municipality's input",
        "Emails",
        "Sent-mail ledger",
        "Log of who did what",
    ]
    rows = list(book["Participant in a delegation"].iter_rows(values_only=True))
    assert rows[1][3:5] == ("Person p3", PERSON)


def test_observers_may_export_but_not_erase(observer, oslo_delegation):
    assert "Erase…" not in observer.post(PAGE, {"email": PERSON}).content.decode()
    assert observer.post(ERASE, {"email": PERSON, "confirm": "1"}).status_code == 403
    assert Participant.objects.filter(email=PERSON).exists()


def test_erasing_shows_what_will_go_then_erases(organiser, oslo_delegation):
    confirm = page_text(organiser.post(ERASE, {"email": PERSON}))
    assert "Erase everything held about p3@kommune.example? This cannot be undone." in confirm
    assert "Removed from Oslo's delegation to Kulturskole 3.0" in confirm
    assert "1 email record: address and name removed." in confirm
    assert Participant.objects.filter(email=PERSON).exists()

    response = organiser.post(ERASE, {"email": PERSON, "confirm": "1"}, follow=True)
    assert "Erased: removed from 1 delegation(s)" in page_text(response)
    assert not Participant.objects.filter(email=PERSON).exists()
    assert not Delivery.objects.filter(email=PERSON).exists()
    assert ActionLog.objects.filter(action="person.erased", data__email_hash=email_digest(PERSON)).exists()


def test_a_refused_erasure_says_why_and_the_override_does_it(organiser, oslo_delegation):
    leader = "p1@kommune.example"
    confirm = page_text(organiser.post(ERASE, {"email": leader}))
    assert "Refused without «Erase anyway»: The delegation needs at least 2 people who represent" in confirm
    assert "The delegation must include the culture-school leader." in confirm
    refused = page_text(organiser.post(ERASE, {"email": leader, "confirm": "1"}))
    assert "The person cannot be removed from Oslo's delegation" in refused
    assert Participant.objects.filter(email=leader).exists()
    organiser.post(ERASE, {"email": leader, "confirm": "1", "override": "on"})
    assert not Participant.objects.filter(email=leader).exists()
    assert Registration.objects.get().participants.count() == 3


# --- Workshops: when, and anonymising early ---------------------------------------------------------------


def test_staff_see_when_each_workshop_will_be_anonymised(organiser, workshop):
    assert "from Thursday 10 March 2022, 15:00" in page_text(organiser.get(WORKSHOPS))
    change = page_text(organiser.get(f"{WORKSHOPS}{workshop.pk}/change/"))
    assert "Personal data anonymised: from Thursday 10 March 2022, 15:00" in change
    assert "Keep personal data (months)" in change


def test_anonymising_early_asks_first_then_anonymises(organiser, oslo_delegation, time_machine):
    workshop = oslo_delegation.workshop
    time_machine.move_to(oslo(2021, 4, 1, 12, 0), tick=False)
    action = {"action": "anonymise_now", "_selected_action": [workshop.pk]}
    confirm = page_text(organiser.post(WORKSHOPS, action))
    assert "1 delegations with 3 participants, 4 email records" in confirm
    assert "This cannot be undone." in confirm
    assert Participant.objects.filter(email=PERSON).exists()

    done = page_text(organiser.post(WORKSHOPS, {**action, "apply": "1"}, follow=True))
    assert "personal data anonymised (3 participants, 1 contact persons" in done
    assert "done Thursday 1 April 2021, 12:00" in done
    assert not Participant.objects.exclude(email__endswith="@anonymised.invalid").exists()
    entry = ActionLog.objects.get(action="workshop.anonymised")
    assert (entry.user_name, entry.workshop_id) == ("ingrid", workshop.pk)


def test_a_workshop_not_over_is_left_alone(organiser, oslo_delegation):
    action = {"action": "anonymise_now", "_selected_action": [oslo_delegation.workshop_id], "apply": "1"}
    text = page_text(organiser.post(WORKSHOPS, action, follow=True))
    assert "is not over yet" in text
    assert Participant.objects.filter(email=PERSON).exists()


def test_observers_do_not_get_the_action(observer, workshop):
    assert "anonymise_now" not in observer.get(WORKSHOPS).content.decode()


def test_the_admin_home_offers_erasing_only_to_those_who_may_erase(organiser, observer):
    assert "Personal data of one person: see, export, erase" in page_text(organiser.get("/admin/"))
    observed = page_text(observer.get("/admin/"))
    assert "Personal data of one person: see, export" in observed
    assert "see, export, erase" not in observed
