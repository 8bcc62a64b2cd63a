"""Create or refresh the workshop of 10 March 2021 as announced, or (--demo) the same shape in the future.

Running it again restores the announced facts (title, organisers, rules, session times, deadline) and
nothing else: the texts, the reflection questions, and each session's
capacity, open/closed state and meeting link, are set only when created, because staff edit them in the
admin (opening the overflow session, for one).
Sessions are matched by (workshop, kind), so re-running never adds a session.

What it creates or changes is recorded in the log of who did what, as done by the system (workshops.audit);
a re-run that changes nothing records nothing. The log is written here with log_action rather than through
registrations.services: the workshops app is the ground floor and imports nothing above it, and the seed
never touches capacity or open state, so no waiting-list rule is involved.
"""

import datetime

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from workshops.audit import SYSTEM, changes, log_action, snapshot
from workshops.models import ReflectionQuestion, Session, Workshop

SLUG = "kulturskole-3-0"
DEMO_SLUG = "kulturskole-3-0-demo"
TITLE = "Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune"
EVENT_DAY = datetime.date(2021, 3, 10)
DEADLINE_DAY = datetime.date(2021, 3, 1)
# The demo: the session on the first Wednesday at least three weeks ahead (10 March 2021 was a Wednesday: the
# material goes out on a Wednesday, the reminder on a Tuesday, never at a weekend), the deadline nine days
# before it (a Monday, as in 2021).
DEMO_WEEKS_AHEAD = 3
DEMO_WEEKDAY = EVENT_DAY.weekday()
DEMO_DEADLINE_DAYS_BEFORE = 9

TEXTS = {
    "summary": (
        "Nettverksted for kommuner som vurderer å delta i pilotprosjektet «Kulturskole 3.0». "
        "Vi avklarer hva deltakelse innebærer, og henter inn kommunenes innspill til prosjektet."
    ),
    "description": (
        "KS og Norsk kulturskoleråd inviterer kommuner som er interessert i pilotprosjektet "
        "«Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune» til et verksted på Zoom.\n\n"
        "Pilotprosjektet skal hjelpe kommunen og kulturskolen med å utvikle tankesett og arbeidsmåter som "
        "styrker kulturskolens rolle i kommunen. På verkstedet får kommunene vite hva deltakelse innebærer, "
        "og kan vurdere om prosjektet passer for dem.\n\n"
        "Prosjektet bygger på samskaping. Derfor vil vi høre fra kommunene før det tar endelig form: "
        "innspillene deres kan påvirke hvordan prosjektet blir lagt opp.\n\n"
        "Det er gratis å delta."
    ),
    "target_group": (
        "Kulturskolelederen og én eller flere andre ledere i kommunen. Ta gjerne også med folk fra andre "
        "kommunale tjenester og sektorer, og lokale aktører fra frivilligheten, næringslivet eller innbyggerne."
    ),
    "expectations": (
        "Kommunen stiller med minst to representanter. Deltakerne leser det forberedende materiellet, som "
        "sendes ut sju dager før verkstedet, og arbeider med refleksjonsspørsmålene på forhånd."
    ),
}
# The first is the question asked on the registration form in 2021, final; the reflection questions are drafts
# for the organisers to edit (and untick «draft») before the material goes out.
QUESTIONS = [
    ("Hva vil gjøre pilotprosjektet verdifullt og relevant for kommunen deres?", False),
    ("Hvilken rolle har kulturskolen i kommunen deres i dag?", True),
    ("Hvilke utfordringer i kommunen kunne kulturskolen bidratt til å løse?", True),
    ("Hvem i og utenfor kommunen bør kulturskolen samarbeide mer med?", True),
]


def oslo(day: datetime.date, hour: int, minute: int = 0, second: int = 0) -> datetime.datetime:
    """A time of day in the site's time zone (settings.TIME_ZONE: Europe/Oslo)."""
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=zone)


