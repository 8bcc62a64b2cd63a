"""The attendee list by the status of each participant's latest email: a filter and a column, one query."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Delivery, Mailing
from registrations.models import Participant
from tests.bulk import bulk_delegations
from tests.registrations.conftest import page_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
URL = "/admin/registrations/participant/"


@pytest.fixture
def staff(admin_client):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return admin_client


def deliver(participant: Participant, mailing: Mailing, status: str) -> Delivery:
    return Delivery.objects.create(
        mailing=mailing,
        email=participant.email,
        participant=participant,
        registration=participant.registration,
        status=status,
    )


@pytest.fixture
def people(workshop, time_machine):
    """Participants whose latest email was sent, failed, is pending, was not sent, and one with none."""
    [delegation] = bulk_delegations(workshop, 1, size=5)
    sent, failed, pending, skipped, none = delegation.participants.order_by("pk")
    first, second, third = (
        Mailing.objects.create(workshop=workshop, kind=Mailing.Kind.CUSTOM, subject=f"Melding {n}", body="Hei")
        for n in range(3)
    )
    # Older deliveries first: only the latest one counts.
    deliver(sent, first, Delivery.Status.FAILED)
    deliver(failed, first, Delivery.Status.SENT)
    deliver(skipped, first, Delivery.Status.SENT)
    time_machine.shift(datetime.timedelta(minutes=1))
    deliver(sent, second, Delivery.Status.SENT)
    deliver(failed, second, Delivery.Status.FAILED)
    deliver(pending, second, Delivery.Status.SENDING)  # on its way: pending
    # The same moment: the later row (higher pk) is the latest.
    deliver(skipped, second, Delivery.Status.SENT)
    deliver(skipped, third, Delivery.Status.SKIPPED)
    return {"sent": sent, "failed": failed, "pending": pending, "skipped": skipped, "none": none}


def emails(client, **params) -> set[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return {p.email for p in response.context["cl"].result_list}


def test_the_filter_uses_each_participants_latest_email(staff, people):
    by_choice = {choice: emails(staff, latest_email=choice) for choice in people}

    assert by_choice == {choice: {participant.email} for choice, participant in people.items()}
    assert "By latest email All sent failed pending not sent no email yet" in page_text(staff.get(URL))


def test_the_list_shows_the_latest_emails_status(staff, people):
    rows = staff.get(URL).content.decode().split("<tr")[1:]

    def column(participant) -> str:
        [row] = [row for row in rows if participant.email in row]
        return row.split('<td class="field-latest_email">')[1].split("</td>")[0]

    assert {choice: column(p) for choice, p in people.items()} == {
        "sent": "sent",
        "failed": "failed",
        "pending": "sending",
        "skipped": "not sent",
        "none": "–",
    }


def test_the_filtered_list_costs_the_same_queries_for_5_and_for_500_participants(staff, workshop, people):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = staff.get(URL, {"latest_email": "none"})
        assert response.status_code == 200
        return len(captured)

    baseline = queries()
    bulk_delegations(workshop, 100, size=5, skip=10)

    assert queries() == baseline
