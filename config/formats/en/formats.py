"""English dates as the site writes them: «Wednesday 10 March 2021, 09:00» (24-hour clock, Norwegian time)."""

DATE_FORMAT = "l j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "l j F Y, H:i"
