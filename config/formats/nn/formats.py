"""Nynorsk writes dates as Bokmål does; Django's nn translation supplies the names of days and months."""

from config.formats.nb.formats import CLOCK_TIME_FORMAT, WEEKDAY_DATE_FORMAT, WEEKDAY_DATETIME_FORMAT

__all__ = ["CLOCK_TIME_FORMAT", "WEEKDAY_DATE_FORMAT", "WEEKDAY_DATETIME_FORMAT"]
