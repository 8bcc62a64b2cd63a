"""Fixtures for the notifications tests: a real SMTP server on loopback, eager or broken Celery.

The shared fixtures (the seed workshop, municipalities, register()) are in tests/conftest.py.
"""

import email
import email.policy
import threading
from collections import deque

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from config.celery import app as celery_app
from notifications import scheduling, services
from notifications.models import Mailing
from tests.conftest import STAFF


class Recorder:
    """An aiosmtpd handler that keeps every message and can refuse recipients or data on request."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        self.peers: list[tuple] = []  # the client's (host, port) for each message: one per SMTP connection
        self.refuse: dict[str, str] = {}  # address → reply, e.g. "550 5.1.1 No such user"
        self.data_failures: deque[str] = deque()  # replies for the next DATA commands, e.g. "451 4.3.0 Try later"
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_failures:
                return self.data_failures.popleft()
            self.envelopes.append(envelope)
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.peers.append(session.peer)
        return "250 Message accepted for delivery"

    def connections(self, subject_prefix: str = "") -> int:
        """How many SMTP connections carried the messages whose subject starts with `subject_prefix`."""
        return len(
            {peer for m, peer in zip(self.messages, self.peers, strict=True) if subject(m).startswith(subject_prefix)}
        )

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def subjects(self) -> list[str]:
        return [subject(m) for m in self.messages]


def subject(message) -> str:
    # Django folds a long non-ASCII subject onto a continuation line; the parsed value keeps a leading space.
    return str(message["Subject"]).strip()


def text_body(message) -> str:
    return message.get_body(("plain",)).get_content()


def html_body(message) -> str:
    return message.get_body(("html",)).get_content()


class _EphemeralController(Controller):
    """aiosmtpd on port 0: learn the port the OS picked before the controller connects to itself."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_smtp():
    recorder = Recorder()
    controller = _EphemeralController(recorder, hostname="127.0.0.1", port=0)
    controller.start()
    return recorder, controller


def smtp_settings(port: int) -> dict:
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 5,
    }


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (ephemeral port) that Django's SMTP backend sends to."""
    recorder, controller = start_smtp()
    recorder.port = controller.port
    with override_settings(**smtp_settings(controller.port)):
        yield recorder
    controller.stop()


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks run in-process when queued (on commit), so a test sees the whole flow without a worker."""
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """`with commit():` runs what the code queued with transaction.on_commit, as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def approve_scheduled(workshop) -> list[Mailing]:
    """Schedule the workshop's material and reminders and approve them as they are (gaps accepted), as
    staff do before they may go out. Returns the mailings approved."""
    approved = []
    for mailing in scheduling.mailings_schedule(workshop=workshop):
        if mailing.approved_at is None:
            approved.append(services.mailing_approve(mailing=mailing, actor=STAFF, accept_gaps=True))
    return approved


@pytest.fixture
def approved(workshop) -> list[Mailing]:
    """The `workshop` fixture's scheduled mailings, approved (tests of what is sent, not of approval)."""
    return approve_scheduled(workshop)
