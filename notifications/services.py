"""Outbox hooks called by registrations services inside their transaction.

STUB: the notifications issue (#3) fills these in. Each writes outbox rows in the
caller's transaction and queues the sending task with transaction.on_commit.
"""

from collections.abc import Sequence


def registration_confirmed(*, registration) -> None:
    """A new delegation was saved (confirmed or on the waiting list): confirmation to contact and participants."""


def participants_added(*, registration, participants: Sequence) -> None:
    """Participants joined an existing delegation: their confirmation, plus catch-up of mailings already sent."""


def session_changed(*, registration, previous_session) -> None:
    """A delegation got a seat from the waiting list (previous_session None) or was moved by staff."""


def registration_cancelled(*, registration) -> None:
    """A delegation was cancelled: cancellation confirmation."""
