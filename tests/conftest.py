"""Shared fixtures: the 2021 seed workshop shape, municipalities, delegations.

Tests run on SQLite without DATABASE_URL. Tests marked ``postgres`` or ``redis``
skip there with a stated reason; in CI (CI_NO_SKIPS=1) any skip is a failure.
"""

import datetime
import os
import socket
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.translation import override

from config.celery import app as celery_app
from notifications import selectors as notifications_selectors
from registrations import services
from registrations.models import Municipality, Role
from registrations.municipality_data import municipalities_load
from registrations.selectors import municipalities_cache_clear, seats_shown_forget
from registrations.services import ContactData, ParticipantData
from workshops import audit
from workshops import cache as workshops_cache
from workshops.models import ActionLog, ReflectionQuestion, Session, Workshop

OSLO = ZoneInfo("Europe/Oslo")
EVENT_DAY = datetime.date(2021, 3, 10)


def oslo(*args: int) -> datetime.datetime:
    """An aware datetime in Europe/Oslo: oslo(2021, 3, 1, 23, 59, 59)."""
    return datetime.datetime(*args, tzinfo=OSLO)


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def closed_port() -> int:
    """A loopback port nothing listens on (bound for a moment, then let go): a server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_url() -> str | None:
    return os.environ.get("REDIS_URL")


requires_postgres = pytest.mark.skipif(
    not on_postgres(), reason="needs PostgreSQL: set DATABASE_URL=postgres://… (row locks, real concurrency)"
)
requires_redis = pytest.mark.skipif(not redis_url(), reason="needs Redis: set REDIS_URL=redis://127.0.0.1:6379/1")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(requires_postgres)
        if item.get_closest_marker("redis"):
            item.add_marker(requires_redis)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may skip: turn a skip into a failure that names the reason."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI_NO_SKIPS") == "1" and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.longrepr = f"skipped in CI, which must run everything: {reason}"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Staff users are created per test; PBKDF2's deliberate slowness buys nothing here."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _no_rate_limits():
    """Every test posts from 127.0.0.1, and the suite shares one Redis: counters would carry over between
    tests and workers. tests/registrations/test_rate_limits.py turns the limits on, with its own counters."""
    with override_settings(RATELIMIT_ENABLE=False):
        yield


@pytest.fixture(autouse=True)
def _no_cached_workshops():
    """Each test starts without the published workshops a previous test's requests kept (workshops/cache.py):
    a rolled-back test sends no signal; nor the municipality lists (a transactional test loads the rows again)."""
    workshops_cache.clear()
    municipalities_cache_clear()
    notifications_selectors.first_due_forget()
    seats_shown_forget()


@pytest.fixture(autouse=True)
def _bokmaal_by_default():
    """Each test starts in the site's default language, whatever the previous one activated."""
    with override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def municipality_data(db) -> None:
    """The municipality rows. Migrations load them, but a transactional test (live_server, threads,
    a Celery worker) flushes every table when it ends, so load them again when they are gone."""
    if not Municipality.objects.exists():
        municipalities_load(model=Municipality)


# The fixture workshop's reflection questions: the first is also asked on the registration form.
QUESTIONS = (
    "Hva vil gjøre pilotprosjektet verdifullt for kommunen deres?",
    "Hva er kulturskolens rolle i kommunen i dag?",
)


def create_workshop(*, day: datetime.date, deadline: datetime.datetime, slug: str = "kulturskole-3-0") -> Workshop:
    """The announced event's shape on `day`: main session 09.00–11.30 with 300 seats (open) and a closed
    overflow session 12.30–15.00, Europe/Oslo."""

    def at(hour: int, minute: int) -> datetime.datetime:
        return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=OSLO)

    ws = Workshop.objects.create(
        title="Kulturskole 3.0 – Kulturskolen som utviklingsaktør i fremtidens kommune",
        slug=slug,
        summary="Verksted for kommuner som vurderer å delta i pilotprosjektet.",
        organisers="KS og Norsk kulturskoleråd",
        venue="Zoom",
        target_group="Kulturskoleleder og én eller flere andre ledere i kommunen.",
        expectations="Minst to representanter; les materialet og arbeid med refleksjonsspørsmålene.",
        registration_deadline=deadline,
        is_published=True,
    )
    for position, text in enumerate(QUESTIONS, start=1):
        ReflectionQuestion.objects.create(workshop=ws, position=position, text=text)
    sessions = [
        ("Formiddag", Session.Kind.MAIN, at(9, 0), at(11, 30), True, "111", "kultur1"),
        ("Ettermiddag", Session.Kind.OVERFLOW, at(12, 30), at(15, 0), False, "222", "kultur2"),
    ]
    for label, kind, starts_at, ends_at, is_open, meeting, passcode in sessions:
        Session.objects.create(
            workshop=ws,
            label=label,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=300,
            is_open=is_open,
            meeting_url=f"https://zoom.example/j/{meeting}",
            meeting_passcode=passcode,
        )
    return ws


