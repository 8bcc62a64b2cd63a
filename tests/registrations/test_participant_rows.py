"""Form rows as participant data: cleaned rows for the services, and rows as typed for an early rule check."""

import pytest
from django.http import QueryDict

from registrations import forms
from registrations.models import Role
from registrations.participant_rows import participant_from_row, participants_as_typed
from registrations.services import ParticipantData
from tests.conftest import municipality, participants
from tests.registrations.conftest import form_data

pytestmark = pytest.mark.usefixtures("before_deadline")


def formset(workshop, data: dict):
    query = QueryDict(mutable=True)
    query.update(data)
    return forms.participant_formset(workshop=workshop, data=query)


def test_a_row_becomes_participant_data_with_its_id_and_blank_optional_fields():
    row = {"name": "Kari", "email": "kari@kommune.example", "role": Role.MUNICIPAL_LEADER, "phone": None}
    assert participant_from_row(row, id=7) == ParticipantData(
        name="Kari", email="kari@kommune.example", role=Role.MUNICIPAL_LEADER, phone="", title="", id=7
    )


def test_rows_are_read_as_typed_even_with_invalid_fields_and_empty_rows_are_left_out(workshop):
    data = form_data(municipality("0301"), participants(Role.CULTURE_SCHOOL_LEADER, Role.RESIDENT), empty_rows=1)
    data.update({"participants-0-title": "", "participants-1-email": " per@ ", "participants-1-name": ""})
    rows = formset(workshop, data)
    assert not rows.is_valid()
    assert participants_as_typed(rows) == [
        ParticipantData(name="Person p1", email="p1@kommune.example", role=Role.CULTURE_SCHOOL_LEADER),
        ParticipantData(name="", email="per@", role=Role.RESIDENT, title="Rådgiver"),
    ]


@pytest.mark.parametrize("role", ["", "mayor"])
def test_a_filled_row_without_a_known_role_makes_the_rows_unreadable(workshop, role):
    data = form_data(municipality("0301"))
    data["participants-1-role"] = role
    assert participants_as_typed(formset(workshop, data)) is None


def test_a_broken_management_form_makes_the_rows_unreadable(workshop):
    data = form_data(municipality("0301"))
    del data["participants-TOTAL_FORMS"]
    assert participants_as_typed(formset(workshop, data)) is None
