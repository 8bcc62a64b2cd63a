"""Invitations to the municipalities not registered yet, and the reminder before the deadline: drafts
approved by staff, sent through the outbox to the contacts of municipalities still not registered, never to
a registered one (checked again at send time), once per address."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import outreach, scheduling, selectors, sending, services, tasks
from notifications.models import Delivery, LedgerEntry, Mailing
from registrations.models import MunicipalContact
from tests.conftest import STAFF, oslo, register
from tests.notifications.conftest import subject, text_body
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]

OSLO_POST, OSLO_LEADER = "postmottak@oslo.kommune.example", "leder@kulturskolen.oslo.example"
BERGEN_POST, TROMSO_POST = "postmottak@bergen.kommune.example", "postmottak@tromso.kommune.example"


@pytest.fixture
def contacts(municipality_data):
    rows = [
        ("0301", "postmottak", "", OSLO_POST),
        ("0301", "culture_school_leader", "Kari Leder", OSLO_LEADER),
        ("4601", "postmottak", "", BERGEN_POST),
        ("5401", "postmottak", "", TROMSO_POST),
    ]
    for number, kind, name, email in rows:
        MunicipalContact.objects.create(municipality_number=number, kind=kind, name=name, email=email)


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://verksted.example"


def approved_invitation(workshop, when=None) -> Mailing:
    mailing = outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=when or oslo(2021, 2, 16, 9, 0))
    return services.mailing_approve(mailing=mailing, actor=STAFF)


def release(commit):
    with commit():
        tasks.release_due_mailings.delay()


def recipients(smtp_server) -> list[str]:
    return sorted(m["To"] for m in smtp_server.messages)


def test_an_approved_invitation_goes_once_to_every_contact_of_the_municipalities_not_registered(
    workshop, contacts, site, smtp_server, commit, time_machine
):
    with commit():
        register(workshop, "4601")  # Bergen registered before the invitation was written
    smtp_server.messages.clear()
    approved_invitation(workshop)

    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    release(commit)
    release(commit)  # the next beat tick sends nothing more

    assert recipients(smtp_server) == sorted([OSLO_POST, OSLO_LEADER, TROMSO_POST])
    [tromso] = smtp_server.to(TROMSO_POST)
    assert subject(tromso) == f"Invitasjon: {workshop.title}"
    body = text_body(tromso)
    assert body.startswith("Hei, Tromsø kommune!")
    assert "inviterer Tromsø til verkstedet" in body
    assert "https://verksted.example/workshops/kulturskole-3-0/" in body
    assert "mandag 1. mars 2021 kl. 23.59" in body
    assert text_body(smtp_server.to(OSLO_LEADER)[0]).startswith("Hei, Kari Leder!")
    invitations = Delivery.objects.filter(mailing__kind=Mailing.Kind.INVITATION)
    assert set(invitations.values_list("registration", "participant")) == {(None, None)}


def test_a_municipality_that_registers_before_the_invitation_is_released_gets_nothing(
    workshop, contacts, smtp_server, commit, time_machine
):
    approved_invitation(workshop)
    with commit():
        register(workshop, "0301")  # Oslo registers between approval and the send time
    smtp_server.messages.clear()

    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    release(commit)

    assert recipients(smtp_server) == sorted([BERGEN_POST, TROMSO_POST])


def test_a_municipality_that_registers_after_the_release_but_before_sending_gets_nothing(
    workshop, contacts, smtp_server, commit, time_machine
):
    approved_invitation(workshop)
    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    ids = scheduling.mailings_release_due()  # deliveries created, not sent yet
    with commit():
        register(workshop, "5401")
    smtp_server.messages.clear()

    sending.deliveries_send(ids=ids)

    assert recipients(smtp_server) == sorted([OSLO_POST, OSLO_LEADER, BERGEN_POST])
    skipped = Delivery.objects.get(email=TROMSO_POST)
    assert skipped.status == Delivery.Status.SKIPPED
    assert skipped.last_error == "The municipality has registered (or the contact was removed)."


def test_a_second_invitation_reaches_only_the_addresses_not_invited_yet(
    workshop, contacts, smtp_server, commit, time_machine
):
    approved_invitation(workshop)
    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    release(commit)
    MunicipalContact.objects.create(municipality_number="1103", kind="postmottak", email="post@stavanger.example")
    smtp_server.messages.clear()

    approved_invitation(workshop, when=oslo(2021, 2, 17, 9, 0))
    time_machine.move_to(oslo(2021, 2, 17, 9, 0), tick=False)
    release(commit)

    assert recipients(smtp_server) == ["post@stavanger.example"]
    assert LedgerEntry.objects.filter(key__startswith="invitation:").count() == 5


def test_contacts_imported_after_an_invitation_went_out_do_not_get_it_on_their_own(
    workshop, contacts, smtp_server, commit, time_machine
):
    approved_invitation(workshop)
    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    release(commit)
    MunicipalContact.objects.create(municipality_number="1103", kind="postmottak", email="post@stavanger.example")
    smtp_server.messages.clear()

    time_machine.move_to(oslo(2021, 2, 16, 10, 0), tick=False)
    release(commit)

    assert smtp_server.messages == []


def test_the_reminder_goes_at_its_date_to_those_still_not_registered(
    workshop, contacts, smtp_server, commit, time_machine
):
    approved_invitation(workshop)
    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)
    release(commit)
    reminder = outreach.invitation_reminder_create(workshop=workshop, days_before_deadline=3, actor=STAFF)
    services.mailing_approve(mailing=reminder, actor=STAFF)
    with commit():
        register(workshop, "0301")
    smtp_server.messages.clear()

    assert reminder.scheduled_for == oslo(2021, 2, 26, 9, 0)
    time_machine.move_to(oslo(2021, 2, 26, 8, 59), tick=False)
    release(commit)
    assert smtp_server.messages == []

    time_machine.move_to(oslo(2021, 2, 26, 9, 0), tick=False)
    release(commit)
    release(commit)

    assert recipients(smtp_server) == sorted([BERGEN_POST, TROMSO_POST])
    message = smtp_server.to(BERGEN_POST)[0]
    assert subject(message) == f"Påminnelse: meld dere på {workshop.title} innen mandag 1. mars 2021"
    assert "og Bergen er ikke påmeldt ennå" in text_body(message)


def test_nothing_is_sent_after_the_registration_deadline(workshop, contacts, smtp_server, commit, time_machine):
    approved_invitation(workshop)
    time_machine.move_to(oslo(2021, 3, 2, 0, 0), tick=False)

    release(commit)

    assert smtp_server.messages == []
    assert Delivery.objects.count() == 0


def test_an_invitation_after_the_deadline_is_refused(workshop):
    with pytest.raises(services.MailingError):
        outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=oslo(2021, 3, 2, 9, 0))


def test_a_reminder_on_a_day_that_has_passed_or_twice_is_refused(workshop):
    with pytest.raises(services.MailingError, match="passert"):
        outreach.invitation_reminder_create(workshop=workshop, days_before_deadline=20, actor=STAFF)
    outreach.invitation_reminder_create(workshop=workshop, days_before_deadline=3, actor=STAFF)
    with pytest.raises(services.MailingError):
        outreach.invitation_reminder_create(workshop=workshop, days_before_deadline=3, actor=STAFF)


def test_creating_an_invitation_is_logged(workshop):
    mailing = outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=oslo(2021, 2, 16, 9, 0))

    log = ActionLog.objects.get(action="mailing.created")
    assert (log.object_id, log.workshop_id, log.data["kind"]) == (mailing.pk, workshop.pk, "invitation")


def test_an_invitation_waits_for_approval(workshop, contacts, smtp_server, commit, time_machine):
    outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=oslo(2021, 2, 16, 9, 0))
    time_machine.move_to(oslo(2021, 2, 16, 9, 0), tick=False)

    release(commit)

    assert smtp_server.messages == []


def test_the_checklist_names_what_an_invitation_lacks(workshop):
    workshop.is_published = False
    workshop.save()
    mailing = outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=oslo(2021, 2, 16, 9, 0))

    assert [gap.code for gap in selectors.mailing_checklist(mailing=mailing)] == ["not_published", "no_contacts"]
    with pytest.raises(services.MailingError):
        services.mailing_approve(mailing=mailing, actor=STAFF)


def test_the_queries_of_sending_an_invitation_do_not_grow_with_the_contacts(
    workshop, municipality_data, smtp_server, commit, time_machine
):
    def add_contacts(numbers):
        for number in numbers:
            for kind in ("postmottak", "culture_school_leader"):
                MunicipalContact.objects.create(
                    municipality_number=number, kind=kind, email=f"{kind}.{number}@k.example"
                )

    def queries_of_release_and_send(when) -> int:
        approved_invitation(workshop, when=when)
        time_machine.move_to(when, tick=False)
        with CaptureQueriesContext(connection) as queries:
            release(commit)
        return len(queries)

    release(commit)  # the first tick writes the workshop's schedule (material, reminders): not measured
    add_contacts(["0301", "1103"])
    few = queries_of_release_and_send(oslo(2021, 2, 16, 9, 0))
    add_contacts(["4601", "5401", "3024", "3025", "4204", "1804"])
    many = queries_of_release_and_send(oslo(2021, 2, 17, 9, 0))

    assert len(smtp_server.messages) == 4 + 12
    # One query per message, its "sent" mark (exactly once under failure, sending.Ledger); the rest is flat.
    assert many - few == 12 - 4
    assert few <= 45 + 4  # most of it is the tick keeping the workshop's material and reminders in step
