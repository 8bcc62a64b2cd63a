"""Staff roles: Arrangør manage, Observatør see everything and change nothing, others reach nothing."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.test import RequestFactory

from notifications.models import Delivery, Mailing, MaterialFile
from registrations.models import Municipality, Participant, Registration
from registrations.staff_groups import OBSERVERS, ORGANISERS
from tests.conftest import delegation, register
from tests.registrations.backoffice.conftest import staff_client
from tests.registrations.conftest import page_text
from tests.registrations.test_admin import change_data, rows, submit
from workshops.models import ActionLog, Session, Workshop

MODELS = [Workshop, Session, ActionLog, Municipality, Registration, Participant, Mailing, Delivery, MaterialFile]


@pytest.fixture
def objects(workshop, before_deadline, settings, tmp_path) -> dict:
    """One row of every model staff see in the admin."""
    settings.MEDIA_ROOT = tmp_path
    registration = register(workshop, "0301", people=delegation(3))
    material = MaterialFile(workshop=workshop, title="Veileder")
    material.file.save("veileder.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return {
        Workshop: workshop,
        Session: workshop.sessions.get(kind=Session.Kind.OVERFLOW),
        ActionLog: ActionLog.objects.get(),
        Municipality: registration.municipality,
        Registration: registration,
        Participant: registration.participants.first(),
        Mailing: Mailing.objects.get(registration=registration),
        Delivery: Delivery.objects.filter(registration=registration).first(),
        MaterialFile: MaterialFile.objects.create(
            workshop=workshop, title="Veileder", file="material/1/x/veileder.pdf"
        ),
    }


def admin_url(model, suffix="") -> str:
    return f"/admin/{model._meta.app_label}/{model._meta.model_name}/{suffix}"


def snapshot(obj) -> dict:
    return model_to_dict(type(obj).objects.get(pk=obj.pk))


def as_post(values: dict) -> dict:
    return {name: "" if value is None else value for name, value in values.items() if name != "file"}


# What the list and the page show of each object.
SHOWN = {
    Session: lambda s: s.label,
    Registration: lambda r: r.municipality.name,
    ActionLog: lambda e: e.object_repr,
    Delivery: lambda d: d.email,
    Participant: lambda p: p.email,
}


def shown(obj) -> str:
    return SHOWN.get(type(obj), str)(obj)


def test_the_groups_hold_the_roles_permissions(db):
    organisers = set(Group.objects.get(name=ORGANISERS).permissions.values_list("codename", flat=True))
    observers = set(Group.objects.get(name=OBSERVERS).permissions.values_list("codename", flat=True))

    assert {
        "add_registration",
        "change_registration",
        "change_session",
        "change_mailing",
        "view_delivery",
    } <= organisers
    # The one delete: a reflection question nobody answered (answered ones are protected).
    assert {p for p in organisers if p.startswith("delete_")} == {"delete_reflectionquestion"}
    assert "change_delivery" not in organisers
    ours = [m for app in ("workshops", "registrations", "notifications") for m in apps.get_app_config(app).get_models()]
    assert observers == {f"view_{model._meta.model_name}" for model in ours}
    assert {f"view_{model._meta.model_name}" for model in MODELS} <= observers


def test_ensure_staff_groups_grants_permissions_added_later_and_is_idempotent(db):
    mailing_type = ContentType.objects.get_for_model(Mailing)
    send, _created = Permission.objects.get_or_create(
        codename="send_mailing", content_type=mailing_type, defaults={"name": "Can send mailing"}
    )
    Group.objects.get(name=OBSERVERS).permissions.add(Permission.objects.get(codename="change_registration"))

    call_command("ensure_staff_groups", verbosity=0)
    call_command("ensure_staff_groups", verbosity=0)

    assert send in Group.objects.get(name=ORGANISERS).permissions.all()
    observers = Group.objects.get(name=OBSERVERS).permissions
    assert send not in observers.all()
    assert not observers.filter(codename="change_registration").exists()
    assert Group.objects.filter(name__in=[ORGANISERS, OBSERVERS]).count() == 2


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_an_observer_sees_every_list_and_page_but_no_change_form_saves(observer, objects, model):
    obj = objects[model]
    before = snapshot(obj)

    listing = observer.get(admin_url(model), {"mailings": "all"} if model is Mailing else {})
    page = observer.get(admin_url(model, f"{obj.pk}/change/"))
    post = observer.post(admin_url(model, f"{obj.pk}/change/"), {**as_post(before), "_save": "Save"})
    add = observer.get(admin_url(model, "add/"))

    assert listing.status_code == 200
    assert shown(obj) in page_text(listing)
    assert page.status_code == 200
    assert shown(obj) in page_text(page)
    assert 'type="submit" value="Save"' not in page.content.decode()
    assert post.status_code == 403
    assert snapshot(obj) == before
    assert add.status_code == 403


def offered_actions(user, model) -> set[str]:
    request = RequestFactory().get(admin_url(model))
    request.user = user
    return set(admin.site._registry[model].get_actions(request))


def view_only(model, name) -> bool:
    """Declared to need only the view permission (an action that declares nothing is offered to everyone)."""
    allowed = getattr(admin.site._registry[model].get_action(name)[0], "allowed_permissions", None)
    return allowed is not None and set(allowed) <= {"view"}


@pytest.mark.parametrize(
    "model",
    [
        Workshop,
        Session,
        Registration,
        Participant,
        ActionLog,
        Mailing,
        Delivery,
    ],
    ids=lambda m: m.__name__,
)
def test_an_observer_is_offered_no_action_that_changes_or_sends(observer, db, model):
    offered = offered_actions(observer.user, model)

    assert {name for name in offered if not view_only(model, name)} == set()


def test_a_forged_action_post_by_an_observer_changes_nothing(observer, objects, workshop):
    registration, overflow = objects[Registration], objects[Session]

    observer.post(
        admin_url(Registration),
        {"action": "cancel_registrations", "_selected_action": [registration.pk], "apply": "Cancel"},
    )
    observer.post(admin_url(Workshop), {"action": "open_overflow_sessions", "_selected_action": [workshop.pk]})
    observer.post(admin_url(Session), {"action": "open_sessions", "_selected_action": [overflow.pk]})

    registration.refresh_from_db()
    overflow.refresh_from_db()
    assert registration.status == Registration.Status.CONFIRMED
    assert overflow.is_open is False
    assert list(ActionLog.objects.values_list("action", flat=True)) == ["registration.created"]


def test_an_observer_reads_the_overview_but_cannot_open_a_session(observer, objects, workshop):
    overflow = objects[Session]
    url = f"/admin/workshops/workshop/{workshop.pk}/overview/"

    page = observer.get(url)
    refused = observer.post(f"{url}open/{overflow.pk}/")

    assert "Municipalities registered 1 /" in page_text(page)
    assert "Open this session…" not in page_text(page)
    assert refused.status_code == 403
    overflow.refresh_from_db()
    assert overflow.is_open is False


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_user_who_is_not_staff_reaches_nothing(objects, model):
    client = staff_client("nils", OBSERVERS, is_staff=False)
    obj = objects[model]

    for url in (admin_url(model), admin_url(model, f"{obj.pk}/change/"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    overview = client.get(f"/admin/workshops/workshop/{objects[Workshop].pk}/overview/")
    assert overview["Location"].startswith("/admin/login/")


def test_an_organiser_changes_a_registration(organiser, objects):
    registration = objects[Registration]
    people = rows(registration)
    people[0]["name"] = "Kari Ny"

    response = submit(
        organiser, admin_url(Registration, f"{registration.pk}/change/"), change_data(registration, people), follow=True
    )

    assert "was changed successfully" in page_text(response)
    assert registration.participants.order_by("pk").first().name == "Kari Ny"
    entry = ActionLog.objects.get(action="registration.changed")
    assert entry.user_name == "arne"


def test_an_organiser_opens_the_overflow_session_from_the_overview(organiser, objects, workshop):
    overflow = objects[Session]

    organiser.post(f"/admin/workshops/workshop/{workshop.pk}/overview/open/{overflow.pk}/")

    overflow.refresh_from_db()
    assert overflow.is_open is True
