"""Form rows as participant data: one conversion for the public form and the admin's inline rows."""

from collections.abc import Mapping

from django import forms

from registrations.models import Role
from registrations.services import ParticipantData

FIELDS = ("name", "email", "phone", "role", "title")


def participant_from_row(row: Mapping[str, str], *, id: int | None = None) -> ParticipantData:
    """One row (cleaned, or as typed) as the services take it; ``id`` for a participant that already exists."""
    return ParticipantData(
        name=row["name"],
        email=row["email"],
        role=row["role"],
        phone=row.get("phone") or "",
        title=row.get("title") or "",
        id=id,
    )


def participants_as_typed(formset: forms.BaseFormSet) -> list[ParticipantData] | None:
    """The delegation as its filled-in rows say it, even while a field of a row still needs fixing.

    This lets the delegation rules be checked in the same round as the field errors: role and email are
    taken as typed, whatever else the row lacks. None when the rows cannot be read: a broken management
    form, or a filled-in row without a known role. The rules are about roles, and a guess would report
    problems the visitor does not have.
    """
    if not formset.management_form.is_valid():
        return None
    people = []
    for form in formset.forms:
        if not form.has_changed():
            continue  # an empty row, left out as the formset leaves it out
        typed = {name: (form[name].value() or "").strip() for name in FIELDS}
        if typed["role"] not in Role.values:
            return None
        people.append(participant_from_row(typed))
    return people
