"""The registration form: field validation only, and the service's problems put where people look."""

import pytest
from django.http import QueryDict
from django.utils.translation import override

from registrations import forms
from registrations.errors import Problem, RegistrationError
from registrations.models import Role
from registrations.services import ParticipantData
from tests.conftest import municipality, participants
from tests.registrations.conftest import form_data

pytestmark = pytest.mark.usefixtures("before_deadline")


def bound(workshop, data: dict):
    query = QueryDict(mutable=True)
    query.update(data)
    return (
        forms.RegistrationForm(query, workshop=workshop),
        forms.participant_formset(workshop=workshop, data=query),
    )


def test_the_municipality_choices_are_grouped_by_county(workshop):
    choices = forms.RegistrationForm(workshop=workshop).fields["municipality"].choices
    assert choices[0] == ("", "Velg kommune")
    counties = [county for county, _items in choices[1:]]
    assert counties[:3] == ["Oslo", "Rogaland", "Møre og Romsdal"]
    assert ("Oslo", ((municipality("0301").pk, "Oslo"),)) in choices


def test_the_session_choice_and_input_question_appear_only_when_they_apply(workshop, overflow_session):
    form = forms.RegistrationForm(workshop=workshop)
    assert "preferred_session" not in form.fields
    assert form.fields["municipality_input"].label == workshop.questions.order_by("position").first().text

    overflow_session.is_open = True
    overflow_session.save()
    # A question still a draft is not asked; without a published question, the form asks nothing.
    workshop.questions.update(is_draft=True)
    form = forms.RegistrationForm(workshop=workshop)
    assert "municipality_input" not in form.fields
    assert choice_labels(form.fields["preferred_session"], "en") == [
        "No preference",
        "Formiddag: Wednesday 10 March 2021, 09:00–11:30",
        "Ettermiddag: Wednesday 10 March 2021, 12:30–15:00",
    ]
    assert choice_labels(form.fields["preferred_session"], "nb") == [
        "Spiller ingen rolle",
        "Formiddag: onsdag 10. mars 2021 kl. 09.00–11.30",
        "Ettermiddag: onsdag 10. mars 2021 kl. 12.30–15.00",
    ]


def test_the_role_labels_are_in_the_active_language_and_capitalised():
    # One form, shown in two languages: the labels are translated when shown, not when the form is made.
    field = forms.ParticipantForm().fields["role"]
    assert choice_labels(field, "en") == [
        "Choose role",
        "Culture-school leader",
        "Other municipal leader",
        "Other municipal service or sector",
        "Local actor: voluntary sector",
        "Local actor: business",
        "Resident",
    ]
    assert choice_labels(field, "nb") == [
        "Velg rolle",
        "Kulturskoleleder",
        "Annen leder i kommunen",
        "Annen kommunal tjeneste eller sektor",
        "Lokal aktør: frivilligheten",
        "Lokal aktør: næringslivet",
        "Innbygger",
    ]


def choice_labels(field, language: str) -> list[str]:
    """The labels as a page in that language shows them (lazy labels turned into text in that language)."""
    with override(language):
        return [str(label) for _value, label in field.choices]


def test_a_valid_form_gives_the_services_data_and_skips_empty_rows(workshop):
    form, formset = bound(workshop, form_data(municipality("0301"), empty_rows=1))
    assert form.is_valid() and formset.is_valid()
    assert form.contact().email == "kari@kommune.example"
    assert forms.participants(formset) == [
        ParticipantData(
            name="Person 03011", email="03011@kommune.example", role=Role.CULTURE_SCHOOL_LEADER, title="Rådgiver"
        ),
        ParticipantData(
            name="Person 03012", email="03012@kommune.example", role=Role.MUNICIPAL_LEADER, title="Rådgiver"
        ),
    ]


def test_the_form_does_not_apply_the_delegation_rules(workshop):
    # One participant, a resident: the service refuses it, the form does not.
    form, formset = bound(workshop, form_data(municipality("0301"), participants(Role.RESIDENT)))
    assert form.is_valid() and formset.is_valid()
    assert formset.non_form_errors() == []


def test_a_partly_filled_row_needs_its_required_fields(workshop):
    data = form_data(municipality("0301"))
    data.update({"participants-1-name": "", "participants-1-phone": ""})
    form, formset = bound(workshop, data)
    assert not formset.is_valid()
    with override("en"):
        assert formset.errors == [{}, {"name": ["This field is required."]}]


def test_problems_go_to_their_field_the_delegation_or_the_form(workshop):
    form, formset = bound(workshop, form_data(municipality("0301")))
    assert form.is_valid() and formset.is_valid()
    error = RegistrationError(
        problems=[
            Problem("already_registered", {"municipality": "Oslo"}, "municipality"),
            Problem("missing_culture_school_leader", {}, "participants"),
            Problem("session_not_available", {}, "preferred_session"),  # no such field: whole form
            Problem("deadline_passed", {"deadline": "mandag 1. mars 2021 kl. 23.59"}),
        ]
    )
    with override("en"):
        forms.add_problems(form, formset, error)
        summary = forms.error_summary(form, formset)
    assert list(form.errors) == ["municipality", "__all__"]
    assert formset.non_form_errors() == ["The delegation must include the culture-school leader."]
    assert [anchor for _message, anchor in summary] == [None, None, "id_municipality", "participants"]
    assert summary[0][0] == "The chosen session is not open for registration."
    assert summary[1][0] == "Registration is closed. The registration deadline was mandag 1. mars 2021 kl. 23.59."


def test_adding_a_row_keeps_the_data_shows_no_errors_and_stops_at_the_maximum(workshop):
    query = QueryDict(mutable=True)
    query.update(form_data(municipality("0301"), contact_email="half@"))
    form, formset = forms.with_extra_row(workshop=workshop, data=query)
    assert len(formset.forms) == 3
    assert formset.forms[0]["name"].value() == "Person 03011"
    assert form["contact_email"].value() == "half@"
    assert (form.errors, formset.errors, formset.non_form_errors()) == ({}, [], [])
    assert query["participants-TOTAL_FORMS"] == "2"  # the request's data is not changed

    query["participants-TOTAL_FORMS"] = str(workshop.max_delegation_size)
    _form, formset = forms.with_extra_row(workshop=workshop, data=query)
    assert len(formset.forms) == workshop.max_delegation_size


def test_a_radio_group_error_links_to_its_first_option(workshop, overflow_session):
    overflow_session.is_open = True
    overflow_session.save()
    form, formset = bound(workshop, form_data(municipality("0301"), preferred_session="999999"))
    assert not form.is_valid()
    formset.is_valid()
    anchors = [anchor for _message, anchor in forms.error_summary(form, formset)]
    assert anchors == ["id_preferred_session_0"]
