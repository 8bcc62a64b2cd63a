"""The lost-link page: the contact person gets the link again by email; nobody learns who is registered."""

import datetime
import logging
import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from config.celery import app as celery_app
from notifications import sending
from notifications.models import Delivery, Mailing
from registrations import services, tasks
from registrations.models import LinkRequest
from tests.conftest import STAFF, closed_port, municipality, oslo, register
from tests.notifications import conftest as mail_fixtures
from tests.notifications.conftest import subject, text_body
from tests.registrations.conftest import form_data, page_text, started_long_ago
from workshops import audit

# Fixtures of other test packages: a real SMTP server, Celery in-process (autouse), commits that run on_commit.
# (`broker` is shared by every package: tests/conftest.py.)
smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit


pytestmark = pytest.mark.usefixtures("before_deadline")
URL = "/lost-link/kulturskole-3-0/"
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"


@pytest.fixture
def registration(workshop):
    return register(workshop, "5401")  # Tromsø, contact kari@kommune.example


def lost_link_data(number: str, **fields) -> dict[str, str]:
    return {"municipality": str(municipality(number).pk), "started": started_long_ago(), "website": "", **fields}


def post(number: str, client: Client | None = None, **headers):
    return (client or Client()).post(URL, lost_link_data(number), **headers)


def without_csrf_token(response) -> bytes:
    # The language switch on every page carries a CSRF token, masked afresh for each response.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)


def test_the_answer_is_the_same_before_and_after_the_municipality_registered(workshop, commit):
    with commit():
        unregistered = post("5401")
    register(workshop, "5401")
    with commit():
        registered = post("5401")

    assert (registered.status_code, unregistered.status_code) == (200, 200)
    assert without_csrf_token(registered) == without_csrf_token(unregistered)
    assert registered.headers.items() == unregistered.headers.items()


def test_the_answer_is_the_same_for_a_registered_and_an_unregistered_municipality(registration, commit):
    with commit():
        registered = post("5401")  # Tromsø
        unregistered = post("0301")  # Oslo

    assert registered.status_code == unregistered.status_code == 200
    # The page repeats the name chosen, nothing else differs.
    assert without_csrf_token(registered).replace("Tromsø".encode(), b"X") == without_csrf_token(unregistered).replace(
        b"Oslo", b"X"
    )
    text = page_text(registered)
    assert (
        "Hvis Tromsø er påmeldt dette verkstedet, har vi sendt lenken til e-postadressen til kontaktpersonen." in text
    )
    assert "kari@kommune.example" not in registered.content.decode()
    assert registration.token not in registered.content.decode()


