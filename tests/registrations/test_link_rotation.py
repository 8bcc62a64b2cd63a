"""Staff give a delegation a new link: the old one answers 404, its session grants end, the contact gets the new."""

import pytest
from django.test import Client

from notifications.models import Delivery, Mailing
from registrations import services
from registrations.errors import RegistrationError
from tests.conftest import STAFF, register
from tests.notifications import conftest as mail_fixtures
from tests.notifications.conftest import subject, text_body
from tests.registrations.backoffice import conftest as staff_fixtures
from tests.registrations.conftest import page_text
from workshops.models import ActionLog

# Fixtures of other test packages: a real SMTP server, Celery in-process (autouse), commits that run on_commit.
smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit
# Staff users in the groups Arrangør and Observatør.
organiser, observer = staff_fixtures.organiser, staff_fixtures.observer


pytestmark = pytest.mark.usefixtures("before_deadline")
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
CHANGELIST = "/admin/registrations/registration/"


@pytest.fixture
def registration(workshop):
    return register(workshop, "5401")


def link(registration) -> str:
    return f"/r/{registration.access_id}/{registration.token}/"


def test_the_old_link_answers_404_and_the_new_one_opens_the_delegation(registration, smtp_server, commit):
    old_link, old_access_id = link(registration), registration.access_id
    smtp_server.messages.clear()

    with commit():
        rotated = services.registration_link_rotate(registration=registration, actor=STAFF)

    registration.refresh_from_db()
    assert (registration.access_id, registration.token) == (rotated.access_id, rotated.token)
    assert registration.access_id != old_access_id
    assert Client().get(old_link).status_code == 404
    visitor = Client()
    assert visitor.get(link(registration)).status_code == 302
    assert "Tromsø" in page_text(visitor.get(f"/registration/{registration.access_id}/"))
    [message] = smtp_server.messages
    assert message["To"] == "kari@kommune.example"
    assert subject(message) == f"Ny lenke til påmeldingen: {TITLE}"
    assert link(registration) in text_body(message)
    assert old_link not in message.as_string()
    assert list(Delivery.objects.filter(mailing__kind=Mailing.Kind.LINK_NEW).values_list("email", flat=True)) == [
        "kari@kommune.example"
    ]


def test_a_browser_that_had_the_old_link_open_loses_the_access(registration):
    browser = Client()
    browser.get(link(registration))
    old_page = f"/registration/{registration.access_id}/"
    assert browser.get(old_page).status_code == 200

    services.registration_link_rotate(registration=registration, actor=STAFF)
    registration.refresh_from_db()

    # The grant names the old id, which no registration has any more.
    gone = browser.get(old_page)
    assert gone.status_code == 404
    assert "Tromsø" not in page_text(gone)
    assert browser.get(f"/registration/{registration.access_id}/").status_code == 403  # until the new link is opened


def test_the_rotation_is_logged_without_the_secret(registration):
    services.registration_link_rotate(registration=registration, actor=STAFF)
    registration.refresh_from_db()

    log = ActionLog.objects.get(action="registration.link_rotated")
    assert (log.actor_kind, log.object_id) == ("staff", registration.pk)
    assert registration.token not in str(log.data)


def test_a_cancelled_registration_gets_no_new_link(registration):
    services.registration_cancel(registration=registration, actor=STAFF)
    token = registration.token
    with pytest.raises(RegistrationError):
        services.registration_link_rotate(registration=registration, actor=STAFF)
    registration.refresh_from_db()
    assert registration.token == token


def test_the_admin_action_asks_first_then_sends(organiser, registration, smtp_server, commit):
    data = {"action": "send_new_link", "_selected_action": [str(registration.pk)]}
    confirm = organiser.post(CHANGELIST, data)
    assert "Give these registrations a new link?" in page_text(confirm)
    token = registration.token
    registration.refresh_from_db()
    assert registration.token == token  # nothing yet
    smtp_server.messages.clear()

    with commit():
        organiser.post(CHANGELIST, {**data, "apply": "1"})

    registration.refresh_from_db()
    assert registration.token != token
    assert [m["To"] for m in smtp_server.messages] == ["kari@kommune.example"]


def test_observers_do_not_get_the_action(observer, registration):
    page = observer.get(CHANGELIST)
    assert "send_new_link" not in page.content.decode()
