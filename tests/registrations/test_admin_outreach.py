"""The Outreach page: who an invitation would reach, and writing an invitation or a reminder to approve."""

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from notifications import outreach
from notifications.models import Mailing
from registrations.models import MunicipalContact
from tests.conftest import STAFF, oslo, register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
OUTREACH = reverse("admin:registrations_municipalcontact_outreach")


@pytest.fixture
def contacts(municipality_data):
    for number, email in [("0301", "post@oslo.example"), ("4601", "post@bergen.example"), ("5401", "post@tromso.ex")]:
        MunicipalContact.objects.create(municipality_number=number, kind="postmottak", email=email)


def test_the_page_counts_who_an_invitation_would_reach(admin_client, workshop, contacts):
    register(workshop, "4601")

    page = admin_client.get(OUTREACH).content.decode()

    assert "Påmeldt: 1 kommuner. Ikke påmeldt og med kontakt: 2 kommuner, 2 adresser." in page


def test_staff_write_an_invitation_and_land_on_its_page_to_approve_it(admin_client, workshop, contacts):
    data = {
        "invitation-workshop": workshop.pk,
        "invitation-scheduled_for_0": "2021-02-16",
        "invitation-scheduled_for_1": "09:00",
        "invitation": "1",
    }

    response = admin_client.post(OUTREACH, data)

    mailing = Mailing.objects.get(kind=Mailing.Kind.INVITATION)
    assert response["Location"] == reverse("admin:notifications_mailing_change", args=[mailing.pk])
    assert (mailing.workshop, mailing.scheduled_for, mailing.approved_at) == (workshop, oslo(2021, 2, 16, 9), None)
    page = admin_client.get(response["Location"]).content.decode()
    assert "Invitasjon: Kulturskole 3.0" in page  # the preview, for one of the contacts
    assert reverse("admin:notifications_mailing_approve", args=[mailing.pk]) in page


def test_a_reminder_that_cannot_be_is_explained_on_the_page(admin_client, workshop, contacts):
    outreach.invitation_reminder_create(workshop=workshop, days_before_deadline=3, actor=STAFF)
    data = {"reminder-workshop": workshop.pk, "reminder-days_before_deadline": "3", "reminder": "1"}

    response = admin_client.post(OUTREACH, data)

    assert "Verkstedet har allerede en påminnelse 3 dager før fristen." in response.content.decode()
    assert Mailing.objects.filter(kind=Mailing.Kind.INVITATION_REMINDER).count() == 1


def test_staff_who_may_not_send_see_the_page_but_cannot_write(client, workshop, contacts):
    user = User.objects.create_user("viewer", "viewer@example.no", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=["view_municipalcontact", "view_mailing"]))
    client.force_login(user)

    page = client.get(OUTREACH).content.decode()
    response = client.post(OUTREACH, {"reminder-workshop": workshop.pk, "reminder-days_before_deadline": "3"})

    assert "Skriv invitasjonen" not in page
    assert response.status_code == 403
    assert not Mailing.objects.filter(kind__in=Mailing.INVITATION_KINDS).exists()


def test_the_approval_page_lists_what_an_invitation_lacks(admin_client, workshop):
    mailing = outreach.invitation_create(workshop=workshop, actor=STAFF, scheduled_for=oslo(2021, 2, 16, 9))

    page = admin_client.get(reverse("admin:notifications_mailing_approve", args=[mailing.pk])).content.decode()

    assert "Ingen kontakter i kommuner som ikke er påmeldt: importer kontaktene først." in page
