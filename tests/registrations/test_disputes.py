"""«We did not register this»: the public page, the contact person's notice, and staff transferring or dismissing."""

import pytest
from django.test import Client

from notifications.models import Delivery, Mailing
from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Dispute, Registration
from tests.conftest import STAFF, municipality, register
from tests.notifications import conftest as mail_fixtures
from tests.notifications.conftest import subject, text_body
from tests.registrations.backoffice import conftest as staff_fixtures
from tests.registrations.conftest import page_text, started_long_ago
from workshops import audit
from workshops.models import ActionLog

# Fixtures of other test packages: a real SMTP server, Celery in-process (autouse), commits that run on_commit.
smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit
# Staff users in the groups Arrangør and Observatør.
organiser, observer = staff_fixtures.organiser, staff_fixtures.observer


pytestmark = pytest.mark.usefixtures("before_deadline")
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


@pytest.fixture
def registration(workshop):
    return register(workshop, "5401")  # Tromsø, contact Kari Kontakt <kari@kommune.example>


def dispute_url(number: str) -> str:
    return f"/dispute/kulturskole-3-0/{municipality(number).pk}/"


def dispute_data(**fields) -> dict[str, str]:
    return {
        "name": "Nina Ny",
        "email": "nina@tromso.example",
        "note": "Jeg er kulturskoleleder og kjenner ikke til påmeldingen.",
        "started": started_long_ago(),
        "website": "",
        **fields,
    }


def dispute(registration, name="Nina Ny", email="nina@tromso.example") -> Dispute:
    return services.dispute_create(registration=registration, name=name, email=email, note="", actor=audit.PUBLIC)


# --- The public page ---------------------------------------------------------------------------------------


def test_a_dispute_is_recorded_and_the_contact_person_told_without_the_reporter(registration, smtp_server, commit):
    smtp_server.messages.clear()
    with commit():
        response = Client().post(dispute_url("5401"), dispute_data())

    assert response.status_code == 200
    assert "Vi har mottatt meldingen din om Tromsø." in page_text(response)
    assert "kari@kommune.example" not in response.content.decode()
    saved = Dispute.objects.get()
    assert (saved.registration, saved.name, saved.email, saved.status) == (
        registration,
        "Nina Ny",
        "nina@tromso.example",
        Dispute.Status.OPEN,
    )
    assert saved.note == "Jeg er kulturskoleleder og kjenner ikke til påmeldingen."
    [message] = smtp_server.messages
    assert message["To"] == "kari@kommune.example"
    assert subject(message) == f"Om påmeldingen til Tromsø: {TITLE}"
    body = text_body(message)
    assert "Vi har fått beskjed om at Tromsø ikke har meldt på denne delegasjonen" in body
    assert "nina@tromso.example" not in message.as_string()
    assert "Nina" not in message.as_string()
    assert registration.token not in message.as_string()  # a notice, not a link
    log = ActionLog.objects.get(action="registration.disputed")
    assert (log.actor_kind, log.object_id, log.data["dispute"]) == ("public", registration.pk, saved.pk)


def test_the_page_answers_the_same_for_an_unregistered_municipality(registration, smtp_server, commit):
    smtp_server.messages.clear()
    with commit():
        registered = Client().post(dispute_url("5401"), dispute_data())
        unregistered = Client().post(dispute_url("0301"), dispute_data())

    assert registered.status_code == unregistered.status_code == 200
    assert page_text(registered).replace("Tromsø", "X") == page_text(unregistered).replace("Oslo", "X")
    assert Dispute.objects.count() == 1
    assert len(smtp_server.messages) == 1
    form = Client().get(dispute_url("0301"))
    assert "Har ikke Oslo meldt på denne delegasjonen?" in page_text(form)


def test_a_second_report_is_recorded_but_the_contact_person_is_told_once(registration, smtp_server, commit):
    smtp_server.messages.clear()
    with commit():
        dispute(registration)
        dispute(registration, name="Per Annen", email="per@tromso.example")

    assert Dispute.objects.filter(status=Dispute.Status.OPEN).count() == 2
    assert len(smtp_server.to("kari@kommune.example")) == 1


