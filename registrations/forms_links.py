"""The forms of the lost-link and «we did not register» pages: input only; the services hold the rules."""

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.fields import SingleLineCharField
from registrations.forms import EMAIL_MAX_LENGTH, BotChecks
from registrations.models import DISPUTE_NOTE_MAX_LENGTH
from registrations.selectors import municipalities_by_county, municipalities_valid_for
from registrations.widgets import GroupedSelect, LazyChoices
from workshops.models import Workshop


class LostLinkForm(BotChecks):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=None,
        empty_label=_("Choose municipality"),
        widget=GroupedSelect,
    )

    field_order = ["municipality"]

    def __init__(self, *args, workshop: Workshop, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        # The municipalities of the workshop's date, registered or not: the choice tells nothing either way.
        field.queryset = municipalities_valid_for(workshop=workshop)
        field.choices = LazyChoices(partial(_choices, workshop, field.empty_label))


def _choices(workshop: Workshop, empty_label) -> list:
    return [("", empty_label), *municipalities_by_county(workshop=workshop)]


class DisputeForm(BotChecks):
    name = SingleLineCharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(
        label=_("Your email"),
        max_length=EMAIL_MAX_LENGTH,
        help_text=_("The organisers use it to contact you about this; it is not shown to the contact person."),
    )
    note = forms.CharField(
        label=_("What should the organisers know? (optional)"),
        required=False,
        max_length=DISPUTE_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example your role in the municipality, and who should register the delegation."),
    )

    field_order = ["name", "email", "note"]