def seed(*, slug: str, title: str, event_day: datetime.date, deadline_day: datetime.date, texts: dict) -> Workshop:
    """Create or refresh one workshop with its two sessions; see the module docstring for what is kept."""
    facts = {
        "title": title,
        "organisers": "KS og Norsk kulturskoleråd",
        "venue": "Zoom",
        "is_free": True,
        "is_published": True,
        # The whole deadline day counts: open until its last second, Oslo time.
        "registration_deadline": oslo(deadline_day, 23, 59, 59),
        "material_days_before": 7,
        "min_representatives": 2,
        "require_role_composition": True,
        "max_delegation_size": 6,
    }
    with transaction.atomic():
        workshop = Workshop.objects.select_for_update().filter(slug=slug).first()
        if workshop is None:
            workshop = Workshop.objects.create(slug=slug, **facts, **texts)
            _log_created(workshop, ("slug", *facts), workshop_id=workshop.pk)
            ReflectionQuestion.objects.bulk_create(
                ReflectionQuestion(workshop=workshop, position=position, text=text, is_draft=is_draft)
                for position, (text, is_draft) in enumerate(QUESTIONS, start=1)
            )
        else:
            _update(workshop, facts, workshop_id=workshop.pk)
        for kind, label, start, end, is_open in (
            (Session.Kind.MAIN, "Formiddag", (9, 0), (11, 30), True),
            (Session.Kind.OVERFLOW, "Ettermiddag", (12, 30), (15, 0), False),
        ):
            times = {"label": label, "starts_at": oslo(event_day, *start), "ends_at": oslo(event_day, *end)}
            session = Session.objects.filter(workshop=workshop, kind=kind).first()
            if session is None:
                session = Session.objects.create(workshop=workshop, kind=kind, capacity=300, is_open=is_open, **times)
                _log_created(session, ("kind", *times, "capacity", "is_open"), workshop_id=workshop.pk)
            else:
                _update(session, times, workshop_id=workshop.pk)
    return workshop


def _log_created(obj: Workshop | Session, fields, *, workshop_id: int) -> None:
    action = f"{obj._meta.model_name}.created"
    log_action(actor=SYSTEM, action=action, obj=obj, workshop_id=workshop_id, data={"values": snapshot(obj, fields)})


def _update(obj: Workshop | Session, values: dict, *, workshop_id: int) -> None:
    """Set the values that differ, save and record them (before and after); nothing when none differs."""
    # Compared as Python values: an Oslo time and the same instant read back in UTC are equal.
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return
    before = snapshot(obj, changed)
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    obj.refresh_from_db(fields=changed)  # the stored form (UTC), so before and after read alike in the log
    log_action(
        actor=SYSTEM,
        action=f"{obj._meta.model_name}.changed",
        obj=obj,
        workshop_id=workshop_id,
        data={"changes": changes(before, snapshot(obj, changed))},
    )


class Command(BaseCommand):
    help = (
        "Create or refresh the Kulturskole 3.0 workshop of 10 March 2021 as announced; with --demo, the same "
        "workshop three weeks from today under its own slug, open for registration."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo", action="store_true", help=f"Seed the demo workshop «{DEMO_SLUG}» dated from today."
        )

    def handle(self, *args, demo: bool = False, **options):
        if demo:
            earliest = timezone.localdate() + datetime.timedelta(weeks=DEMO_WEEKS_AHEAD)
            event_day = earliest + datetime.timedelta(days=(DEMO_WEEKDAY - earliest.weekday()) % 7)
            workshop = seed(
                slug=DEMO_SLUG,
                title=f"{TITLE} (demo)",
                event_day=event_day,
                deadline_day=event_day - datetime.timedelta(days=DEMO_DEADLINE_DAYS_BEFORE),
                texts={**TEXTS, "summary": "Demo med samme oppsett som verkstedet i 2021. " + TEXTS["summary"]},
            )
        else:
            workshop = seed(slug=SLUG, title=TITLE, event_day=EVENT_DAY, deadline_day=DEADLINE_DAY, texts=TEXTS)
        for session in workshop.sessions.all():
            state = "open" if session.is_open else "closed"
            self.stdout.write(f"  {session} ({session.get_kind_display()}, {session.capacity} seats, {state})")
        self.stdout.write(self.style.SUCCESS(f"Workshop «{workshop.slug}» is in place."))
