"""Scheduled mailings go out only once approved: the checklist, approving, withdrawing, the scheduler."""

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from notifications import scheduling, selectors, services, tasks
from notifications.models import Mailing, MaterialFile
from tests.conftest import STAFF, oslo, register
from tests.notifications.conftest import subject
from workshops.audit import Actor
from workshops.models import ActionLog, ReflectionQuestion, Session, Workshop

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("before_deadline")]
MATERIAL = "Preparatory material: Kulturskole 3.0"


def scheduled(workshop) -> tuple[Mailing, Mailing]:
    """The material mailing and the main session's reminder."""
    mailings = scheduling.mailings_schedule(workshop=workshop)
    material = next(m for m in mailings if m.kind == Mailing.Kind.MATERIAL)
    reminder = next(m for m in mailings if m.kind == Mailing.Kind.REMINDER and m.session.kind == Session.Kind.MAIN)
    return material, reminder


def codes(mailing) -> list[str]:
    return [gap.code for gap in selectors.mailing_checklist(mailing=mailing)]


@pytest.fixture
def material_file(workshop, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return MaterialFile.objects.create(workshop=workshop, title="Programme", file=ContentFile(b"%PDF", "p.pdf"))


def test_the_seed_workshop_material_lists_what_is_missing(municipality_data):
    call_command("seed_workshop", stdout=open("/dev/null", "w"))
    workshop = Workshop.objects.get(slug="kulturskole-3-0")
    material, reminder = scheduled(workshop)

    gaps = selectors.mailing_checklist(mailing=material)

    assert [g.code for g in gaps] == ["questions_draft", "no_material_file", "no_meeting_link"]
    assert gaps[2].message == "Økta «Formiddag 10.03.2021 09.00–11.30» har ingen møtelenke."
    assert codes(reminder) == ["questions_draft", "no_meeting_link"]


def test_a_complete_mailing_has_no_gaps(workshop, material_file):
    material, reminder = scheduled(workshop)
    assert codes(material) == []
    assert codes(reminder) == []


@pytest.mark.parametrize(
    ("drafts", "gap"),
    [
        ([], ["questions_empty"]),
        ([True], ["questions_draft"]),
        ([False, True], ["questions_draft"]),
        ([False, False], []),
    ],
)
def test_no_reflection_questions_or_one_still_a_draft_is_a_gap(workshop, material_file, drafts, gap):
    workshop.questions.all().delete()
    for position, is_draft in enumerate(drafts, start=1):
        ReflectionQuestion.objects.create(workshop=workshop, position=position, text="Hva?", is_draft=is_draft)
    material, reminder = scheduled(workshop)
    assert codes(material) == gap
    assert codes(reminder) == gap


def test_a_reminder_needs_only_its_own_sessions_meeting_link(workshop, main_session, overflow_session):
    Session.objects.filter(pk=overflow_session.pk).update(meeting_url="")
    material, reminder = scheduled(workshop)
    assert codes(reminder) == []
    overflow_reminder = Mailing.objects.get(kind=Mailing.Kind.REMINDER, session=overflow_session)
    assert codes(overflow_reminder) == ["no_meeting_link"]
    # The closed overflow session has no delegation: the material does not need its link yet.
    assert "no_meeting_link" not in codes(material)


def test_approval_is_refused_while_something_is_missing(workshop):
    material, _reminder = scheduled(workshop)

    with pytest.raises(services.MailingError) as refused:
        services.mailing_approve(mailing=material, actor=STAFF)

    assert [g.code for g in refused.value.gaps] == ["no_material_file"]
    material.refresh_from_db()
    assert material.approved_at is None
    assert not ActionLog.objects.filter(action="mailing.approved").exists()


def test_staff_may_approve_with_the_gaps_confirmed_and_it_is_recorded(workshop, admin_user, time_machine):
    material, _reminder = scheduled(workshop)
    time_machine.move_to(oslo(2021, 2, 20, 10, 0), tick=False)

    services.mailing_approve(
        mailing=material, actor=Actor.staff(admin_user), accept_gaps=True, now=oslo(2021, 2, 20, 10, 0)
    )

    material.refresh_from_db()
    assert (material.approved_at, material.approved_by) == (oslo(2021, 2, 20, 10, 0), admin_user)
    [entry] = ActionLog.objects.filter(action="mailing.approved")
    assert (entry.user, entry.object_id, entry.data["gaps_accepted"]) == (admin_user, material.pk, ["no_material_file"])


def test_an_unapproved_mailing_does_not_go_out_at_its_time(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    smtp_server.messages.clear()

    with commit():
        ids = scheduling.mailings_release_due(now=oslo(2021, 3, 3, 9, 0))

    assert ids == []
    assert smtp_server.messages == []
    assert Mailing.objects.get(kind=Mailing.Kind.MATERIAL).released_at is None


def test_once_approved_an_overdue_mailing_goes_out_on_the_next_tick(
    workshop, material_file, smtp_server, commit, time_machine
):
    with commit():
        register(workshop, "0301", language="en")
    scheduling.mailings_release_due(now=oslo(2021, 3, 3, 9, 0))
    material, _reminder = scheduled(workshop)
    services.mailing_approve(mailing=material, actor=STAFF)

    time_machine.move_to(oslo(2021, 3, 3, 10, 0), tick=False)
    with commit():
        tasks.release_due_mailings.delay()

    assert sorted(m["To"] for m in smtp_server.messages if subject(m).startswith(MATERIAL)) == [
        "03011@kommune.example",
        "03012@kommune.example",
    ]


def test_a_registration_after_the_time_gets_no_unapproved_material(workshop, smtp_server, commit, time_machine):
    scheduled(workshop)
    time_machine.move_to(oslo(2021, 3, 4, 12, 0), tick=False)
    with commit():
        register(workshop, "0301", language="en", actor=STAFF)

    assert [subject(m) for m in smtp_server.messages if subject(m).startswith(MATERIAL)] == []


def test_the_approval_holds_when_the_time_moves(workshop, material_file):
    material, _reminder = scheduled(workshop)
    services.mailing_approve(mailing=material, actor=STAFF)
    workshop.material_days_before = 3
    workshop.save()

    material, _reminder = scheduled(workshop)

    assert material.scheduled_for == oslo(2021, 3, 7, 9, 0)
    assert material.approved_at is not None


def test_approval_can_be_withdrawn_before_it_went_out(workshop, material_file, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    material, _reminder = scheduled(workshop)
    services.mailing_approve(mailing=material, actor=STAFF)

    services.mailing_approval_withdraw(mailing=material, actor=STAFF)
    with commit():
        ids = scheduling.mailings_release_due(now=oslo(2021, 3, 3, 9, 0))

    material.refresh_from_db()
    assert (material.approved_at, ids) == (None, [])
    assert ActionLog.objects.filter(action="mailing.approval_withdrawn", object_id=material.pk).count() == 1


def test_approval_cannot_be_withdrawn_once_it_went_out(workshop, material_file, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    material, _reminder = scheduled(workshop)
    services.mailing_approve(mailing=material, actor=STAFF)
    with commit():
        scheduling.mailings_release_due(now=oslo(2021, 3, 3, 9, 0))

    with pytest.raises(services.MailingError):
        services.mailing_approval_withdraw(mailing=material, actor=STAFF)
    material.refresh_from_db()
    assert material.approved_at is not None


def test_send_now_refuses_a_scheduled_mailing_not_approved(workshop, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    smtp_server.messages.clear()
    material, _reminder = scheduled(workshop)

    with pytest.raises(services.MailingError), commit():
        services.mailing_send_now(mailing=material, actor=STAFF)

    assert material.deliveries.count() == 0
    assert smtp_server.messages == []


def test_sending_a_message_is_its_approval_and_is_recorded(workshop, admin_user, smtp_server, commit):
    with commit():
        register(workshop, "0301", language="en")
    actor = Actor.staff(admin_user)
    mailing = services.mailing_create_custom(workshop=workshop, subject="Programme", body="Hello", actor=actor)

    with commit():
        ids = services.mailing_send_now(mailing=mailing, actor=actor)

    mailing.refresh_from_db()
    assert len(ids) == 2
    assert (mailing.approved_by, mailing.created_by) == (admin_user, admin_user)
    assert list(ActionLog.objects.filter(object_id=mailing.pk).order_by("pk").values_list("action", "user")) == [
        ("mailing.created", admin_user.pk),
        ("mailing.sent", admin_user.pk),
    ]