def test_the_request_does_the_same_work_either_way(registration, broker):
    """The page only queues a task; the worker looks the registration up. Same queries, registered or not."""
    broker("memory://")  # published, not run: what the web request itself does

    def statements(number: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert post(number).status_code == 200
        return [re.sub(r"\d+", "N", q["sql"]) for q in queries.captured_queries]

    statements("0301")  # the first request of the process reads the workshop (kept a few seconds: workshops/cache.py)
    assert statements("5401") == statements("0301")
    assert not Mailing.objects.filter(kind=Mailing.Kind.LINK_RESEND).exists()


def test_the_contact_person_gets_the_link_by_email(registration, smtp_server, commit):
    with commit():
        post("5401")

    [message] = smtp_server.messages
    assert message["To"] == "kari@kommune.example"
    assert subject(message) == f"Lenken til påmeldingen: {TITLE}"
    body = text_body(message)
    assert f"/r/{registration.access_id}/{registration.token}/" in body
    assert "Noen har bedt om lenken til påmeldingen til Tromsø" in body
    # Only the contact person: not the participants.
    assert list(Delivery.objects.filter(mailing__kind=Mailing.Kind.LINK_RESEND).values_list("email", flat=True)) == [
        "kari@kommune.example"
    ]
    assert registration.participants.count() == 2


def test_nothing_is_sent_for_an_unregistered_or_cancelled_municipality(workshop, registration, smtp_server, commit):
    services.registration_cancel(registration=registration, actor=STAFF)
    smtp_server.messages.clear()
    with commit():
        assert post("0301").status_code == 200
        assert post("5401").status_code == 200

    assert smtp_server.messages == []
    assert not Mailing.objects.filter(kind=Mailing.Kind.LINK_RESEND).exists()


def test_the_link_goes_only_to_whoever_is_contact_person_when_it_is_sent(registration, smtp_server, commit):
    post("5401")  # no commit: the worker's part is done by hand below, and its email written, not sent
    services.link_request_handle(link_request_id=LinkRequest.objects.get().pk, actor=audit.PUBLIC)
    dispute = services.dispute_create(
        registration=registration, name="Nina Ny", email="nina@kommune.example", note="", actor=audit.PUBLIC
    )
    services.dispute_transfer(dispute=dispute, actor=STAFF)
    sending.deliveries_send(ids=list(Delivery.objects.values_list("pk", flat=True)))

    resend = Delivery.objects.get(mailing__kind=Mailing.Kind.LINK_RESEND)
    assert resend.status == Delivery.Status.SKIPPED
    to_kari = smtp_server.to("kari@kommune.example")
    assert [subject(m).split(":")[0] for m in to_kari if "Lenken" in subject(m)] == []
    assert to_kari  # the confirmation, the dispute notice, the transfer: none with a link to the delegation now
    assert all(registration.access_id not in text_body(m) for m in to_kari if "kontaktperson" in subject(m))


def test_the_form_preselects_the_municipality_from_the_registration_form(workshop):
    oslo = municipality("0301")
    response = Client().get(f"{URL}?municipality={oslo.pk}")

    assert response.status_code == 200
    assert f'<option value="{oslo.pk}" selected>Oslo</option>' in response.content.decode()
    assert "Mistet lenken?" in page_text(response)


def test_a_bot_filling_the_trap_or_sending_at_once_gets_nothing(registration, smtp_server, commit):
    with commit():
        trapped = Client().post(URL, lost_link_data("5401", website="http://spam.example"))
        fast = Client().post(URL, {**lost_link_data("5401"), "started": ""})

    assert trapped.status_code == fast.status_code == 200
    assert "Skjemaet kunne ikke sendes." in page_text(trapped)
    assert "Send lenken" in page_text(fast)  # the form again
    assert smtp_server.messages == []


def test_an_unknown_workshop_is_404(workshop):
    assert Client().get("/lost-link/no-such-workshop/").status_code == 404


def test_the_workshop_list_and_the_closed_page_link_to_it(workshop, time_machine):
    assert f'href="{URL}"' in Client().get("/").content.decode()
    time_machine.move_to(oslo(2021, 3, 5, 12, 0), tick=False)  # after the deadline
    assert f'href="{URL}"' in Client().get("/workshops/kulturskole-3-0/").content.decode()


def test_the_already_registered_message_links_to_the_lost_link_and_the_dispute_page(registration):
    tromso = municipality("5401")
    response = Client().post("/workshops/kulturskole-3-0/", form_data(tromso))

    content = response.content.decode()
    assert "Tromsø er allerede påmeldt dette verkstedet." in page_text(response)
    assert f'href="{URL}?municipality={tromso.pk}"' in content
    assert f'href="/dispute/kulturskole-3-0/{tromso.pk}/"' in content


# --- Rate limits -------------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    """The limits on, with counters of this test's own (the cache may be a shared Redis)."""
    settings.RATELIMIT_ENABLE = True
    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"
    return settings


def test_the_sixth_request_from_one_address_gets_429_and_sends_nothing(limits, registration, smtp_server, commit):
    limits.RATELIMIT_LOST_LINK, limits.RATELIMIT_LOST_LINK_PER_MUNICIPALITY = "5/h", "100/h"
    with commit():
        statuses = [post(number, REMOTE_ADDR="10.1.0.1").status_code for number in ("0301", "1103", "4601", "5001")]
        statuses.append(post("3005", REMOTE_ADDR="10.1.0.1").status_code)
        refused = post("5401", REMOTE_ADDR="10.1.0.1")

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 60  # the rest of the hour
    assert "For mange forsøk" in page_text(refused)
    assert smtp_server.messages == []
    with commit():
        assert post("5401", REMOTE_ADDR="10.1.0.2").status_code == 200  # another address
    assert len(smtp_server.messages) == 1


def test_the_sixth_request_for_one_municipality_gets_429_from_any_address(limits, registration, smtp_server, commit):
    limits.RATELIMIT_LOST_LINK, limits.RATELIMIT_LOST_LINK_PER_MUNICIPALITY = "100/h", "5/h"
    with commit():
        statuses = [post("5401", REMOTE_ADDR=f"10.2.0.{n}").status_code for n in range(1, 6)]
        refused = post("5401", REMOTE_ADDR="10.2.0.6")
        other = post("0301", REMOTE_ADDR="10.2.0.6")

    assert statuses == [200] * 5
    assert refused.status_code == 429
    assert other.status_code == 200  # another municipality from the same address
    assert len(smtp_server.messages) == 5


def test_a_request_made_while_the_broker_is_down_is_sent_by_the_sweep_once(
    registration, smtp_server, commit, broker, time_machine, caplog
):
    broker(f"redis://127.0.0.1:{closed_port()}/5", {"max_retries": 0, "socket_connect_timeout": 1})
    caplog.set_level(logging.WARNING, logger="registrations.tasks")
    with commit():
        answer = post("5401")

    assert "Hvis Tromsø er påmeldt dette verkstedet, har vi sendt lenken" in page_text(answer)
    assert smtp_server.messages == []
    assert LinkRequest.objects.filter(handled_at__isnull=True).count() == 1
    assert "Could not queue lost-link request" in caplog.text

    # The broker is back (tasks run in-process again): within the two minutes the sweep leaves a request its
    # task may still bring ...
    celery_app.conf.task_always_eager = True
    time_machine.shift(datetime.timedelta(minutes=2, seconds=-1))
    with commit():
        tasks.sweep_link_requests.delay()
    assert smtp_server.messages == []
    # ... and handles it once they are over; a second sweep finds nothing.
    time_machine.shift(datetime.timedelta(seconds=1))
    with commit():
        tasks.sweep_link_requests.delay()
        tasks.sweep_link_requests.delay()

    [message] = smtp_server.messages
    assert message["To"] == "kari@kommune.example"
    assert f"/r/{registration.access_id}/{registration.token}/" in text_body(message)
    assert LinkRequest.objects.filter(handled_at__isnull=True).count() == 0


def test_a_request_is_handled_once_even_if_its_task_runs_twice(registration, smtp_server, commit, broker):
    broker("memory://")  # published, not run
    post("5401")
    asked = LinkRequest.objects.get()

    celery_app.conf.task_always_eager = True
    with commit():
        first = tasks.link_request_handle.delay(asked.pk).get()
        second = tasks.link_request_handle.delay(asked.pk).get()

    assert (first, second) == (True, False)
    assert len(smtp_server.messages) == 1
    assert Mailing.objects.filter(kind=Mailing.Kind.LINK_RESEND).count() == 1


def test_a_request_for_an_unregistered_municipality_is_handled_and_sends_nothing(workshop, smtp_server, commit):
    with commit():
        post("0301")

    assert smtp_server.messages == []
    assert LinkRequest.objects.get().handled_at is not None


def test_handled_requests_are_deleted_after_thirty_days_and_the_sweep_runs_every_tick(
    workshop, settings, commit, time_machine
):
    with commit():
        post("0301")
    time_machine.shift(datetime.timedelta(days=30, minutes=-1))
    services.link_requests_sweep(actor=audit.PUBLIC)
    kept = LinkRequest.objects.count()
    time_machine.shift(datetime.timedelta(minutes=2))
    services.link_requests_sweep(actor=audit.PUBLIC)

    assert (kept, LinkRequest.objects.count()) == (1, 0)
    assert {
        "task": "registrations.tasks.sweep_link_requests",
        "schedule": settings.NOTIFICATIONS_TICK_SECONDS,
    } in settings.CELERY_BEAT_SCHEDULE.values()
