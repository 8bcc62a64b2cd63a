"""The self-service change form: the contact person, the participants and the preferred session.

Input and presentation only, like the public form (registrations/forms.py), whose fields, participant rows,
problem placement and error summary it shares. The rows come prefilled with the delegation's participants
and carry their ids, so an edited row stays the same participant (with its history and deliveries); a row
is removed with its «Remove» box. Every rule is the services' (``registration_update``).
"""

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from registrations.forms import (
    PARTICIPANTS_PREFIX,
    TOO_MANY_ROWS,
    ParticipantForm,
    RegistrationForm,
    SessionChoiceField,
)
from registrations.models import Registration, Role
from registrations.participant_rows import FIELDS, participant_from_row
from registrations.services import KEEP, ContactData, ParticipantData


def bookable_sessions(workshop):
    return workshop.sessions.filter(is_open=True).order_by("starts_at", "pk")


def offers_session_choice(open_sessions) -> bool:
    """A preferred session is asked for only when there is more than one to choose from."""
    return len(open_sessions) > 1


class ChangeForm(forms.Form):
    # For forms.error_summary: the contact fields and those shown after the participants.
    CONTACT_FIELDS = RegistrationForm.CONTACT_FIELDS
    FIELDS_AFTER_PARTICIPANTS = ("preferred_session",)

    # The very fields of the public form (each form instance gets its own copy).
    contact_name = RegistrationForm.base_fields["contact_name"]
    contact_email = RegistrationForm.base_fields["contact_email"]
    contact_phone = RegistrationForm.base_fields["contact_phone"]

    def __init__(self, *args, registration: Registration, **kwargs):
        open_sessions = bookable_sessions(registration.workshop)
        # A preference for a session that has closed since is kept unless another one is chosen.
        preferred = registration.preferred_session_id
        kwargs.setdefault(
            "initial",
            {
                "contact_name": registration.contact_name,
                "contact_email": registration.contact_email,
                "contact_phone": registration.contact_phone,
                "preferred_session": preferred if any(s.pk == preferred for s in open_sessions) else None,
            },
        )
        super().__init__(*args, **kwargs)
        if offers_session_choice(open_sessions):
            self.fields["preferred_session"] = SessionChoiceField(
                label=_("Preferred session"),
                queryset=open_sessions,
                widget=forms.RadioSelect,
                required=False,
                blank=True,
                empty_label=_("No preference"),
                help_text=_(
                    "A confirmed delegation moves to its preferred session only if that session has seats for "
                    "all of it; otherwise it keeps its seat."
                ),
            )

    def contact(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(name=data["contact_name"], email=data["contact_email"], phone=data["contact_phone"])

    def new_preference(self):
        """The new preference, or KEEP when the field is not offered or was left as it was."""
        if "preferred_session" not in self.fields or "preferred_session" not in self.changed_data:
            return KEEP
        return self.cleaned_data["preferred_session"]


class ExistingParticipantForm(ParticipantForm):
    """A participant row that knows which participant it is (empty for a new one)."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def participant(self) -> ParticipantData:
        return participant_from_row(self.cleaned_data, id=self.cleaned_data.get("id"))


def participant_formset(*, registration: Registration, data=None):
    """The delegation's rows, prefilled; new rows are added in place (static/js/formset.js) or by the server.

    Removed rows still count as form rows, so up to a whole delegation can be replaced at once: rows are
    limited to the workshop's largest delegation plus the rows there were. The size of the delegation
    itself is the service's rule.
    """
    workshop = registration.workshop
    initial = [
        {"id": p.pk, **{name: getattr(p, name) for name in FIELDS}} for p in registration.participants.order_by("pk")
    ]
    limit = workshop.max_delegation_size + len(initial)
    formset_class = forms.formset_factory(
        ExistingParticipantForm, extra=0, can_delete=True, can_delete_extra=False, max_num=limit, absolute_max=limit
    )
    formset = formset_class(
        data, initial=initial, prefix=PARTICIPANTS_PREFIX, error_messages={"too_many_forms": TOO_MANY_ROWS}
    )
    for row in formset.forms:
        if "DELETE" in row.fields:
            row.fields["DELETE"].label = _("Remove this participant")
    return formset


def bind(*, registration: Registration, data) -> tuple[ChangeForm, forms.BaseFormSet]:
    """The form and rows for a POST, validated; rows marked for removal keep no errors of their own."""
    form = ChangeForm(data, registration=registration)
    formset = participant_formset(registration=registration, data=data)
    form.is_valid()
    formset.is_valid()
    for row in formset.forms:
        if formset.can_delete and formset._should_delete_form(row):
            row._errors = ErrorDict()
    return form, formset


def with_extra_row(*, registration: Registration, data) -> tuple[ChangeForm, forms.BaseFormSet]:
    """«Add participant» without JavaScript: the same data again with one more empty row, no errors shown."""
    data = data.copy()
    key = f"{PARTICIPANTS_PREFIX}-TOTAL_FORMS"
    formset = participant_formset(registration=registration)
    try:
        rows = int(data.get(key, ""))
    except ValueError:
        rows = formset.initial_form_count()
    data[key] = str(min(max(rows, 0) + 1, formset.max_num))
    form = ChangeForm(data, registration=registration)
    formset = participant_formset(registration=registration, data=data)
    for each in (form, *formset.forms):
        each._errors = ErrorDict()
    formset._errors, formset._non_form_errors = [], formset.error_class()
    return form, formset


def participants(formset) -> list[ParticipantData]:
    """The rows of a valid formset that stay or join: not removed, not left empty."""
    return [row.participant() for row in formset.forms if row.cleaned_data and row not in formset.deleted_forms]


def participants_as_typed(formset) -> list[ParticipantData] | None:
    """The delegation as the rows say it while a field still needs fixing (see participant_rows), so the
    delegation rules are reported in the same round. None when a kept row has no known role."""
    if not formset.management_form.is_valid():
        return None
    people = []
    for index, row in enumerate(formset.forms):
        if formset._should_delete_form(row) or (index >= formset.initial_form_count() and not row.has_changed()):
            continue
        typed = {name: (row[name].value() or "").strip() for name in FIELDS}
        if typed["role"] not in Role.values:
            return None
        people.append(participant_from_row(typed))
    return people
