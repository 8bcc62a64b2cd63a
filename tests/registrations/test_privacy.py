"""Retention: a workshop's personal data are anonymised when its period has passed, and only then.

The 2021 workshop's last session ends 10 March 2021 15.00 Oslo time; with the default 12 months its data
are due for anonymisation from 10 March 2022 15.00.
"""

import collections
import datetime
import json
import re

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from notifications.models import Delivery, LedgerEntry, Mailing
from notifications.scheduling import mailings_release_due
from registrations import services, tasks
from registrations.errors import RegistrationError
from registrations.models import Participant, Registration, Role
from tests.conftest import STAFF, delegation, input_answer, oslo, participants, register
from tests.notifications.conftest import approve_scheduled
from workshops.models import ActionLog, Workshop

DUE = oslo(2022, 3, 10, 15, 0)
ANONYMISED_EMAIL = re.compile(r"^anonymised-[prd]\d+@anonymised\.invalid$")


@pytest.fixture
def registered(workshop, time_machine, admin_user):
    """Three delegations (one cancelled, one changed by staff), the material sent, a failed delivery
    whose error names its address, and the admin's history naming a participant."""
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)
    oslo_reg = register(workshop, "0301", people=delegation(3, prefix="oslo"), municipality_input="Samskaping.")
    bergen = register(
        workshop,
        "4601",
        people=participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.VOLUNTARY_SECTOR, prefix="bergen"),
    )
    tromso = register(workshop, "5401", people=delegation(2, prefix="tromso"))
    services.registration_update(
        registration=bergen,
        contact=services.ContactData("Berit Bergen", "berit@bergen.example", "+47 11 22 33 44"),
        participants=[
            services.ParticipantData(id=p.pk, name=p.name + " Jr", email=p.email, role=p.role, title=p.title)
            for p in bergen.participants.all()
        ],
        actor=STAFF,
    )
    services.registration_cancel(registration=tromso, actor=STAFF)
    approve_scheduled(workshop)
    time_machine.move_to(oslo(2021, 3, 3, 9, 1), tick=False)
    mailings_release_due()
    failed = Delivery.objects.filter(email="oslo1@kommune.example").first()
    failed.status, failed.last_error = Delivery.Status.FAILED, "550 5.1.1 <oslo1@kommune.example>: no such user"
    failed.save()
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Registration),
        object_id=str(oslo_reg.pk),
        object_repr=str(oslo_reg),
        action_flag=CHANGE,
        change_message=json.dumps([{"changed": {"name": "participant", "object": "Person oslo2", "fields": ["Name"]}}]),
    )
    return workshop


def personal_values(workshop: Workshop) -> set[str]:
    """Every name, address, phone and title the workshop's rows hold now."""
    values = set()
    for p in Participant.objects.filter(registration__workshop=workshop):
        values |= {p.name, p.email, p.phone, p.title}
    for r in Registration.objects.filter(workshop=workshop):
        values |= {r.contact_name, r.contact_email, r.contact_phone}
    return {v for v in values if v}


def statistics(workshop: Workshop):
    """What must survive: per municipality its status, session, roles and input."""
    return sorted(
        (
            r.municipality.number,
            r.status,
            r.session_id,
            tuple(sorted(r.participants.values_list("role", flat=True))),
            input_answer(r),
        )
        for r in Registration.objects.filter(workshop=workshop)
    )


def recorded_text(workshop: Workshop) -> str:
    """Everything the outbox and both logs hold about the workshop, as one text to search."""
    deliveries = Delivery.objects.filter(mailing__workshop=workshop).values_list("email", "name", "last_error")
    log = ActionLog.objects.filter(workshop_id=workshop.pk).values_list("data", "object_repr")
    admin_log = LogEntry.objects.values_list("change_message", flat=True)
    ledger = LedgerEntry.objects.values_list("email", flat=True)
    return json.dumps([list(deliveries), list(log), list(admin_log), list(ledger)], ensure_ascii=False)


def test_the_day_before_nothing_changes(registered, time_machine):
    before = personal_values(registered)
    text = recorded_text(registered)
    for moment in (DUE - datetime.timedelta(days=1), DUE - datetime.timedelta(seconds=1)):
        time_machine.move_to(moment, tick=False)
        assert tasks.anonymise_past_workshops() == 0
    registered.refresh_from_db()
    assert registered.anonymised_at is None
    assert personal_values(registered) == before
    assert recorded_text(registered) == text


