"""Erasing one person on request (registrations.services.person_erase): anonymised where the workshop is
over, removed from a coming delegation while its rules hold, refused (or, with the override, anonymised in
place) where they would break."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from notifications.models import Delivery, LedgerEntry
from notifications.scheduling import mailing_release
from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Participant, Registration, Role
from registrations.services.privacy import email_digest
from tests.conftest import CONTACT, STAFF, oslo, participants, register
from tests.notifications.conftest import approve_scheduled
from workshops.audit import Actor
from workshops.models import ActionLog

PERSON = "p3@kommune.example"  # the local actor in Oslo's delegation (does not count toward the minimum)
LEADER = "p1@kommune.example"  # the culture-school leader in Oslo's delegation


@pytest.fixture
def staff_actor(db) -> Actor:
    user = get_user_model().objects.create_user("sigrid", "sigrid@ks.example", "pw", is_staff=True)
    return Actor.staff(user)


@pytest.fixture
def oslo_delegation(workshop, before_deadline):
    """Oslo: culture-school leader, municipal leader, local actor (PERSON), also in Bergen's delegation."""
    oslo_reg = register(
        workshop, "0301", people=participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.VOLUNTARY_SECTOR)
    )
    bergen = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, prefix="bergen")
    bergen.append(services.ParticipantData(name="Person p3", email=PERSON.upper(), role=Role.BUSINESS))
    register(workshop, "4601", people=bergen)
    return oslo_reg


def mentions(address: str) -> bool:
    """Whether any participant, contact, delivery, ledger entry or log entry still holds the address."""
    rows = [
        Participant.objects.filter(email__iexact=address).exists(),
        Registration.objects.filter(contact_email__iexact=address).exists(),
        Delivery.objects.filter(email__iexact=address).exists(),
        LedgerEntry.objects.filter(email__iexact=address).exists(),
    ]
    log = json.dumps(list(ActionLog.objects.values_list("data", flat=True))).lower()
    return any(rows) or address.lower() in log


def test_a_person_in_coming_delegations_is_removed_and_every_trace_erased(oslo_delegation, staff_actor):
    approve_scheduled(oslo_delegation.workshop)
    material = oslo_delegation.workshop.mailings.get(kind="material")
    mailing_release(mailing=material, now=oslo(2021, 3, 3, 9, 0))
    assert LedgerEntry.objects.filter(email=PERSON).exists() and mentions(PERSON)

    erased = services.person_erase(email=" P3@Kommune.example ", actor=staff_actor)

    assert len(erased.removed) == 2
    assert not mentions(PERSON)
    assert sorted(Registration.objects.get(pk=oslo_delegation.pk).participants.values_list("role", flat=True)) == [
        Role.CULTURE_SCHOOL_LEADER,
        Role.MUNICIPAL_LEADER,
    ]
    assert Delivery.objects.filter(email__endswith="@anonymised.invalid", name="").count() == erased.deliveries > 0
    log = ActionLog.objects.filter(action="person.erased")
    assert {(e.object_repr, e.data["email_hash"]) for e in log} >= {("sigrid", email_digest(PERSON))}
    assert log.filter(object_id=oslo_delegation.pk, workshop_id=oslo_delegation.workshop_id).exists()


def test_removing_a_required_person_is_refused_and_nothing_changes(oslo_delegation, staff_actor):
    with translation.override("en"), pytest.raises(RegistrationError) as refused:
        services.person_erase(email=LEADER, actor=staff_actor)
    assert refused.value.codes == ["erase_breaks_delegation"]
    with translation.override("en"):
        message = refused.value.messages[0]
    assert message.startswith("The person cannot be removed from Oslo's delegation to Kulturskole 3.0")
    assert "The delegation must include the culture-school leader." in message
    assert Participant.objects.filter(email=LEADER).exists()
    assert not ActionLog.objects.filter(action="person.erased").exists()


def test_with_the_override_the_person_is_anonymised_in_place_and_keeps_the_seat(oslo_delegation, staff_actor):
    erased = services.person_erase(email=LEADER, actor=staff_actor, override=True)
    assert erased.participants == 1 and erased.removed == []
    leader = Participant.objects.get(registration=oslo_delegation, role=Role.CULTURE_SCHOOL_LEADER)
    assert (leader.name, leader.email, leader.phone, leader.title) == (
        "anonymisert",
        f"anonymised-p{leader.pk}@anonymised.invalid",
        "",
        "",
    )
    assert not mentions(LEADER)
    # Nothing is ever sent to the placeholder: the material goes to the two others only.
    approve_scheduled(oslo_delegation.workshop)
    material = oslo_delegation.workshop.mailings.get(kind="material")
    mailing_release(mailing=material, now=oslo(2021, 3, 3, 9, 0), registration_ids=[oslo_delegation.pk])
    assert sorted(Delivery.objects.filter(mailing=material).values_list("email", flat=True)) == [
        "p2@kommune.example",
        PERSON,
    ]


def test_in_a_workshop_that_is_over_the_person_is_anonymised_in_place(oslo_delegation, staff_actor, time_machine):
    time_machine.move_to(oslo(2021, 3, 11, 9, 0), tick=False)
    erased = services.person_erase(email=LEADER, actor=staff_actor)
    assert (erased.participants, erased.removed) == (1, [])
    assert Participant.objects.filter(registration=oslo_delegation).count() == 3
    assert not mentions(LEADER)


def test_a_contact_person_is_anonymised_and_the_coming_delegation_reported(oslo_delegation, staff_actor):
    token = oslo_delegation.token
    erased = services.person_erase(email=CONTACT.email, actor=staff_actor)
    oslo_delegation.refresh_from_db()
    assert (oslo_delegation.contact_name, oslo_delegation.contact_phone) == ("anonymisert", "")
    assert oslo_delegation.contact_email == f"anonymised-r{oslo_delegation.pk}@anonymised.invalid"
    assert oslo_delegation.token != token
    assert {r.pk for r in erased.without_contact} == set(Registration.objects.values_list("pk", flat=True))
    assert not mentions(CONTACT.email)


def test_an_unknown_address_changes_nothing_but_the_request_is_recorded(oslo_delegation, staff_actor):
    erased = services.person_erase(email="nobody@example.no", actor=staff_actor)
    assert not erased.found
    entry = ActionLog.objects.get(action="person.erased")
    assert entry.data == {"email_hash": email_digest("nobody@example.no"), "override": False}
    assert "nobody" not in json.dumps(entry.data) + entry.object_repr


def test_the_log_keeps_others_in_the_same_entries(oslo_delegation):
    services.person_erase(email=PERSON, actor=STAFF)
    created = ActionLog.objects.get(action="registration.created", object_id=oslo_delegation.pk)
    emails = [p["email"] for p in created.data["participants"]]
    assert emails == ["p1@kommune.example", "p2@kommune.example", "[address removed]"]
