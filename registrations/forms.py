"""The public registration form: input and presentation only.

Fields are checked for what a field can know (required, email format). Every rule about the
delegation (deadline, representatives, roles, size, duplicate emails, one delegation per
municipality, capacity) is checked by the services alone: ``registration_create`` for a valid
form, ``delegation_validate`` on the rows as typed while a field still needs fixing. Their problems
are put back on the form with :func:`add_problems`.
"""

from functools import partial

from django import forms
from django.forms.utils import ErrorDict
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from registrations import services
from registrations.errors import RegistrationError
from registrations.fields import FormStartedField, HoneypotField, SingleLineCharField, filled_too_fast
from registrations.models import ANSWER_MAX_LENGTH, Municipality, Role
from registrations.participant_rows import participant_from_row
from registrations.selectors import municipalities_by_county
from registrations.services import ContactData, ParticipantData
from registrations.widgets import DirectEmailInput, DirectTextInput, GroupedSelect, LazyChoices
from workshops.formatting import format_span
from workshops.models import Workshop

PARTICIPANTS_PREFIX = "participants"
# The id of the participants section; problems about the whole delegation link here.
PARTICIPANTS_ANCHOR = "participants"
EMAIL_MAX_LENGTH = 254  # the model's EmailField


class SessionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.label}: {format_span(obj.starts_at, obj.ends_at)}"


def _municipality_choices(workshop: Workshop, empty_label) -> list:
    return [("", empty_label), *municipalities_by_county(workshop=workshop)]


class BotChecks(forms.Form):
    """Checks against simple bots on every public form: a honeypot and a signed fill-time stamp, never a
    CAPTCHA. A person whose browser filled in the trap, or who was very quick, simply sends again."""

    website = HoneypotField(label=_("Leave this field empty"), max_length=200)
    started = FormStartedField(max_length=200)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            # Shown again empty (HoneypotField), so a person whose browser filled it in gets through next time.
            raise forms.ValidationError(
                _("The form could not be sent. Please check it and send it again."), code="trap"
            )
        if not cleaned.get("started"):
            raise forms.ValidationError(_("The form had expired. Please check it and send it again."), code="stale")
        if filled_too_fast(cleaned["started"]):
            raise forms.ValidationError(
                _("The form was sent faster than a person can fill it in. Please wait a few seconds and send again."),
                code="too_fast",
            )
        return cleaned


class RegistrationForm(BotChecks):
    # The fields under the «Contact person» heading (the error summary names them so), and those the page
    # shows below the participants; the summary follows the page.
    CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")
    FIELDS_AFTER_PARTICIPANTS = ("preferred_session", "municipality_input")

    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        # Any municipality row can be looked up; whether it exists on the workshop's date is a rule
        # the service checks.
        queryset=Municipality.objects.all(),
        empty_label=_("Choose municipality"),
        widget=GroupedSelect,
    )
    # The contact person is the one filling in the form: the browser may offer their own name, email, phone
    # (autocomplete purposes, WCAG 1.3.5).
    contact_name = SingleLineCharField(
        label=_("Name"), max_length=200, widget=DirectTextInput(attrs={"autocomplete": "name"})
    )
    contact_email = forms.EmailField(
        label=_("Email"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("The confirmation and the link for changing the registration are sent here."),
        widget=DirectEmailInput(attrs={"autocomplete": "email"}),
    )
    contact_phone = SingleLineCharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        widget=DirectTextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # Against simple bots, never a CAPTCHA: a field only bots fill in, and when the form was first shown.

    def __init__(self, *args, workshop: Workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.workshop = workshop
        municipality = self.fields["municipality"]
        # Lazy: the grouped list is only built when the select is rendered, not for a valid POST.
        municipality.choices = LazyChoices(partial(_municipality_choices, workshop, municipality.empty_label))
        open_sessions = [s for s in workshop.sessions.all() if s.is_open]
        if len(open_sessions) > 1:
            self.fields["preferred_session"] = SessionChoiceField(
                label=_("Preferred session"),
                queryset=workshop.sessions.filter(is_open=True),
                widget=forms.RadioSelect,
                required=False,
                blank=True,  # offer "No preference" as a radio option
                empty_label=_("No preference"),
                help_text=_("We place the delegation in its preferred session while it has seats."),
            )
        # The workshop's first reflection question, asked here too; optional, saved as a draft answer that
        # the delegation can change and send in through its link.
        first_question = next(iter(services.answers_questions(workshop=workshop)), None)
        if first_question is not None:
            self.fields["municipality_input"] = forms.CharField(
                label=first_question.text,
                help_text=_("Optional. Your answer helps us shape the workshop. You can change it later."),
                required=False,
                max_length=ANSWER_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 4}),
            )

    def contact(self) -> ContactData:
        data = self.cleaned_data
        return ContactData(name=data["contact_name"], email=data["contact_email"], phone=data["contact_phone"])


