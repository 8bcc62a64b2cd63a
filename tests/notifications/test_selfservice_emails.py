"""The emails a self-service change or cancellation causes, as the SMTP server receives them.

New participants get the confirmation; removed ones a short notice and nothing more; a new contact person
the link, the previous one a notice without it; a cancellation tells the delegation and moves the waiting
list up, whose delegation is told its new time.
"""

import pytest

from notifications import scheduling, sending
from notifications.models import Delivery, Mailing
from registrations import services
from registrations.models import Registration, Role
from registrations.services import ContactData
from tests.conftest import CONTACT, delegation, oslo, register
from tests.notifications.conftest import approve_scheduled, html_body, subject, text_body
from tests.registrations.selfservice import change_data, current_rows, new_row, opened, page_url
from workshops import audit
from workshops.models import Session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


@pytest.fixture
def registration(workshop, commit) -> Registration:
    """Tromsø with three participants, its confirmations already sent."""
    with commit():
        return register(workshop, "5401", people=delegation(3, prefix="t"))


@pytest.fixture
def visitor(client, registration, smtp_server):
    smtp_server.messages.clear()
    return opened(client, registration)


def text(message) -> str:
    return text_body(message).replace("\r\n", "\n")


def received(smtp_server) -> list[tuple[str, str]]:
    return sorted((m["To"], subject(m)) for m in smtp_server.messages)


def test_a_new_participant_gets_the_confirmation_and_nobody_else_gets_anything(
    visitor, registration, smtp_server, commit
):
    rows = [*current_rows(registration), new_row("Nina Ny", "nina@kommune.example", Role.MUNICIPAL_SERVICE)]
    with commit():
        visitor.post(page_url(registration, "change"), change_data(registration, rows))

    assert received(smtp_server) == [("nina@kommune.example", f"Bekreftet påmelding: {TITLE}")]
    body = text(smtp_server.messages[0])
    assert body.startswith("Hei, Nina Ny!\n\nTromsø er påmeldt verkstedet")
    assert "- Nina Ny (annen kommunal tjeneste eller sektor)" in body


def test_a_removed_participant_gets_exactly_the_notice(visitor, registration, smtp_server, commit):
    rows = current_rows(registration)
    rows[2]["DELETE"] = "on"
    with commit():
        visitor.post(page_url(registration, "change"), change_data(registration, rows))

    assert received(smtp_server) == [("t3@kommune.example", f"Ikke lenger påmeldt: {TITLE}")]
    message = smtp_server.messages[0]
    assert text(message).startswith(
        "Hei, Person t3!\n\nDu er ikke lenger med i delegasjonen fra Tromsø til verkstedet «"
        f"{TITLE}», og du får ikke flere e-poster om det.\n\n"
        "Spørsmål? Spør Kari Kontakt, som er kontaktperson for delegasjonen, eller svar på denne e-posten.\n"
    )
    assert registration.token not in message.as_string()
    assert list(message.iter_attachments()) == []


def test_a_removed_participant_gets_nothing_more_of_what_was_on_its_way(workshop, smtp_server, commit, time_machine):
    # The material goes out before the deadline here, so that the delegation can still change after it.
    workshop.material_days_before = 12
    workshop.save()
    approve_scheduled(workshop)
    # The material was released for the delegation (deliveries created, not yet sent)…
    registration = register(workshop, "5401", people=delegation(3, prefix="t"))
    time_machine.move_to(oslo(2021, 2, 26, 9, 0), tick=False)
    pending = scheduling.mailings_release_due()
    assert len(pending) == 3
    confirmation = list(Delivery.objects.filter(mailing__kind=Mailing.Kind.CONFIRMATION).values_list("pk", flat=True))
    # …when the third participant was taken off, and the second one's row given to someone else.
    rows = current_rows(registration)
    rows[2]["DELETE"] = "on"
    rows[1].update(name="Ola Erstatter", email="ola@kommune.example")
    with commit():
        services.registration_update(
            registration=registration,
            contact=ContactData(name="Kari Kontakt", email="kari@kommune.example", phone="+47 99 99 99 99"),
            participants=[
                services.ParticipantData(
                    name=r["name"], email=r["email"], role=r["role"], title=r["title"], id=int(r["id"])
                )
                for r in rows
                if not r.get("DELETE")
            ],
            actor=audit.SELF_SERVICE,
        )
    sending.deliveries_send(ids=[*pending, *confirmation])

    to_removed = sorted(subject(m) for m in smtp_server.to("t3@kommune.example"))
    assert to_removed == [f"Ikke lenger påmeldt: {TITLE}"]
    assert sorted(subject(m) for m in smtp_server.to("t2@kommune.example")) == [f"Ikke lenger påmeldt: {TITLE}"]
    assert sorted(subject(m) for m in smtp_server.to("ola@kommune.example")) == [
        f"Bekreftet påmelding: {TITLE}",
        f"Forberedende materiell: {TITLE}",
    ]
    skipped = Delivery.objects.filter(email__in=["t2@kommune.example", "t3@kommune.example"], status="skipped")
    assert sorted(skipped.values_list("mailing__kind", "last_error")) == [
        ("confirmation", "The recipient is no longer in the delegation."),
        ("confirmation", "The recipient is no longer in the delegation."),
        ("material", "The recipient is no longer registered for this mailing."),
        ("material", "The recipient is no longer registered for this mailing."),
    ]


