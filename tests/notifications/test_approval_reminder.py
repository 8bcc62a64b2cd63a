"""The organisers' address hears, two days ahead, about a scheduled mailing nobody has approved."""

import datetime

import pytest

from notifications import scheduling, services, tasks
from notifications.models import Mailing
from tests.conftest import STAFF, oslo
from tests.notifications.conftest import subject, text_body

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
MATERIAL_AT = oslo(2021, 3, 3, 9, 0)
TWO_DAYS = datetime.timedelta(days=2)


@pytest.fixture
def organisers(settings):
    settings.ORGANISERS_EMAIL = "arrangor@kulturskoleradet.no"
    return settings.ORGANISERS_EMAIL


def run(time_machine, commit, when):
    time_machine.move_to(when, tick=False)
    with commit():
        tasks.remind_approvals.delay()


def test_nothing_before_two_days_ahead_then_one_email_once(workshop, organisers, smtp_server, commit, time_machine):
    workshop.reminder_days_before = ""
    workshop.save()
    scheduling.mailings_schedule(workshop=workshop)

    run(time_machine, commit, MATERIAL_AT - TWO_DAYS - datetime.timedelta(seconds=1))
    assert smtp_server.messages == []

    run(time_machine, commit, MATERIAL_AT - TWO_DAYS)
    [message] = smtp_server.messages
    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    assert message["To"] == organisers
    assert subject(message) == f"Venter på godkjenning: {material} (onsdag 3. mars 2021 kl. 09.00)"
    body = text_body(message)
    assert f"http://127.0.0.1:8000/admin/notifications/mailing/{material.pk}/change/" in body
    assert "- Ingen materiellfil er lastet opp." in body
    material.refresh_from_db()
    assert material.approval_reminder_sent_at == MATERIAL_AT - TWO_DAYS

    run(time_machine, commit, MATERIAL_AT - TWO_DAYS + datetime.timedelta(hours=1))
    assert len(smtp_server.messages) == 1


def test_an_approved_mailing_is_not_reported(workshop, organisers, smtp_server, commit, time_machine):
    workshop.reminder_days_before = ""
    workshop.save()
    [material] = scheduling.mailings_schedule(workshop=workshop)
    services.mailing_approve(mailing=material, actor=STAFF, accept_gaps=True)

    run(time_machine, commit, MATERIAL_AT - datetime.timedelta(hours=1))

    assert smtp_server.messages == []


def test_each_mailing_is_reported_once(workshop, organisers, smtp_server, commit, time_machine):
    scheduling.mailings_schedule(workshop=workshop)  # the material (3 March) and two reminders (9 March)

    run(time_machine, commit, MATERIAL_AT - TWO_DAYS)
    run(time_machine, commit, oslo(2021, 3, 7, 9, 0))
    run(time_machine, commit, oslo(2021, 3, 8, 9, 0))

    assert len(smtp_server.messages) == 3
    assert sorted(Mailing.objects.values_list("kind", "approval_reminder_sent_at")) == [
        ("material", MATERIAL_AT - TWO_DAYS),
        ("reminder", oslo(2021, 3, 7, 9, 0)),
        ("reminder", oslo(2021, 3, 7, 9, 0)),
    ]


def test_a_failed_email_is_tried_again_on_the_next_tick(workshop, organisers, smtp_server, commit, time_machine):
    workshop.reminder_days_before = ""
    workshop.save()
    scheduling.mailings_schedule(workshop=workshop)
    smtp_server.refuse[organisers] = "451 4.3.0 try later"

    run(time_machine, commit, MATERIAL_AT - TWO_DAYS)
    assert Mailing.objects.get(kind=Mailing.Kind.MATERIAL).approval_reminder_sent_at is None

    del smtp_server.refuse[organisers]
    run(time_machine, commit, MATERIAL_AT - TWO_DAYS + datetime.timedelta(minutes=1))
    assert [m["To"] for m in smtp_server.messages] == [organisers]