class ParticipantForm(forms.Form):
    # Widgets that write their markup directly (registrations/widgets.py): a page has up to 5 fields per row.
    name = SingleLineCharField(label=_("Name"), max_length=200, widget=DirectTextInput)
    email = forms.EmailField(label=_("Email"), max_length=EMAIL_MAX_LENGTH, widget=DirectEmailInput)
    phone = SingleLineCharField(
        label=_("Phone (optional)"), max_length=30, required=False, widget=DirectTextInput(attrs={"type": "tel"})
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Choose role")), *((value, capfirst(label)) for value, label in Role.choices)],
        widget=GroupedSelect,
    )
    title = SingleLineCharField(label=_("Job title or organisation"), max_length=200, widget=DirectTextInput)

    # Autocomplete purposes (WCAG 1.3.5). Each row is a section of its own: autofill fills one person's
    # row (often the contact person is participant 1), never every row with the same person.
    AUTOCOMPLETE = {"name": "name", "email": "email", "phone": "tel", "title": "organization-title"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, purpose in self.AUTOCOMPLETE.items():
            self.fields[name].widget.attrs["autocomplete"] = f"section-{self.prefix} {purpose}"

    def participant(self) -> ParticipantData:
        return participant_from_row(self.cleaned_data)


TOO_MANY_ROWS = _("Too many rows: a delegation can have at most %(num)d participants.")


def participant_formset(*, workshop: Workshop, data=None):
    """The delegation's rows: ``min_representatives`` empty rows to start, at most ``max_delegation_size`` shown.

    Completely empty rows are left out (Django skips unchanged extra forms). The size of the delegation is
    the service's rule; the formset only refuses more rows than a delegation may ever have, and never builds
    more than that, whatever ``TOTAL_FORMS`` claims (``absolute_max``): a forged count costs nothing.
    """
    size = workshop.max_delegation_size
    formset_class = forms.formset_factory(
        ParticipantForm, extra=workshop.min_representatives, max_num=size, absolute_max=size
    )
    messages = {"too_many_forms": TOO_MANY_ROWS}
    return formset_class(data, prefix=PARTICIPANTS_PREFIX, error_messages=messages)


def with_extra_row(*, workshop: Workshop, data):
    """The bound form and formset again with one more empty row, entered data kept and no errors shown.

    This is the "Add participant" button without JavaScript.
    """
    data = data.copy()
    key = f"{PARTICIPANTS_PREFIX}-TOTAL_FORMS"
    try:
        rows = int(data.get(key, ""))
    except ValueError:
        rows = workshop.min_representatives
    data[key] = str(min(max(rows, 0) + 1, workshop.max_delegation_size))
    form = RegistrationForm(data, workshop=workshop)
    formset = participant_formset(workshop=workshop, data=data)
    # Nothing was submitted yet: render the data without validating it.
    for each in (form, *formset.forms):
        each._errors = ErrorDict()
    formset._errors, formset._non_form_errors = [], formset.error_class()
    return form, formset


def participants(formset) -> list[ParticipantData]:
    """The filled-in rows of a valid formset."""
    return [f.participant() for f in formset.forms if f.cleaned_data]


def add_problems(form: RegistrationForm, formset, error: RegistrationError) -> None:
    """Put the service's problems where people look for them: on a field, on the delegation, or on the form."""
    for problem in error.problems:
        if problem.code == "duplicate_email" and not problem.params["email"]:
            # Rows read as typed (participant_rows.participants_as_typed) may lack an email; each such row
            # already says its email is required, and " appears more than once" would help no one.
            continue
        if problem.field == "participants":
            formset.non_form_errors().append(problem.message)
        elif problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        else:
            form.add_error(None, problem.message)


def error_summary(form: RegistrationForm, formset) -> list[tuple[str, str | None]]:
    """(message, anchor) pairs for the summary at the top, in the order of the page.

    A field's message says whose field it is: «Contact person, Name: …», «Participant 1, Name: …».
    """
    contact = [name for name in form.fields if name in form.CONTACT_FIELDS]
    after_participants = [name for name in form.fields if name in form.FIELDS_AFTER_PARTICIPANTS]
    before = [name for name in form.fields if name not in (*contact, *after_participants)]
    items: list[tuple[str, str | None]] = [(str(message), None) for message in form.non_field_errors()]
    items += _field_errors(form, before)
    items += _field_errors(form, contact, _("Contact person"))
    items += [(str(message), PARTICIPANTS_ANCHOR) for message in formset.non_form_errors()]
    for number, row in enumerate(formset.forms, start=1):
        items += _field_errors(row, list(row.fields), _("Participant %(number)s") % {"number": number})
    items += _field_errors(form, after_participants)
    return items


def _field_errors(form: forms.Form, names: list[str], context: str = "") -> list[tuple[str, str | None]]:
    items = []
    for name in names:
        bound = form[name]
        label = f"{context}, {bound.label}" if context else str(bound.label)
        # A radio group has no single label target: link to its first option.
        anchor = bound.id_for_label or f"{bound.auto_id}_0"
        items += [(f"{label}: {message}", anchor) for message in bound.errors]
    return items