@pytest.fixture
def workshop(municipality_data) -> Workshop:
    """The 2021 event: 10 March 2021, registration deadline 1 March 2021 23:59:59 Oslo time."""
    return create_workshop(day=EVENT_DAY, deadline=oslo(2021, 3, 1, 23, 59, 59))


@pytest.fixture
def main_session(workshop) -> Session:
    return workshop.sessions.get(kind=Session.Kind.MAIN)


@pytest.fixture
def overflow_session(workshop) -> Session:
    return workshop.sessions.get(kind=Session.Kind.OVERFLOW)


@pytest.fixture
def before_deadline(time_machine):
    """The clock on 15 February 2021, 12:00 Oslo: registration is open."""
    time_machine.move_to(oslo(2021, 2, 15, 12, 0), tick=False)


def municipality(number: str, day: datetime.date = EVENT_DAY) -> Municipality:
    """The municipality with that number as it was on `day` (the workshop date by default)."""
    return Municipality.objects.valid_on(day).get(number=number)


def municipalities(count: int, day: datetime.date = EVENT_DAY) -> list[Municipality]:
    return list(Municipality.objects.valid_on(day).order_by("number")[:count])


def participants(*roles: str, prefix: str = "p") -> list[ParticipantData]:
    """ParticipantData for each role, with distinct names and emails.

    participants() is the smallest valid delegation: a culture-school leader and another municipal leader.
    """
    roles = roles or (Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER)
    return [
        ParticipantData(
            name=f"Person {prefix}{i}",
            email=f"{prefix}{i}@kommune.example",
            role=role,
            title="Rådgiver",
        )
        for i, role in enumerate(roles, start=1)
    ]


def delegation(size: int, prefix: str = "p") -> list[ParticipantData]:
    """A valid delegation of `size` people (culture-school leader, municipal leader, then services)."""
    roles = [Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER] + [Role.MUNICIPAL_SERVICE] * (size - 2)
    return participants(*roles, prefix=prefix)


CONTACT = ContactData(name="Kari Kontakt", email="kari@kommune.example", phone="+47 99 99 99 99")


# Staff acting in tests that are not about who acted (the admin tests use real staff users).
STAFF = audit.Actor(ActionLog.ActorKind.STAFF)


def input_answer(registration) -> str | None:
    """The delegation's answer to the workshop's first question (asked on the form), or None."""
    from registrations.models import Answer

    first = registration.workshop.questions.order_by("position", "pk").first()
    answer = Answer.objects.filter(answer_set__registration=registration, question=first).first()
    return answer.text if answer else None


def register(workshop: Workshop, number: str = "0301", people=None, **kwargs):
    """Register a delegation through the service, as the public form does (pass now=… or travel in time)."""
    kwargs.setdefault("actor", audit.PUBLIC)
    return services.registration_create(
        workshop=workshop,
        municipality=municipality(number),
        contact=kwargs.pop("contact", CONTACT),
        participants=people if people is not None else participants(prefix=number),
        **kwargs,
    )


@pytest.fixture
def broker(monkeypatch):
    """Call broker(url) to publish to a real broker in this test; the previous one comes back after."""
    conf = celery_app.conf
    saved = (conf.broker_url, conf.broker_transport_options, conf.task_always_eager)

    def use_broker(url: str, transport_options: dict | None = None):
        """Point the Celery app at another broker (tasks really published, not run in-process)."""
        celery_app.close()
        celery_app.amqp._producer_pool = None
        conf.task_always_eager = False
        # Celery's conf.broker_url prefers the CELERY_BROKER_URL environment variable (set in CI).
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        conf.broker_url = url
        conf.broker_transport_options = transport_options or {}

    yield use_broker
    celery_app.close()
    celery_app.amqp._producer_pool = None
    monkeypatch.undo()
    conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
