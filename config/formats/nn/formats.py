"""Nynorsk writes dates as Bokmål does; Django's nn translation supplies the names of days and months."""

from config.formats.nb.formats import DATE_FORMAT, DATETIME_FORMAT, TIME_FORMAT

__all__ = ["DATE_FORMAT", "DATETIME_FORMAT", "TIME_FORMAT"]
