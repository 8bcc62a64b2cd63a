"""Norwegian date styles, on top of Django's own nb formats: «onsdag 10. mars 2021», «kl. 09.00».

Django's names of days and months come from its nb translation (lower case, as Norwegian writes them).
The other formats (short dates, input formats, first day of the week) stay Django's.
"""

DATE_FORMAT = "l j. F Y"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = r"l j. F Y \k\l. H.i"
