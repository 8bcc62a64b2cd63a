"""Writes on the notifications outbox: the hooks registrations services call inside their transaction
(``hooks.py``), and the staff actions on mailings (``mailings.py``). One import for callers:
``from notifications import services``.
"""

from notifications.services.hooks import (
    contact_changed,
    contact_dispute_noticed,
    contact_link_replaced,
    contact_link_resent,
    contact_replaced,
    participants_added,
    participants_removed,
    registration_cancelled,
    registration_confirmed,
    session_changed,
)
from notifications.services.mailings import (
    MailingError,
    deliveries_retry,
    mailing_approval_withdraw,
    mailing_approve,
    mailing_create_custom,
    mailing_resend,
    mailing_send_now,
    mailing_update,
    mailings_approval_remind,
    registration_confirmation_resend,
)

__all__ = [
    "MailingError",
    "contact_changed",
    "contact_dispute_noticed",
    "contact_link_replaced",
    "contact_link_resent",
    "contact_replaced",
    "deliveries_retry",
    "mailing_approval_withdraw",
    "mailing_approve",
    "mailing_create_custom",
    "mailing_resend",
    "mailing_send_now",
    "mailing_update",
    "mailings_approval_remind",
    "participants_added",
    "participants_removed",
    "registration_cancelled",
    "registration_confirmation_resend",
    "registration_confirmed",
    "session_changed",
]
