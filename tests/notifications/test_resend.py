"""Sending again from the registration list: the confirmation, or a workshop mailing that went out.

The services first, then the two actions as staff use them (a page that says what will happen, then the
emails), and who may use them. Pages are read in English (the msgids).
"""

import pytest
from django.conf import settings

from notifications import services, tasks
from notifications.models import Delivery, LedgerEntry, Mailing
from registrations import services as registration_services
from registrations.services import ContactData
from registrations.staff_groups import OBSERVERS, ORGANISERS
from tests.conftest import STAFF, oslo, register
from tests.notifications.conftest import approve_scheduled, subject
from tests.registrations.backoffice.conftest import staff_client
from tests.registrations.conftest import page_text
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
REGISTRATIONS = "/admin/registrations/registration/"
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
CONFIRMED = f"Registration confirmed: {TITLE}"
MAIN_REMINDER = f"Reminder: {TITLE}, Wednesday 10 March 2021, 09:00–11:30"
MATERIAL = f"Preparatory material: {TITLE}"
BERIT = ContactData(name="Berit Bergen", email="berit@bergen.example", phone="")


def tick(time_machine, commit, when):
    time_machine.move_to(when, tick=False)
    with commit():
        tasks.release_due_mailings.delay()


def received(smtp_server) -> list[tuple[str, str]]:
    return sorted((m["To"], subject(m)) for m in smtp_server.messages)


@pytest.fixture
def staff(admin_client):
    """Logged in when the fixture is made: after the fixtures that travel in time (a session expires)."""
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def delegations(workshop, overflow_session, smtp_server, commit):
    """Oslo in the main session, Bergen moved to the overflow session, Stavanger cancelled."""
    with commit():
        oslo_ = register(workshop, "0301", language="en")
        bergen = register(workshop, "4601", language="en", contact=BERIT)
        registration_services.registration_move(registration=bergen, session=overflow_session, actor=STAFF)
        stavanger = register(workshop, "1103", language="en", contact=BERIT)
        registration_services.registration_cancel(registration=stavanger, actor=STAFF)
    return oslo_, bergen, stavanger


@pytest.fixture
def reminders_sent(workshop, delegations, smtp_server, commit, time_machine):
    """The material and the reminders went out (9 March 2021, 12:00); the outbox is emptied."""
    approve_scheduled(workshop)
    tick(time_machine, commit, oslo(2021, 3, 9, 12, 0))
    smtp_server.messages.clear()
    return Mailing.objects.get(kind=Mailing.Kind.REMINDER, session__kind="main")


def post_action(client, action: str, registrations, **data):
    return client.post(REGISTRATIONS, {"action": action, "_selected_action": [r.pk for r in registrations], **data})


# --- The services ------------------------------------------------------------------------------------


def test_a_confirmation_resent_is_a_new_mailing_to_contact_and_participants(delegations, smtp_server, commit):
    oslo_, _bergen, _stavanger = delegations
    smtp_server.messages.clear()

    with commit():
        ids = services.registration_confirmation_resend(registration=oslo_, actor=STAFF)

    assert received(smtp_server) == [
        ("03011@kommune.example", CONFIRMED),
        ("03012@kommune.example", CONFIRMED),
        ("kari@kommune.example", CONFIRMED),
    ]
    first, again = Mailing.objects.filter(registration=oslo_, kind=Mailing.Kind.CONFIRMATION).order_by("pk")
    assert sorted(again.deliveries.values_list("pk", flat=True)) == sorted(ids)
    assert first.deliveries.filter(status=Delivery.Status.SENT).count() == 3  # the first stays on record
    [entry] = ActionLog.objects.filter(action="registration.confirmation_resent")
    assert (entry.object_id, entry.data) == (oslo_.pk, {"mailing": again.pk, "deliveries": 3})


def test_a_cancelled_delegation_gets_no_confirmation_again(delegations, smtp_server, commit):
    _oslo, _bergen, stavanger = delegations
    smtp_server.messages.clear()

    with commit(), pytest.raises(services.MailingError):
        services.registration_confirmation_resend(registration=stavanger, actor=STAFF)

    assert smtp_server.messages == []
    assert not ActionLog.objects.filter(action="registration.confirmation_resent").exists()


