"""Staff-editable email text with declared placeholders, e.g. «Hello {participant_name}».

Only the names declared here are allowed; the admin refuses anything else (and attribute or index access,
format specs and conversions) and previews the text with the sample values.
"""

from string import Formatter

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

PLACEHOLDERS = {
    "participant_name": _("the recipient's name"),
    "municipality": _("the municipality"),
    "workshop": _("the workshop's title"),
    "session_time": _("the session's date and time, or «waiting list»"),
    "meeting_url": _("the meeting link (empty on the waiting list)"),
    "meeting_passcode": _("the meeting passcode (empty on the waiting list)"),
}

SAMPLE_VALUES = {
    "participant_name": "Kari Nordmann",
    "municipality": "Lillestrøm",
    "workshop": "Kulturskole 3.0",
    "session_time": "onsdag 10. mars 2021 kl. 09.00–11.30",
    "meeting_url": "https://zoom.us/j/123456789",
    "meeting_passcode": "123456",
}


def placeholders_help() -> str:
    return ", ".join(f"{{{name}}} ({label})" for name, label in PLACEHOLDERS.items())


def placeholders_validate(text: str) -> None:
    """Raise ValidationError naming every unknown or malformed placeholder."""
    try:
        fields = [(name, spec, conv) for _lit, name, spec, conv in Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise ValidationError(
            _("Braces must come in pairs: {name} for a placeholder, {{ and }} for a literal brace (%(error)s)."),
            code="placeholder_syntax",
            params={"error": exc},
        ) from exc
    unknown = sorted({name or "{}" for name, spec, conv in fields if name not in PLACEHOLDERS or spec or conv})
    if unknown:
        raise ValidationError(
            _("Unknown placeholder: %(names)s. Allowed: %(allowed)s."),
            code="placeholder_unknown",
            params={"names": ", ".join(unknown), "allowed": ", ".join(f"{{{n}}}" for n in PLACEHOLDERS)},
        )


def placeholders_render(text: str, values: dict[str, str]) -> str:
    """Fill in the placeholders. The text has been validated; a missing value renders empty."""
    return Formatter().vformat(text, (), {name: values.get(name, "") for name in PLACEHOLDERS})