def test_a_new_contact_person_gets_the_link_and_the_previous_one_a_notice_without_it(
    visitor, registration, smtp_server, commit, settings
):
    data = change_data(registration, contact_name="Ola Ny", contact_email="ola@kommune.example")
    with commit():
        visitor.post(page_url(registration, "change"), data)

    assert received(smtp_server) == [
        ("kari@kommune.example", f"Ny kontaktperson: {TITLE}"),
        ("ola@kommune.example", f"Ny kontaktperson: {TITLE}"),
    ]
    link = f"{settings.SITE_URL}/r/{registration.access_id}/{registration.token}/"
    new = text(smtp_server.to("ola@kommune.example")[0])
    assert f"Du er nå kontaktperson for delegasjonen fra Tromsø til verkstedet «{TITLE}»." in new
    assert link in new
    assert f'href="{link}"' in html_body(smtp_server.to("ola@kommune.example")[0])
    previous = smtp_server.to("kari@kommune.example")[0]
    assert "Du er ikke lenger kontaktperson for delegasjonen fra Tromsø" in text(previous)
    assert "Kontaktpersonen er nå Ola Ny, som har fått tilsendt lenken til påmeldingen." in text(previous)
    assert registration.token not in previous.as_string()


def test_cancelling_tells_the_delegation_and_moves_the_waiting_list_up(
    client, workshop, main_session, smtp_server, commit
):
    Session.objects.filter(pk=main_session.pk).update(capacity=3)
    with commit():
        leaving = register(workshop, "5401", people=delegation(3, prefix="t"))
        waiting = register(
            workshop, "0301", contact=ContactData(name="Siri Venter", email="siri@oslo.example"), people=delegation(2)
        )
    assert waiting.status == Registration.Status.WAITLISTED
    smtp_server.messages.clear()

    visitor = opened(client, leaving)
    with commit():
        visitor.post(page_url(leaving, "cancel"))

    waiting.refresh_from_db()
    assert (waiting.status, waiting.session) == (Registration.Status.CONFIRMED, main_session)
    cancelled = f"Meldt av: {TITLE}"
    new_time = f"Ny tid: {TITLE}, onsdag 10. mars 2021 kl. 09.00–11.30"
    assert received(smtp_server) == [
        ("kari@kommune.example", cancelled),
        ("p1@kommune.example", new_time),
        ("p2@kommune.example", new_time),
        ("siri@oslo.example", new_time),
        ("t1@kommune.example", cancelled),
        ("t2@kommune.example", cancelled),
        ("t3@kommune.example", cancelled),
    ]
    assert "Gode nyheter: Delegasjonen fra Oslo har nå fått plass" in text_body(smtp_server.to("siri@oslo.example")[0])


def test_the_notice_is_not_sent_to_someone_added_back_before_it_went(registration, smtp_server):
    smtp_server.messages.clear()
    people = [
        services.ParticipantData(name=p.name, email=p.email, role=p.role, title=p.title, id=p.pk)
        for p in registration.participants.order_by("pk")
    ]
    services.registration_update(
        registration=registration, contact=CONTACT, participants=people[:2], actor=audit.SELF_SERVICE
    )
    notice = Delivery.objects.get(mailing__kind=Mailing.Kind.PARTICIPANT_REMOVED)
    services.registration_update(
        registration=registration, contact=CONTACT, participants=people[:2] + [people[2]], actor=audit.SELF_SERVICE
    )

    sending.deliveries_send(ids=list(Delivery.objects.filter(status="pending").values_list("pk", flat=True)))

    notice.refresh_from_db()
    assert (notice.email, notice.status, notice.last_error) == (
        "t3@kommune.example",
        "skipped",
        "The recipient is in the delegation again.",
    )
    assert smtp_server.messages == []