def test_a_mailing_resent_goes_again_on_the_same_delivery_rows(delegations, reminders_sent, smtp_server, commit):
    oslo_, bergen, stavanger = delegations
    rows_before = sorted(reminders_sent.deliveries.values_list("pk", "email"))

    with commit():
        services.mailing_resend(mailing=reminders_sent, registrations=[oslo_, bergen, stavanger], actor=STAFF)

    assert received(smtp_server) == [("03011@kommune.example", MAIN_REMINDER), ("03012@kommune.example", MAIN_REMINDER)]
    assert sorted(reminders_sent.deliveries.values_list("pk", "email")) == rows_before
    assert set(reminders_sent.deliveries.values_list("status", "attempts")) == {("sent", 1)}
    [entry] = ActionLog.objects.filter(action="mailing.resent")
    assert entry.data == {"registrations": sorted([oslo_.pk, bergen.pk, stavanger.pk]), "reset": 2, "created": 0}


def test_a_failed_delivery_resent_is_sent(workshop, delegations, smtp_server, commit, time_machine):
    oslo_, _bergen, _stavanger = delegations
    approve_scheduled(workshop)
    smtp_server.refuse["03012@kommune.example"] = "550 5.1.1 no such user"
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    assert material.deliveries.get(email="03012@kommune.example").status == "failed"
    smtp_server.refuse.clear()
    smtp_server.messages.clear()

    with commit():
        services.mailing_resend(mailing=material, registrations=[oslo_], actor=STAFF)

    assert received(smtp_server) == [("03011@kommune.example", MATERIAL), ("03012@kommune.example", MATERIAL)]
    delivery = material.deliveries.get(email="03012@kommune.example")
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, "")


def test_a_staff_resend_passes_the_ledger_and_keeps_it(workshop, delegations, smtp_server, commit, time_machine):
    oslo_, _bergen, _stavanger = delegations
    approve_scheduled(workshop)
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    # The material's rows deleted by hand and the mailing made again: the ledger stops the scheduler.
    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    Delivery.objects.filter(mailing=material).delete()
    material.delete()
    approve_scheduled(workshop)
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 1))
    again = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)
    assert again.deliveries.count() == 0
    ledger = sorted(LedgerEntry.objects.values_list("key", "email"))
    smtp_server.messages.clear()

    with commit():
        services.mailing_resend(mailing=again, registrations=[oslo_], actor=STAFF)

    # Staff asked for it explicitly: it goes, and the ledger still holds one entry per address.
    assert received(smtp_server) == [("03011@kommune.example", MATERIAL), ("03012@kommune.example", MATERIAL)]
    assert sorted(LedgerEntry.objects.values_list("key", "email")) == ledger
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 2))
    assert len(smtp_server.messages) == 2


def test_a_mailing_is_resent_only_after_it_went_out_and_before_its_session_ended(
    workshop, delegations, smtp_server, commit, time_machine
):
    oslo_, _bergen, _stavanger = delegations
    [material, *_] = approve_scheduled(workshop)
    with pytest.raises(services.MailingError):
        services.mailing_resend(mailing=material, registrations=[oslo_], actor=STAFF)
    tick(time_machine, commit, oslo(2021, 3, 3, 9, 0))
    time_machine.move_to(oslo(2021, 3, 10, 15, 0), tick=False)  # both sessions are over
    smtp_server.messages.clear()

    with commit(), pytest.raises(services.MailingError):
        services.mailing_resend(mailing=material, registrations=[oslo_], actor=STAFF)

    assert smtp_server.messages == []
    assert not ActionLog.objects.filter(action="mailing.resent").exists()


# --- The actions -------------------------------------------------------------------------------------


def test_resending_the_confirmation_says_what_will_happen_then_sends(staff, delegations, smtp_server, commit):
    oslo_, bergen, stavanger = delegations
    smtp_server.messages.clear()

    text = page_text(post_action(staff, "resend_confirmation", [oslo_, bergen, stavanger]))

    assert (
        "Oslo: kari@kommune.example (contact person), 03011@kommune.example, 03012@kommune.example" in text
        and "Bergen: berit@bergen.example (contact person), 46011@kommune.example, 46012@kommune.example" in text
        and "Stavanger: nothing is sent (cancelled)" in text
    )
    assert "6 emails will go out: 2 to contact persons and 4 to participants." in text
    assert "1 delegation gets nothing" in text
    assert smtp_server.messages == []
    assert Mailing.objects.filter(kind=Mailing.Kind.CONFIRMATION).count() == 3

    with commit():
        post_action(staff, "resend_confirmation", [oslo_, bergen, stavanger], apply="Send")

    assert received(smtp_server) == [
        ("03011@kommune.example", CONFIRMED),
        ("03012@kommune.example", CONFIRMED),
        ("46011@kommune.example", CONFIRMED),
        ("46012@kommune.example", CONFIRMED),
        ("berit@bergen.example", CONFIRMED),
        ("kari@kommune.example", CONFIRMED),
    ]
    assert Mailing.objects.filter(kind=Mailing.Kind.CONFIRMATION).count() == 5


