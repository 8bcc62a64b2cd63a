"""Editing a mailing's text before it goes out is recorded (before → after); after, the text is history."""

import pytest
from django.urls import reverse

from notifications import scheduling, services
from notifications.models import Mailing
from tests.conftest import STAFF, register
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]


def change(client, mailing: Mailing, **fields):
    return client.post(reverse("admin:notifications_mailing_change", args=[mailing.pk]), {**fields, "_save": "Save"})


def test_staff_edit_a_draft_message_and_the_edit_is_recorded(admin_client, admin_user, workshop):
    draft = services.mailing_create_custom(workshop=workshop, subject="Programme", body="Hello", actor=STAFF)

    response = change(admin_client, draft, subject="Programme for {workshop}", body="Hello")

    assert response.status_code == 302
    draft.refresh_from_db()
    assert (draft.subject, draft.body) == ("Programme for {workshop}", "Hello")
    [entry] = ActionLog.objects.filter(action="mailing.changed")
    assert (entry.user, entry.object_id) == (admin_user, draft.pk)
    assert entry.data == {"changes": {"subject": ["Programme", "Programme for {workshop}"]}}


def test_staff_add_a_message_to_the_material_before_it_goes_out(admin_client, workshop):
    [material, *_] = scheduling.mailings_schedule(workshop=workshop)

    change(admin_client, material, subject="Ignored: the material has its own subject", body="Welcome!")

    material.refresh_from_db()
    assert (material.subject, material.body) == ("", "Welcome!")
    [entry] = ActionLog.objects.filter(action="mailing.changed")
    assert entry.data == {"changes": {"body": ["", "Welcome!"]}}


def test_saving_without_a_change_records_nothing(admin_client, workshop):
    draft = services.mailing_create_custom(workshop=workshop, subject="Programme", body="Hello", actor=STAFF)

    change(admin_client, draft, subject="Programme", body="Hello")

    assert not ActionLog.objects.filter(action="mailing.changed").exists()


def test_a_mailing_that_went_out_keeps_its_text(admin_client, workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301")
    message = services.mailing_create_custom(workshop=workshop, subject="Programme", body="Hello", actor=STAFF)
    with commit():
        services.mailing_send_now(mailing=message, actor=STAFF)

    change(admin_client, message, subject="Changed afterwards", body="Changed afterwards")
    with pytest.raises(services.MailingError):
        services.mailing_update(mailing=message, actor=STAFF, body="Changed afterwards")

    message.refresh_from_db()
    assert (message.subject, message.body) == ("Programme", "Hello")
    assert not ActionLog.objects.filter(action="mailing.changed").exists()
