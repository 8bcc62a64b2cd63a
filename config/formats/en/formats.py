"""English dates as the site writes them: «Wednesday 10 March 2021, 09:00» (24-hour clock, Norwegian time).

See nb/formats.py for how they are used.
"""

WEEKDAY_DATE_FORMAT = "l j F Y"
CLOCK_TIME_FORMAT = "H:i"
WEEKDAY_DATETIME_FORMAT = "l j F Y, H:i"
