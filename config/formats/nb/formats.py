"""Norwegian dates as the site writes them: «onsdag 10. mars 2021», «kl. 09.00».

Django looks these up through FORMAT_MODULE_PATH for the active language (nb-NO falls back to nb) and
names the days and months from its own nb translation, in lower case as Norwegian writes them. They have
names of their own, so Django's DATE_FORMAT and friends (the admin's compact dates) stay as they are.
workshops/formatting.py uses them; the names must exist for every language in settings.LANGUAGES.
"""

WEEKDAY_DATE_FORMAT = "l j. F Y"
CLOCK_TIME_FORMAT = "H.i"
WEEKDAY_DATETIME_FORMAT = r"l j. F Y \k\l. H.i"
