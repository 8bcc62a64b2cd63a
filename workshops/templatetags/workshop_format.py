from django import template

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
