"""A workshop mailing is never sent twice to one address, whatever happens to its rows."""

import pytest
from django.db.models import ProtectedError

from notifications import services, tasks
from notifications.models import Delivery, LedgerEntry, Mailing
from tests.conftest import STAFF, oslo, register
from tests.notifications.conftest import approve_scheduled, subject

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
MATERIAL = "Preparatory material: Kulturskole 3.0"


def material_to(smtp_server) -> list[str]:
    return sorted(m["To"] for m in smtp_server.messages if subject(m).startswith(MATERIAL))


def tick(time_machine, commit, when):
    time_machine.move_to(when, tick=False)
    with commit():
        tasks.release_due_mailings.delay()


def test_deleting_the_sent_material_does_not_send_it_again(workshop, smtp_server, commit, time_machine):
    approve_scheduled(workshop)
    with commit():
        register(workshop, "0301", language="en")
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    assert material_to(smtp_server) == ["03011@kommune.example", "03012@kommune.example"]

    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    with pytest.raises(ProtectedError):
        material.delete()  # the deliveries hold on to their mailing
    Delivery.objects.filter(mailing=material).delete()
    material.delete()
    # The scheduler creates the material mailing again; staff approve it again.
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 1))
    assert [m.pk for m in approve_scheduled(workshop)] == [Mailing.objects.get(kind=Mailing.Kind.MATERIAL).pk]
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 2))

    assert material_to(smtp_server) == ["03011@kommune.example", "03012@kommune.example"]
    assert Delivery.objects.filter(mailing__kind=Mailing.Kind.MATERIAL).count() == 0

    # Catch-up still works for someone who was never given it.
    time_machine.move_to(oslo(2021, 3, 4, 12, 0), tick=False)
    with commit():
        register(workshop, "4601", language="en", actor=STAFF)
    assert material_to(smtp_server) == [
        "03011@kommune.example",
        "03012@kommune.example",
        "46011@kommune.example",
        "46012@kommune.example",
    ]


def test_the_ledger_is_written_with_the_deliveries_in_lower_case(workshop, smtp_server, commit, time_machine):
    approve_scheduled(workshop)
    with commit():
        register(workshop, "0301", language="en")
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))

    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    assert sorted(LedgerEntry.objects.values_list("key", "email")) == [
        (f"material:workshop={workshop.pk}", "03011@kommune.example"),
        (f"material:workshop={workshop.pk}", "03012@kommune.example"),
    ]
    assert material.ledger_key == f"material:workshop={workshop.pk}"


def test_a_retried_message_is_not_a_second_send(workshop, smtp_server, commit):
    smtp_server.refuse["03011@kommune.example"] = "550 no"
    with commit():
        register(workshop, "0301", language="en")
    mailing = services.mailing_create_custom(workshop=workshop, subject="Programme", body="Hello", actor=STAFF)
    with commit():
        services.mailing_send_now(mailing=mailing, actor=STAFF)
    del smtp_server.refuse["03011@kommune.example"]

    with commit():
        services.deliveries_retry(deliveries=mailing.deliveries.all(), actor=STAFF)
        services.mailing_send_now(mailing=mailing, actor=STAFF)

    assert sorted(m["To"] for m in smtp_server.messages if subject(m) == "Programme") == [
        "03011@kommune.example",
        "03012@kommune.example",
    ]
    assert LedgerEntry.objects.filter(key=f"custom:mailing={mailing.pk}").count() == 2