def test_after_the_period_every_personal_field_is_gone_and_the_statistics_stay(registered, time_machine):
    before = personal_values(registered)
    stats = statistics(registered)
    deliveries = Delivery.objects.filter(mailing__workshop=registered).count()
    assert "oslo1@kommune.example" in recorded_text(registered) and LedgerEntry.objects.exists()

    time_machine.move_to(DUE, tick=False)
    assert tasks.anonymise_past_workshops() == 1

    registered.refresh_from_db()
    assert registered.anonymised_at == DUE
    assert statistics(registered) == stats
    people = list(Participant.objects.filter(registration__workshop=registered))
    assert {(p.name, p.phone, p.title) for p in people} == {("anonymisert", "", "")}
    emails = [p.email for p in people] + [r.contact_email for r in Registration.objects.filter(workshop=registered)]
    assert all(ANONYMISED_EMAIL.match(e) for e in emails)
    assert len(set(emails)) == len(emails)
    assert personal_values(registered) <= {"anonymisert"} | set(emails)
    assert Delivery.objects.filter(mailing__workshop=registered).count() == deliveries
    assert not Delivery.objects.filter(mailing__workshop=registered).exclude(email__endswith="@anonymised.invalid")
    assert not Delivery.objects.filter(mailing__workshop=registered).exclude(name="")
    assert not LedgerEntry.objects.exists()
    text = recorded_text(registered)
    leaked = [value for value in before if len(value) >= 3 and value in text]
    assert leaked == []
    assert "[address removed]" in text  # the SMTP error kept, without its address
    entry = ActionLog.objects.get(action="workshop.anonymised")
    assert (entry.actor_kind, entry.workshop_id) == ("system", registered.pk)


def test_the_old_link_opens_nothing_after_anonymisation(registered, time_machine, client):
    registration = Registration.objects.get(municipality__number="0301", workshop=registered)
    old_link = f"/r/{registration.access_id}/{registration.token}/"
    time_machine.move_to(DUE, tick=False)
    services.workshops_anonymise_due()
    registration.refresh_from_db()
    assert registration.token not in old_link
    assert client.get(old_link).status_code in (403, 404)


def test_it_is_idempotent(registered, time_machine):
    time_machine.move_to(DUE, tick=False)
    first = services.workshop_anonymise(workshop=registered, actor=STAFF)
    assert first.participants == 8 and first.contacts == 3
    state = (personal_values(registered), recorded_text(registered), statistics(registered))
    time_machine.move_to(DUE + datetime.timedelta(days=1), tick=False)
    second = services.workshop_anonymise(workshop=registered, actor=STAFF)
    assert not second.changed
    assert (personal_values(registered), recorded_text(registered), statistics(registered)) == state
    registered.refresh_from_db()
    assert registered.anonymised_at == DUE
    assert ActionLog.objects.filter(action="workshop.anonymised").count() == 1
    assert tasks.anonymise_past_workshops() == 0


def test_it_refuses_a_workshop_that_is_not_over(registered, time_machine):
    time_machine.move_to(oslo(2021, 3, 10, 14, 59), tick=False)
    with pytest.raises(RegistrationError) as refused:
        services.workshop_anonymise(workshop=registered, actor=STAFF)
    assert refused.value.codes == ["workshop_not_over"]
    assert Participant.objects.filter(email="oslo1@kommune.example").exists()


def test_the_period_is_per_workshop_with_a_default_from_the_settings(workshop, time_machine):
    assert workshop.retention_months == 12
    assert workshop.anonymise_after == DUE
    workshop.retention_months = 3
    workshop.save()
    time_machine.move_to(oslo(2021, 6, 10, 14, 59), tick=False)
    assert services.workshops_due_for_anonymisation() == []
    time_machine.move_to(oslo(2021, 6, 10, 15, 0), tick=False)
    assert services.workshops_due_for_anonymisation() == [workshop]
    with override_settings(DEFAULT_RETENTION_MONTHS=24):
        other = Workshop.objects.create(title="Neste", slug="neste", registration_deadline=oslo(2022, 1, 1))
    assert other.retention_months == 24


def test_the_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["registrations-anonymise-past-workshops"]
    assert entry["task"] == tasks.anonymise_past_workshops.name
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({3}, {17})


def test_deliveries_not_yet_sent_are_not_sent_after_anonymisation(registered, time_machine):
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING, mailing__workshop=registered).count()
    assert pending
    time_machine.move_to(DUE, tick=False)
    services.workshops_anonymise_due()
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING, mailing__workshop=registered).exists()
    assert collections.Counter(Mailing.objects.values_list("kind", flat=True))["material"] == 1
