"""Staff pages that send or approve: who may use them, the approval page, the admin home, no deleting."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.base import ContentFile
from django.urls import reverse

from notifications import scheduling, services, tasks
from notifications.models import Delivery, Mailing, MaterialFile
from tests.conftest import STAFF, oslo, register
from tests.notifications.conftest import approve_scheduled
from workshops.models import ActionLog

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
MAILINGS = reverse("admin:notifications_mailing_changelist")
DELIVERIES = reverse("admin:notifications_delivery_changelist")
SENDING_ACTIONS = {MAILINGS: ["approve", "withdraw_approval", "send_now", "send_test_to_me", "retry_failed"]}
SENDING_ACTIONS[DELIVERIES] = ["retry"]


def staff_user(username: str, *codenames: str) -> User:
    user = User.objects.create_user(username, f"{username}@kulturskoleradet.no", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


@pytest.fixture
def viewer(client):
    user = staff_user("viewer", "view_mailing", "view_delivery", "view_materialfile", "view_registration")
    client.force_login(user)
    return user


def home(client) -> str:
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def action_choices(client, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["action_form"]
    if form is None:  # the list offers no action at all
        return set()
    return {value for value, _label in form.fields["action"].choices if value}


def test_a_view_only_user_sees_no_action_that_sends(viewer, client, workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")

    assert action_choices(client, MAILINGS) == set()
    assert action_choices(client, DELIVERIES) == set()


@pytest.mark.parametrize(("url", "action"), [(u, a) for u, actions in SENDING_ACTIONS.items() for a in actions])
def test_a_view_only_user_cannot_post_an_action_that_sends(viewer, client, workshop, smtp_server, commit, url, action):
    smtp_server.refuse["03011@kommune.example"] = "550 no"
    with commit():
        register(workshop, "0301", language="en")
    scheduling.mailings_schedule(workshop=workshop)
    custom = services.mailing_create_custom(workshop=workshop, subject="Hi", body="Hello", actor=STAFF)
    smtp_server.messages.clear()
    before = sorted(Delivery.objects.values_list("pk", "status", "attempts"))
    selected = [d.pk for d in Delivery.objects.all()] if url == DELIVERIES else [m.pk for m in Mailing.objects.all()]

    with commit():
        client.post(url, {"action": action, "_selected_action": selected, "confirm": "approve", "accept_gaps": "on"})

    assert sorted(Delivery.objects.values_list("pk", "status", "attempts")) == before
    assert smtp_server.messages == []
    assert Mailing.objects.filter(approved_at__isnull=False).count() == 0
    custom.refresh_from_db()
    assert custom.scheduled_for is None
    assert not ActionLog.objects.filter(user=viewer).exists()


def test_a_view_only_user_cannot_open_the_approval_page(viewer, client, workshop):
    material = scheduling.mailings_schedule(workshop=workshop)[0]
    url = reverse("admin:notifications_mailing_approve", args=[material.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "approve", "accept_gaps": "on"}).status_code == 403
    material.refresh_from_db()
    assert material.approved_at is None


def test_a_user_with_the_send_permission_has_the_actions(client, workshop):
    client.force_login(staff_user("sender", "view_mailing", "view_delivery", "send_mailing"))

    assert action_choices(client, MAILINGS) == set(SENDING_ACTIONS[MAILINGS])
    assert action_choices(client, DELIVERIES) == {"retry"}


def test_mailings_and_deliveries_cannot_be_deleted(admin_client, workshop, smtp_server, commit):
    with commit():
        registration = register(workshop, "0301", language="en")
    mailing = Mailing.objects.get(registration=registration)
    delivery = mailing.deliveries.first()

    assert "delete_selected" not in action_choices(admin_client, MAILINGS)
    assert "delete_selected" not in action_choices(admin_client, DELIVERIES)
    assert admin_client.post(reverse("admin:notifications_mailing_delete", args=[mailing.pk])).status_code == 403
    assert admin_client.post(reverse("admin:notifications_delivery_delete", args=[delivery.pk])).status_code == 403
    delete = reverse("admin:registrations_registration_delete", args=[registration.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert (Mailing.objects.filter(pk=mailing.pk).exists(), Delivery.objects.filter(pk=delivery.pk).exists()) == (
        True,
        True,
    )
    assert (
        "deletelink"
        not in admin_client.get(reverse("admin:notifications_mailing_change", args=[mailing.pk])).content.decode()
    )


def test_material_files_are_deletable_only_until_the_material_went_out(
    admin_client, admin_user, workshop, smtp_server, commit, time_machine, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    item = MaterialFile.objects.create(workshop=workshop, title="Programme", file=ContentFile(b"%PDF", "p.pdf"))
    delete = reverse("admin:notifications_materialfile_delete", args=[item.pk])
    assert admin_client.get(delete).status_code == 200

    approve_scheduled(workshop)
    with commit():
        register(workshop, "0301", language="en")
    time_machine.move_to(oslo(2021, 3, 3, 9, 0), tick=False)
    with commit():
        tasks.release_due_mailings.delay()
    admin_client.force_login(admin_user)  # the login of 15 February has expired by now

    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert MaterialFile.objects.filter(pk=item.pk).exists()


def test_approving_from_the_list_shows_the_checklist_and_needs_the_gaps_confirmed(admin_client, admin_user, workshop):
    material = scheduling.mailings_schedule(workshop=workshop)[0]
    form = {"action": "approve", "_selected_action": [material.pk]}

    page = admin_client.post(MAILINGS, form).content.decode()
    assert "Dette mangler:" in page
    assert "Ingen materiellfil er lastet opp." in page

    refused = admin_client.post(MAILINGS, {**form, "confirm": "approve"}).content.decode()
    assert "Noe mangler. Fullfør det først" in refused
    material.refresh_from_db()
    assert material.approved_at is None

    response = admin_client.post(MAILINGS, {**form, "confirm": "approve", "accept_gaps": "on"})
    assert response.status_code == 302
    material.refresh_from_db()
    assert material.approved_by == admin_user
    [entry] = ActionLog.objects.filter(action="mailing.approved")
    assert (entry.user, entry.data["gaps_accepted"]) == (admin_user, ["no_material_file"])


def test_the_mailing_page_links_to_its_approval_which_can_be_withdrawn(
    admin_client, admin_user, workshop, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    MaterialFile.objects.create(workshop=workshop, title="Programme", file=ContentFile(b"%PDF", "p.pdf"))
    material = scheduling.mailings_schedule(workshop=workshop)[0]
    url = reverse("admin:notifications_mailing_approve", args=[material.pk])

    assert url in admin_client.get(reverse("admin:notifications_mailing_change", args=[material.pk])).content.decode()
    assert "Sjekklisten er komplett." in admin_client.get(url).content.decode()
    admin_client.post(url, {"confirm": "approve"})
    material.refresh_from_db()
    assert material.approved_by == admin_user

    admin_client.post(url, {"confirm": "withdraw"})
    material.refresh_from_db()
    assert (material.approved_at, material.approved_by) == (None, None)


def test_the_admin_home_lists_mailings_due_within_three_days_not_approved(
    admin_client, admin_user, workshop, time_machine
):
    material, first_reminder, second_reminder = scheduling.mailings_schedule(workshop=workshop)
    services.mailing_approve(mailing=second_reminder, actor=STAFF, accept_gaps=True)
    # The material is due 3 March 09.00, the reminders 9 March 09.00.
    time_machine.move_to(oslo(2021, 3, 6, 9, 0), tick=False)
    admin_client.force_login(admin_user)  # the login of 15 February has expired by now

    page = home(admin_client)

    block = page.split('id="awaiting-approval"')[1].split("</div>")[0]
    for mailing, shown in [(material, True), (first_reminder, True), (second_reminder, False)]:
        assert (reverse("admin:notifications_mailing_change", args=[mailing.pk]) in block) is shown


def test_the_admin_home_block_starts_three_days_ahead(admin_client, workshop, time_machine):
    material = scheduling.mailings_schedule(workshop=workshop)[0]
    three_days_ahead = material.scheduled_for - datetime.timedelta(days=3)

    time_machine.move_to(three_days_ahead - datetime.timedelta(seconds=1), tick=False)
    assert 'id="awaiting-approval"' not in home(admin_client)

    time_machine.move_to(three_days_ahead, tick=False)
    page = home(admin_client)
    assert "Utsendinger som venter på godkjenning" in page
    assert reverse("admin:notifications_mailing_change", args=[material.pk]) in page
