"""Forms of the registration admin: input only; the rules are the services'."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from registrations import services
from registrations.errors import Problem, RegistrationError
from registrations.participant_rows import participant_from_row
from registrations.services import ParticipantData, Window
from workshops.models import Session, Workshop


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


# Why the public form is closed, as the override checkbox names it: «Registrer likevel (påmeldingsfristen er
# passert)». The state itself comes from services.registration_window, the one place that knows the dates.
CLOSED_REASONS = {
    Window.CLOSED: _("the registration deadline has passed"),
    Window.NOT_OPEN_YET: _("registration has not opened yet"),
    Window.NOT_PUBLISHED: _("the workshop is not published"),
}


class RegistrationAdminForm(forms.ModelForm):
    """The registration's add and change form, with the override staff tick to act while the public form is
    closed. Without the tick, a registration outside the window is refused and nothing is saved."""

    override_window = forms.BooleanField(
        label=_("Register anyway (public registration is closed)"),
        required=False,
        help_text=_("Needed only while the public registration form is closed; the log notes the override."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        workshop = self._workshop()
        state = services.registration_window(workshop=workshop) if workshop else Window.OPEN
        if state != Window.OPEN:
            verb = _("Save anyway") if self.instance.pk else _("Register anyway")
            self.fields["override_window"].label = f"{verb} ({CLOSED_REASONS[state]})"

    @cached_property
    def changed_data(self) -> list[str]:
        # The tick is a permission, not data: the admin's change message lists only what was changed.
        return [name for name in super().changed_data if name != "override_window"]

    def _workshop(self) -> Workshop | None:
        """The workshop the form is about: the registration's, or the one chosen (posted or preselected)."""
        if self.instance.workshop_id:
            return self.instance.workshop
        chosen = self.data.get("workshop") if self.is_bound else self.initial.get("workshop")
        if isinstance(chosen, Workshop):
            return chosen
        if chosen and str(chosen).isdigit():
            return Workshop.objects.filter(pk=chosen).first()
        return None

    def clean(self):
        cleaned = super().clean()
        workshop = self.instance.workshop if self.instance.workshop_id else cleaned.get("workshop")
        if workshop is None:
            return cleaned
        state = services.registration_window(workshop=workshop)
        if state != Window.OPEN and not cleaned.get("override_window"):
            self.add_error(
                "override_window",
                _("The public registration is closed: %(reason)s. Tick the box to go ahead all the same.")
                % {"reason": CLOSED_REASONS[state]},
            )
        return cleaned


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
