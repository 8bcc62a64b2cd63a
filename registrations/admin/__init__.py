"""The staff pages (Django admin) for workshops, sessions, registrations and municipalities.

They live in registrations/ rather than next to each model because their actions call registrations
services (opening an overflow session moves waiting-list delegations), and workshops/ must not import
registrations/. Every write with a rule goes through registrations.services.
"""

from registrations.admin import (  # noqa: F401  (registers)
    action_log,
    contacts,
    municipalities,
    registrations,
    site,
    workshops,
)
