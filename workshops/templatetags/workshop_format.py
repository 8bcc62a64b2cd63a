from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language

from workshops import formatting

register = template.Library()


@register.filter
def oslo_date(value):
    return formatting.format_date(value) if value else ""


@register.filter
def oslo_time(value):
    return formatting.format_time(value) if value else ""


@register.filter
def oslo_datetime(value):
    return formatting.format_datetime(value) if value else ""


@register.filter
def session_span(session):
    """A session's date and times: «onsdag 10. mars 2021 kl. 09.00–11.30»."""
    return formatting.format_span(session.starts_at, session.ends_at) if session else ""


@register.simple_tag
def content_lang():
    """` lang="nb"` for text staff wrote (in the site's language, Bokmål) on a page in another language, so a
    screen reader reads it with the right voice (WCAG 3.1.2); nothing on a page in the site's language."""
    if (get_language() or settings.LANGUAGE_CODE) == settings.LANGUAGE_CODE:
        return ""
    return format_html(' lang="{}"', settings.LANGUAGE_CODE)
