"""Dates and times as people read them, always in the site's time zone (Europe/Oslo).

The styles are Django localisation formats of the active language (FORMAT_MODULE_PATH, config/formats/):
Norwegian «onsdag 10. mars 2021 kl. 09.00», English «Wednesday 10 March 2021, 09:00». What a format cannot
say is here: a span of time on one day, with an en dash between the times.
"""

import datetime

from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator


def format_date(value: datetime.datetime | datetime.date) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return formats.date_format(value, "WEEKDAY_DATE_FORMAT")


def format_time(value: datetime.datetime) -> str:
    return formats.time_format(timezone.localtime(value), "CLOCK_TIME_FORMAT")


def format_datetime(value: datetime.datetime) -> str:
    """«mandag 1. mars 2021 kl. 23.59»."""
    return formats.date_format(timezone.localtime(value), "WEEKDAY_DATETIME_FORMAT")


def format_span(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """«onsdag 10. mars 2021 kl. 09.00–11.30» (an en dash between the times)."""
    return f"{format_datetime(starts_at)}–{format_time(ends_at)}"


def title_cut(title: str, words: int = 5) -> str | SafeString:
    """A long title in a crowded list: its first words and «…», the whole title on hover (the admin's
    workshop columns, where the full title wrapped to eight lines on every row)."""
    short = Truncator(title).words(words)
    if short == title:
        return title
    return format_html('<span title="{}">{}</span>', title, short)
