"""Form fields that keep the public form and the admin safe from what people, and bots, can type or send.

``SingleLineCharField`` is the one place where one-line text (names, titles, phone numbers) loses line
breaks, control characters and bidirectional overrides: a name must not reverse the text of a receipt or
break the header lines of an email. ``HoneypotField`` and ``FormStartedField`` catch simple bots; the
registration form decides what to do with them.
"""

import re
import secrets
import unicodedata

from django import forms
from django.conf import settings
from django.core import signing
from django.db import models

# Line and paragraph separators count as line breaks: they become spaces, like \r and \n.
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
# Embeddings and overrides (U+202A–U+202E) and isolates (U+2066–U+2069) can reverse the text around them.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SPACES = re.compile(r"\s+")


def single_line(value: str) -> str:
    """The text as one clean line: line breaks and tabs become spaces, other control characters and
    bidirectional controls are dropped, runs of spaces shrink to one. Letters and emoji, including the
    zero-width joiner inside emoji sequences, are kept; the text is NFC-normalised so «á» typed as a + ´
    is stored as the one letter."""
    kept = []
    for char in unicodedata.normalize("NFC", value):
        if char in _LINE_BREAKS or char == "\t":
            kept.append(" ")
        elif char in _BIDI_CONTROLS or unicodedata.category(char) == "Cc":
            continue
        else:
            kept.append(char)
    return _SPACES.sub(" ", "".join(kept)).strip()


class SingleLineCharField(forms.CharField):
    """A one-line text field (a name, a title, a phone number). See :func:`single_line`."""

    def to_python(self, value):
        value = super().to_python(value)
        return single_line(value) if isinstance(value, str) else value


class SingleLineFormfields:
    """ModelAdmin/InlineModelAdmin mixin: the model's plain one-line text fields get SingleLineCharField.

    Only plain ``CharField`` columns without choices: a slug, an email address or a URL keeps its own form
    field and validation.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if type(db_field) is models.CharField and not db_field.choices:
            kwargs.setdefault("form_class", SingleLineCharField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class HoneypotField(forms.CharField):
    """A field people never see (hidden with CSS, not with type=hidden, which bots skip) and bots fill in."""

    def __init__(self, **kwargs):
        attrs = {"autocomplete": "off", "tabindex": "-1"}
        super().__init__(required=False, widget=forms.TextInput(attrs=attrs), **kwargs)

    def bound_data(self, data, initial):
        return ""  # never shown again filled in: the next try of a person whose browser filled it in succeeds


_STARTED_SALT = "registrations.form-started"


def form_started_stamp() -> str:
    """When the form was shown, signed so a bot cannot claim it took its time; with a random value of its own,
    so the stamp also tells one shown form from another (``stamp_form_id``)."""
    return signing.TimestampSigner(salt=_STARTED_SALT).sign(secrets.token_urlsafe(12))


def stamp_form_id(stamp: str | None) -> str:
    """The shown form's own id in a stamp (``form_started_stamp``): the same through every round trip of
    that form, different for every other showing. "" for a stamp that is not ours."""
    try:
        return signing.TimestampSigner(salt=_STARTED_SALT).unsign(stamp or "")
    except signing.BadSignature:
        return ""


class FormStartedField(forms.CharField):
    """The signed moment the form was first shown, carried through every round trip of the form.

    Cleans to the stamp, or None when it is missing or not ours. A missing or broken stamp is replaced by a
    fresh one when the form is shown again, so the visitor's next try can succeed.
    """

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, initial=form_started_stamp, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        try:
            signing.TimestampSigner(salt=_STARTED_SALT).unsign(value)
        except signing.BadSignature:
            return None
        return value

    def bound_data(self, data, initial):
        return data if self.to_python(data) else initial


def filled_too_fast(stamp: str) -> bool:
    """Whether fewer than REGISTRATION_MIN_FILL_SECONDS have passed since the form was shown."""
    minimum = settings.REGISTRATION_MIN_FILL_SECONDS
    if minimum <= 0:
        return False
    try:
        # Still within max_age means "younger than the minimum"; SignatureExpired means old enough.
        signing.TimestampSigner(salt=_STARTED_SALT).unsign(stamp, max_age=minimum)
    except signing.SignatureExpired:
        return False
    return True
