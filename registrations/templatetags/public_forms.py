"""``{% field_group form.field %}``: one form field as label, input, errors and help text, the markup of
crispy-forms' Bootstrap 5 field (``bootstrap5/field.html``) for text, email and select inputs, written
directly.

The registration form has some twenty such fields, and each went through crispy's field template and
Django's widget templates: about three quarters of the page's rendering time (docs/performance.md). The
attributes still come from Django (``BoundField.as_widget``: id, name, required, maxlength, autocomplete,
``aria-describedby`` naming the help text and the error, ``aria-invalid``); only the wrapping is ours. Radio
groups, text areas and check boxes keep ``|as_crispy_field``.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def field_group(field):
    widget = field.field.widget
    kind = "form-select" if widget.input_type == "select" else "form-control"
    css = f"{kind} is-invalid" if field.errors else kind
    required = field.field.required
    label = format_html(
        '<label for="{}" class="form-label{}">{}{}</label>',
        field.id_for_label,
        " requiredField" if required else "",
        field.label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
    )
    errors = ""
    if field.errors:
        errors = format_html(
            '<div id="{}_error" class="invalid-feedback">{}</div>',
            field.auto_id,
            format_html_join(
                "",
                '<span id="error_{}_{}"><strong>{}</strong></span>',
                ((number, field.auto_id, message) for number, message in enumerate(field.errors, start=1)),
            ),
        )
    help_text = ""
    if field.help_text:
        help_text = format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
    return format_html(
        '<div id="div_{}" class="mb-3">{}{}{}{}</div>',
        field.auto_id,
        label,
        field.as_widget(attrs={"class": css}),
        errors,
        help_text,
    )