def test_resending_a_mailing_shows_the_plan_for_the_mailing_chosen(delegations, reminders_sent, staff, smtp_server):
    oslo_, bergen, stavanger = delegations
    selected = [oslo_, bergen, stavanger]

    choose = post_action(staff, "resend_mailing", selected)
    offered = {m.pk for m in choose.context["form"].fields["mailing"].queryset}
    preview = page_text(post_action(staff, "resend_mailing", selected, mailing=reminders_sent.pk, preview="1"))

    assert offered == set(Mailing.objects.exclude(kind__in=Mailing.REGISTRATION_KINDS).values_list("pk", flat=True))
    assert "Oslo: 03011@kommune.example (again), 03012@kommune.example (again)" in preview
    assert "Bergen: nothing is sent (not in that session)" in preview
    assert "Stavanger: nothing is sent (cancelled)" in preview
    assert "will go to 2 participants: 2 again, 0 for the first time." in preview
    assert "2 delegations get nothing" in preview
    assert smtp_server.messages == []


def test_resending_a_mailing_sends_what_the_page_showed(delegations, reminders_sent, staff, smtp_server, commit):
    oslo_, bergen, stavanger = delegations
    selected = [oslo_, bergen, stavanger]
    material = Mailing.objects.get(kind=Mailing.Kind.MATERIAL)

    with commit():  # the material chosen after the reminder was shown: shown first, not sent
        response = post_action(
            staff, "resend_mailing", selected, mailing=material.pk, previewed=reminders_sent.pk, apply="Send"
        )
    assert "will go to 4 participants: 4 again, 0 for the first time." in page_text(response)
    assert smtp_server.messages == []

    with commit():
        post_action(staff, "resend_mailing", selected, mailing=material.pk, previewed=material.pk, apply="Send")

    assert received(smtp_server) == [
        ("03011@kommune.example", MATERIAL),
        ("03012@kommune.example", MATERIAL),
        ("46011@kommune.example", MATERIAL),
        ("46012@kommune.example", MATERIAL),
    ]
    assert ActionLog.objects.get(action="mailing.resent").user.is_superuser


def test_a_mailing_of_one_workshop_at_a_time(delegations, reminders_sent, staff, smtp_server, commit):
    from tests.conftest import create_workshop

    other = create_workshop(day=oslo(2021, 4, 14).date(), deadline=oslo(2021, 4, 1), slug="april")
    with commit():
        april = register(other, "0301", language="en")
    smtp_server.messages.clear()

    response = post_action(staff, "resend_mailing", [delegations[0], april])

    assert response.status_code == 302
    assert "Select registrations of one workshop" in page_text(staff.get(REGISTRATIONS))


# --- Who may ----------------------------------------------------------------------------------------


def action_choices(client) -> set[str]:
    form = client.get(REGISTRATIONS).context["action_form"]
    if form is None:  # the list offers no action at all
        return set()
    return {value for value, _label in form.fields["action"].choices if value}


def test_organisers_have_the_resend_actions_and_observers_do_not(db):
    assert {"resend_confirmation", "resend_mailing"} <= action_choices(staff_client("arne", ORGANISERS))
    assert action_choices(staff_client("olga", OBSERVERS)).isdisjoint({"resend_confirmation", "resend_mailing"})


@pytest.mark.parametrize("action", ["resend_confirmation", "resend_mailing"])
def test_an_observer_cannot_post_a_resend(delegations, reminders_sent, smtp_server, commit, action):
    observer = staff_client("olga", OBSERVERS)
    before = (sorted(Delivery.objects.values_list("pk", "status", "attempts")), Mailing.objects.count())

    with commit():
        post_action(observer, action, delegations, mailing=reminders_sent.pk, previewed=reminders_sent.pk, apply="Send")

    assert (sorted(Delivery.objects.values_list("pk", "status", "attempts")), Mailing.objects.count()) == before
    assert smtp_server.messages == []
    assert not ActionLog.objects.filter(user=observer.user).exists()
