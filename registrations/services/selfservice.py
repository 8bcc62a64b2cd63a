"""What a delegation's contact person may do through the secret link, and until when.

The writes themselves are the same services every other caller uses (``registration_update`` and
``registration_cancel`` with ``audit.SELF_SERVICE``), which refuse outside the window on their own; this
is what the pages ask to decide whether to offer them.
"""

import datetime

from registrations.models import Registration
from registrations.services.rules import registration_is_open


def registration_selfservice_open(*, registration: Registration, now: datetime.datetime | None = None) -> bool:
    """Whether the delegation can be changed or cancelled through its link now.

    Until the registration deadline second (inclusive, as for a new registration) and while it is not
    cancelled. After that only staff change it, in the admin.
    """
    if registration.status == Registration.Status.CANCELLED:
        return False
    return registration_is_open(workshop=registration.workshop, now=now)