def test_the_name_is_one_line_and_the_note_at_most_2000_characters(registration):
    too_long = Client().post(dispute_url("5401"), dispute_data(note="x" * 2001))
    assert "Sørg for at denne verdien har 2000 eller færre tegn (den har nå 2001)." in page_text(too_long)
    assert not Dispute.objects.exists()

    Client().post(dispute_url("5401"), dispute_data(name="Nina\r\nNy\u202e", note="y" * 2000))
    assert Dispute.objects.get().name == "Nina Ny"


def test_a_bot_gets_nothing_recorded(registration):
    response = Client().post(dispute_url("5401"), dispute_data(website="spam"))
    assert "Skjemaet kunne ikke sendes." in page_text(response)
    assert not Dispute.objects.exists()


def test_a_municipality_that_did_not_exist_on_the_workshop_date_is_404(workshop):
    from registrations.models import Municipality

    newer = Municipality.objects.filter(valid_from__year=2024).first()
    assert Client().get(f"/dispute/kulturskole-3-0/{newer.pk}/").status_code == 404


def test_the_page_has_the_same_rate_limit_as_the_lost_link(settings, registration):
    import uuid

    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    settings.RATELIMIT_LOST_LINK, settings.RATELIMIT_LOST_LINK_PER_MUNICIPALITY = "100/h", "5/h"
    statuses = [
        Client().post(dispute_url("5401"), dispute_data(), REMOTE_ADDR=f"10.3.0.{n}").status_code for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]
    assert Dispute.objects.count() == 5


# --- Staff settle it ---------------------------------------------------------------------------------------


def test_transfer_makes_the_reporter_the_contact_with_a_new_link(client, registration, smtp_server, commit):
    old_link = f"/r/{registration.access_id}/{registration.token}/"
    assert client.get(old_link).status_code == 302  # this browser had the delegation open
    reported = dispute(registration)
    smtp_server.messages.clear()

    with commit():
        services.dispute_transfer(dispute=reported, actor=STAFF)

    registration.refresh_from_db()
    assert (registration.contact_name, registration.contact_email, registration.contact_phone) == (
        "Nina Ny",
        "nina@tromso.example",
        "",
    )
    assert client.get(old_link).status_code == 404
    assert client.get(f"/registration/{registration.access_id}/").status_code == 403  # the old grant is gone
    new = smtp_server.to("nina@tromso.example")
    assert [subject(m) for m in new] == [f"Ny lenke til påmeldingen: {TITLE}"]
    new_link = f"/r/{registration.access_id}/{registration.token}/"
    assert new_link in text_body(new[0])
    assert Client().get(new_link).status_code == 302
    old = smtp_server.to("kari@kommune.example")
    assert [subject(m) for m in old] == [f"Du er ikke lenger kontaktperson: {TITLE}"]
    assert "Arrangørene har gjort Nina Ny til kontaktperson for påmeldingen til Tromsø" in text_body(old[0])
    assert "/r/" not in old[0].as_string()
    reported.refresh_from_db()
    assert reported.status == Dispute.Status.TRANSFERRED
    assert reported.resolved_at is not None
    log = ActionLog.objects.get(action="registration.contact_transferred")
    assert log.data["changes"]["contact_email"] == ["kari@kommune.example", "nina@tromso.example"]
    assert registration.token not in str(log.data)


def test_dismiss_keeps_the_registration_and_sends_nothing(registration, smtp_server, commit):
    reported = dispute(registration)
    before = Registration.objects.values().get(pk=registration.pk)
    smtp_server.messages.clear()

    with commit():
        services.dispute_dismiss(dispute=reported, actor=STAFF)

    reported.refresh_from_db()
    assert reported.status == Dispute.Status.DISMISSED
    assert Registration.objects.values().get(pk=registration.pk) == before
    assert smtp_server.messages == []
    assert ActionLog.objects.filter(action="registration.dispute_dismissed").count() == 1
    with pytest.raises(RegistrationError) as refused:
        services.dispute_transfer(dispute=reported, actor=STAFF)
    assert refused.value.codes == ["dispute_resolved"]


