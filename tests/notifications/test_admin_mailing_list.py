"""The mailing list shows the workshop mailings by default; a delegation's own emails are one click away."""

import re

import pytest
from django.conf import settings

from notifications import scheduling
from notifications.models import Delivery, Mailing
from tests.conftest import register
from tests.registrations.conftest import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
URL = "/admin/notifications/mailing/"


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


@pytest.fixture
def mailings(workshop):
    """350 confirmations (one delegation's, made in bulk: only their number matters) and 3 workshop mailings."""
    registration = register(workshop, "0301")
    Mailing.objects.bulk_create(
        Mailing(workshop=workshop, kind=Mailing.Kind.CONFIRMATION, registration=registration) for _ in range(349)
    )
    workshop_mailings = scheduling.mailings_schedule(workshop=workshop)  # the material and two reminders
    assert (Mailing.objects.filter(kind=Mailing.Kind.CONFIRMATION).count(), len(workshop_mailings)) == (350, 3)
    return workshop_mailings


def shown(client, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {mailing.pk for mailing in response.context["cl"].result_list}


def test_the_list_shows_the_workshop_mailings_by_default(staff, mailings):
    response = staff.get(URL)

    assert response.context["cl"].result_count == 3
    assert shown(staff) == {m.pk for m in mailings}
    sidebar = page_text(response).split("By mailings")[1]
    assert sidebar.split(" By ")[0].strip() == "Workshop mailings Emails about one delegation All"
    assert re.search(r'<li class="selected">\s*<a href="\?mailings=workshop">', response.content.decode())


def test_a_delegations_emails_and_all_are_one_click_away(staff, mailings):
    response = staff.get(URL, {"mailings": "all"})
    assert re.search(r'<li class="selected">\s*<a href="\?mailings=all">', response.content.decode())
    assert staff.get(URL, {"mailings": "registration"}).context["cl"].result_count == 350
    assert staff.get(URL, {"mailings": "all"}).context["cl"].result_count == 353
    assert shown(staff, mailings="workshop") == {m.pk for m in mailings}


def test_choosing_a_kind_or_searching_sets_the_default_aside(staff, mailings):
    assert staff.get(URL, {"kind__exact": "confirmation"}).context["cl"].result_count == 350
    assert staff.get(URL, {"q": "Oslo"}).context["cl"].result_count == 350
    assert staff.get(URL, {"q": "Oslo", "mailings": "workshop"}).context["cl"].result_count == 0


def test_the_delivery_list_shows_a_next_attempt_only_for_an_email_still_waiting(staff, workshop):
    register(workshop, "0301")  # its confirmations wait in the outbox, each with the time it is due
    sent = Delivery.objects.order_by("pk").first()
    Delivery.objects.filter(pk=sent.pk).update(status=Delivery.Status.SENT)

    page = staff.get("/admin/notifications/delivery/").content.decode()
    cells = re.findall(r'<td class="field-next_attempt[^"]*">([^<]*)</td>', page)

    waiting = Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__isnull=False).count()
    assert len(cells) == waiting + 1 >= 3
    assert cells.count("–") == 1  # the sent one: its due time no longer looks like a retry to come
