"""Widgets of the public forms that write their markup directly, and choices computed once when needed.

Django renders every widget, and every <option>, through its own templates: for the ~360 municipalities
and the twenty inputs of the registration form that was most of the page's rendering time.
``GroupedSelect`` (any select, grouped or not) and ``DirectTextInput``/``DirectEmailInput`` write the same
markup as Django's templates directly. Attributes (id, name, required, aria-describedby, the CSS class) are
built by Django as before.
"""

from collections.abc import Callable

from django import forms
from django.forms.utils import flatatt
from django.utils.choices import BaseChoiceIterator
from django.utils.html import escape
from django.utils.safestring import mark_safe


class LazyChoices(BaseChoiceIterator):
    """Choices built on first use and then kept: a valid POST never builds them, a rendered page once.

    (A plain callable would be called again each time Django iterates the choices, which it does more
    than once when rendering a select.)
    """

    def __init__(self, build: Callable[[], list]):
        self.build = build
        self.built: list | None = None

    def __iter__(self):
        if self.built is None:
            self.built = list(self.build())
        return iter(self.built)


class DirectInputMixin:
    """<input> as django/forms/widgets/input.html writes it, without the template engine."""

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        value_attr = "" if value is None else f' value="{escape(value)}"'
        # flatatt escapes every attribute value; name and type are escaped here.
        return mark_safe(  # noqa: S308
            f'<input type="{escape(self.input_type)}" name="{escape(name)}"{value_attr}{flatatt(final_attrs)}>'
        )


class DirectTextInput(DirectInputMixin, forms.TextInput):
    pass


class DirectEmailInput(DirectInputMixin, forms.EmailInput):
    pass


class GroupedSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        selected = {str(v) for v in self.format_value(value)}
        parts = [f'<select name="{escape(name)}"{flatatt(final_attrs)}>']
        for group, options in self.choices:
            if isinstance(options, (list, tuple)):
                parts.append(f'<optgroup label="{escape(group)}">')
                parts.extend(_option(v, label, selected) for v, label in options)
                parts.append("</optgroup>")
            else:
                parts.append(_option(group, options, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label above went through escape()


def _option(value, label, selected: set[str]) -> str:
    value = "" if value is None else str(value)
    chosen = " selected" if value in selected else ""
    return f'<option value="{escape(value)}"{chosen}>{escape(label)}</option>'
