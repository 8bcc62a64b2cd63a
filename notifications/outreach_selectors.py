"""Reads for outreach: which municipal contacts an invitation to a workshop goes to.

A municipality is matched by its number as it is on the workshop's date (Municipality.valid_on), and counts
as registered while it has a delegation that is not cancelled. Checked when the deliveries are created and
again just before each is sent (selectors.deliveries_eligibility): a municipality that registers in between
gets nothing.
"""

import datetime

from django.db.models.functions import Lower
from django.utils import timezone

from registrations.models import MunicipalContact, Municipality, Registration
from workshops.models import Workshop


def workshop_day(workshop: Workshop) -> datetime.date:
    """The date the municipalities are read on: the workshop's, or today for one without sessions yet."""
    return workshop.event_date or timezone.localdate()


def registered_numbers(*, workshop: Workshop) -> set[str]:
    """Numbers of the municipalities with an active (confirmed or waiting) delegation for the workshop."""
    return set(
        Registration.objects.filter(workshop=workshop)
        .exclude(status=Registration.Status.CANCELLED)
        .values_list("municipality__number", flat=True)
    )


def invitation_targets(*, workshop: Workshop, emails: list[str] | None = None) -> dict[str, dict]:
    """{address (lower case): {"name", "municipalities": [names]}} for the contacts of municipalities that
    exist on the workshop's date and have not registered for it; each address once (an intermunicipal
    culture school's leader may speak for several municipalities: one email naming them all).

    ``emails``: only these addresses (the check just before sending). Three queries whatever the size.
    """
    names = dict(Municipality.objects.valid_on(workshop_day(workshop)).values_list("number", "name"))
    open_numbers = set(names) - registered_numbers(workshop=workshop)
    contacts = MunicipalContact.objects.filter(municipality_number__in=open_numbers).order_by(
        "municipality_number", "pk"
    )
    if emails is not None:
        contacts = contacts.alias(email_lower=Lower("email")).filter(
            email_lower__in={e.strip().lower() for e in emails}
        )
    targets: dict[str, dict] = {}
    for contact in contacts:
        entry = targets.setdefault(contact.email.strip().lower(), {"name": contact.name, "municipalities": []})
        entry["name"] = entry["name"] or contact.name
        municipality = names[contact.municipality_number]
        if municipality not in entry["municipalities"]:
            entry["municipalities"].append(municipality)
    return targets


def known_municipality_numbers(*, today: datetime.date | None = None) -> set[str]:
    """Numbers an imported contact may have: of a municipality that exists today or on the date of a
    workshop still to come (contacts are imported ahead of a reform as well as after it)."""
    today = today or timezone.localdate()
    days = {today}
    for workshop in Workshop.objects.filter(sessions__ends_at__gt=timezone.now()).distinct():
        days.add(workshop_day(workshop))
    numbers: set[str] = set()
    for day in days:
        numbers |= set(Municipality.objects.valid_on(day).values_list("number", flat=True))
    return numbers
