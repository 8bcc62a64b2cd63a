"""Every write on registrations that has a rule.

Each rule lives in exactly one function here; the public form, the admin and the
management commands all call these. Writes happen inside ``transaction.atomic()``
with the workshop's session rows locked (``select_for_update``), so concurrent
submissions cannot exceed a session's capacity; the partial unique constraint on
(workshop, municipality) backs the one-delegation rule.

Side effects are listed in each docstring. Email is never sent here: the
notifications outbox rows are written in the same transaction and the tasks
that send them are queued on commit.
"""

from registrations.services.answers import (
    answers_are_open,
    answers_check_open,
    answers_field,
    answers_lock_time,
    answers_questions,
    answers_save,
)
from registrations.services.disputes import dispute_create, dispute_dismiss, dispute_transfer
from registrations.services.links import (
    link_request_create,
    link_request_handle,
    link_requests_sweep,
    registration_link_resend,
    registration_link_rotate,
)
from registrations.services.privacy import (
    person_erase,
    person_export_record,
    workshop_anonymise,
    workshops_anonymise_due,
    workshops_due_for_anonymisation,
)
from registrations.services.registrations import (
    KEEP,
    registration_cancel,
    registration_create,
    registration_move,
    registration_update,
)
from registrations.services.rules import (
    ContactData,
    ParticipantData,
    Window,
    delegation_validate,
    municipality_check_valid,
    registration_check_open,
    registration_is_open,
    registration_window,
)
from registrations.services.seats import waitlist_promote
from registrations.services.selfservice import registration_selfservice_open
from registrations.services.sessions import (
    session_check_capacity,
    session_close,
    session_create,
    session_delete,
    session_open,
    session_open_preview,
    session_update,
)

__all__ = [
    "KEEP",
    "ContactData",
    "answers_are_open",
    "answers_check_open",
    "answers_field",
    "answers_lock_time",
    "answers_questions",
    "answers_save",
    "ParticipantData",
    "Window",
    "delegation_validate",
    "dispute_create",
    "dispute_dismiss",
    "dispute_transfer",
    "municipality_check_valid",
    "person_erase",
    "person_export_record",
    "registration_cancel",
    "registration_check_open",
    "registration_create",
    "registration_is_open",
    "link_request_create",
    "link_request_handle",
    "link_requests_sweep",
    "registration_link_resend",
    "registration_link_rotate",
    "registration_move",
    "registration_selfservice_open",
    "registration_update",
    "registration_window",
    "session_check_capacity",
    "session_close",
    "session_create",
    "session_delete",
    "session_open",
    "session_open_preview",
    "session_update",
    "waitlist_promote",
    "workshop_anonymise",
    "workshops_anonymise_due",
    "workshops_due_for_anonymisation",
]
