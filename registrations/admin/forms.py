"""Forms of the registration admin: input only; the rules are the services'."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from registrations import services
from registrations.errors import Problem, RegistrationError
from registrations.participant_rows import participant_from_row
from registrations.services import ParticipantData
from workshops.models import Session


class ParticipantFormSet(BaseInlineFormSet):
    def participant_data(self) -> list[ParticipantData]:
        """The delegation as the form has it: deleted and empty rows left out, existing rows with their id."""
        people = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or self._should_delete_form(form):
                continue
            people.append(participant_from_row(data, id=form.instance.pk))
        return people

    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.workshop_id:
            return  # the rows' own errors, or the missing workshop, are shown first
        try:
            services.delegation_validate(workshop=self.instance.workshop, participants=self.participant_data())
        except RegistrationError as error:
            raise ValidationError(error.messages) from error

    def record_changes(self) -> None:
        """Fill in what formset.save() would have, so the admin's change message names the participants."""
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.forms:
            if form.instance.pk is None:
                if form.has_changed() and not self._should_delete_form(form):
                    self.new_objects.append(form.instance)
            elif self._should_delete_form(form):
                self.deleted_objects.append(form.instance)
            elif form.has_changed():
                self.changed_objects.append((form.instance, form.changed_data))


class MoveForm(forms.Form):
    session = forms.ModelChoiceField(
        label=_("session"),
        queryset=Session.objects.none(),
        help_text=_("You may also choose a closed session. The whole delegation must fit."),
    )

    def __init__(self, *args, workshop, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = workshop.sessions.order_by("starts_at", "pk")


def language_field() -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE, required=True
    )


def municipality_label(municipality) -> str:
    """«Herøy (1818, Nordland, 2020–2023)»: the same name exists in two counties and in two periods."""
    until = f"{municipality.valid_to:%Y}" if municipality.valid_to else ""
    return f"{municipality.name} ({municipality.number}, {municipality.county}, {municipality.valid_from:%Y}–{until})"


def with_problems(form_class, problems: list[Problem]):
    """The admin form class again, now reporting problems that only the service's write revealed."""

    class ShowProblems(form_class):
        def clean(self):
            cleaned = super().clean()
            for problem in problems:
                self.add_error(problem.field if problem.field in self.fields else None, problem.message)
            return cleaned

    ShowProblems.__name__ = form_class.__name__
    return ShowProblems
