import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from notifications.placeholders import SAMPLE_VALUES, placeholders_render, placeholders_validate


def test_it_renders_declared_placeholders_and_literal_braces():
    text = "Hei {participant_name} fra {municipality} {{ikke en plassholder}}"
    placeholders_validate(text)
    assert placeholders_render(text, SAMPLE_VALUES) == "Hei Kari Nordmann fra Lillestrøm {ikke en plassholder}"


@pytest.mark.parametrize(
    "text, message",
    [
        ("Hei {navn}", "Unknown placeholder: navn."),
        ("{participant_name.__class__}", "Unknown placeholder: participant_name.__class__."),
        ("{participant_name!r}", "Unknown placeholder: participant_name."),
        ("{participant_name:>20}", "Unknown placeholder: participant_name."),
        ("{}", "Unknown placeholder: {}."),
        ("Hei {participant_name", "Braces must come in pairs"),
    ],
)
def test_it_rejects_undeclared_or_malformed_placeholders(text, message):
    with override("en"), pytest.raises(ValidationError) as error:
        placeholders_validate(text)
    with override("en"):
        assert error.value.messages[0].startswith(message)


def test_it_explains_in_bokmaal_by_default():
    with pytest.raises(ValidationError) as error:
        placeholders_validate("Hei {navn}")
    assert error.value.messages[0].startswith("Ukjent flettefelt: navn. Tillatte flettefelt: {participant_name}")
