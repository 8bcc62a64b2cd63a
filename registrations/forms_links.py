"""The forms of the lost-link and «we did not register» pages: input only; the services hold the rules."""

from functools import partial

from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.fields import FormStartedField, HoneypotField, SingleLineCharField, filled_too_fast
from registrations.forms import EMAIL_MAX_LENGTH
from registrations.models import DISPUTE_NOTE_MAX_LENGTH
from registrations.selectors import municipalities_by_county, municipalities_valid_for
from registrations.widgets import GroupedSelect, LazyChoices
from workshops.models import Workshop


class BotChecks(forms.Form):
    """The registration form's checks against simple bots (a honeypot and a signed fill-time stamp), with
    its messages: a person whose browser filled in the trap, or who was very quick, simply sends again."""

    website = HoneypotField(label=_("Leave this field empty"), max_length=200)
    started = FormStartedField(max_length=200)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
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
