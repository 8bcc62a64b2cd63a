"""Dates and times as people read them, always in Europe/Oslo.

Norwegian style: «onsdag 10. mars 2021 kl. 09.00–11.30»; English: «Wednesday 10 March 2021, 09:00–11:30».
Day and month names come from Django's own translations for the active language.
"""

import datetime

from django.utils import dateformat, timezone
from django.utils.translation import get_language

# (date format, time format, date-time joiner) per language family; Norwegian is the default.
_STYLES = {
    "en": ("l j F Y", "H:i", "{date}, {time}"),
    "no": ("l j. F Y", "H.i", "{date} kl. {time}"),
}


def _style() -> tuple[str, str, str]:
    language = (get_language() or "nb").split("-")[0]
    return _STYLES["en"] if language == "en" else _STYLES["no"]


def _month_lower(text: str) -> str:
    # Django's Norwegian month names are capitalised in some versions; Norwegian writes them in lower case.
    return text if _style() is _STYLES["en"] else text.lower()


def format_date(value: datetime.datetime | datetime.date) -> str:
    date_format, _time, _join = _style()
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    return _month_lower(dateformat.format(value, date_format))


def format_time(value: datetime.datetime) -> str:
    return dateformat.format(timezone.localtime(value), _style()[1])


def format_datetime(value: datetime.datetime) -> str:
    """«mandag 1. mars 2021 kl. 23.59»."""
    _date, _time, join = _style()
    return join.format(date=format_date(value), time=format_time(value))


def format_span(starts_at: datetime.datetime, ends_at: datetime.datetime) -> str:
    """«onsdag 10. mars 2021 kl. 09.00–11.30» (an en dash between the times)."""
    _date, _time, join = _style()
    return join.format(date=format_date(starts_at), time=f"{format_time(starts_at)}–{format_time(ends_at)}")