def test_a_cancelled_registration_cannot_be_disputed_or_transferred(registration):
    reported = dispute(registration)
    services.registration_cancel(registration=registration, actor=STAFF)

    with pytest.raises(RegistrationError):
        dispute(registration)
    with pytest.raises(RegistrationError):
        services.dispute_transfer(dispute=reported, actor=STAFF)


# --- The admin ---------------------------------------------------------------------------------------------

CHANGELIST = "/admin/registrations/registration/"


def test_the_list_flags_and_filters_disputed_registrations(organiser, registration, workshop):
    other = register(workshop, "0301")
    dispute(registration)

    page = organiser.get(CHANGELIST)
    assert "Disputed" in page_text(page)
    disputed = organiser.get(CHANGELIST + "?disputed=yes")
    assert list(disputed.context["cl"].result_list) == [registration]
    assert list(organiser.get(CHANGELIST + "?disputed=no").context["cl"].result_list) == [other]
    flags = {r.pk: r.open_disputes for r in page.context["cl"].result_list}
    assert flags == {registration.pk: 1, other.pk: 0}


def test_the_change_page_shows_a_banner_and_the_decision_pages(organiser, registration, smtp_server, commit):
    reported = dispute(registration)
    page = organiser.get(f"{CHANGELIST}{registration.pk}/change/")
    assert "Disputed: someone says the municipality did not register this delegation." in page_text(page)
    transfer_url = f"{CHANGELIST}{registration.pk}/disputes/{reported.pk}/transfer/"
    assert f'href="{transfer_url}"' in page.content.decode()

    confirm = organiser.get(transfer_url)
    assert "Nina Ny becomes the contact person of the registration" in page_text(confirm)
    registration.refresh_from_db()
    assert registration.contact_email == "kari@kommune.example"  # nothing happens on GET

    with commit():
        done = organiser.post(transfer_url)
    assert done.status_code == 302
    registration.refresh_from_db()
    assert registration.contact_email == "nina@tromso.example"
    reported.refresh_from_db()
    assert (reported.status, reported.resolved_by) == (Dispute.Status.TRANSFERRED, organiser.user)
    assert "Disputed:" not in page_text(organiser.get(f"{CHANGELIST}{registration.pk}/change/"))


def test_dismiss_from_the_admin(organiser, registration):
    reported = dispute(registration)
    url = f"{CHANGELIST}{registration.pk}/disputes/{reported.pk}/dismiss/"
    assert "The registration stays as it is" in page_text(organiser.get(url))
    organiser.post(url)
    reported.refresh_from_db()
    assert reported.status == Dispute.Status.DISMISSED


def test_observers_cannot_decide(observer, registration):
    reported = dispute(registration)
    page = observer.get(f"{CHANGELIST}{registration.pk}/change/")
    assert "Disputed:" in page_text(page)
    assert "/transfer/" not in page.content.decode()
    assert observer.post(f"{CHANGELIST}{registration.pk}/disputes/{reported.pk}/transfer/").status_code == 403
    reported.refresh_from_db()
    assert reported.status == Dispute.Status.OPEN


def test_the_overview_counts_and_lists_open_disputes(organiser, registration, workshop):
    dispute(registration)
    dismissed = dispute(register(workshop, "0301"), name="Ola Avvist")
    services.dispute_dismiss(dispute=dismissed, actor=STAFF)

    page = organiser.get(f"/admin/workshops/workshop/{workshop.pk}/overview/")
    text = page_text(page)
    assert "1 open dispute" in text
    assert "Tromsø: Nina Ny" in text
    assert "Ola Avvist" not in text


def test_mailings_of_the_new_kinds_are_registration_mailings(registration):
    dispute(registration)
    mailing = Mailing.objects.get(kind=Mailing.Kind.DISPUTE_NOTICE)
    assert mailing.is_about_registration
    assert list(Delivery.objects.filter(mailing=mailing).values_list("email", flat=True)) == ["kari@kommune.example"]
