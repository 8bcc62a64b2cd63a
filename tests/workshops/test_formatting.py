"""Dates as the pages and emails show them: Django's formats for the active language (config/formats/)."""

import datetime

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils.formats import get_format
from django.utils.translation import override

from tests.conftest import oslo
from workshops.formatting import format_date, format_datetime, format_span, format_time

STARTS = oslo(2021, 3, 10, 9, 0)
ENDS = oslo(2021, 3, 10, 11, 30)
DEADLINE = oslo(2021, 3, 1, 23, 59, 59)


def test_norwegian_style():
    assert format_span(STARTS, ENDS) == "onsdag 10. mars 2021 kl. 09.00–11.30"
    assert format_datetime(DEADLINE) == "mandag 1. mars 2021 kl. 23.59"
    assert format_date(datetime.date(2021, 3, 10)) == "onsdag 10. mars 2021"
    assert format_time(ENDS) == "11.30"


def test_nynorsk_has_the_same_style_with_its_own_names():
    with override("nn"):
        assert format_span(STARTS, ENDS) == "onsdag 10. mars 2021 kl. 09.00–11.30"
        assert format_datetime(DEADLINE) == "måndag 1. mars 2021 kl. 23.59"


def test_english_style():
    with override("en"):
        assert format_span(STARTS, ENDS) == "Wednesday 10 March 2021, 09:00–11:30"
        assert format_datetime(DEADLINE) == "Monday 1 March 2021, 23:59"
        assert format_date(datetime.date(2021, 3, 10)) == "Wednesday 10 March 2021"


def test_a_regional_variant_falls_back_to_its_language():
    with override("en-gb"):
        assert format_span(STARTS, ENDS) == "Wednesday 10 March 2021, 09:00–11:30"


def test_times_are_shown_in_oslo_whatever_zone_they_come_in():
    utc = datetime.datetime(2021, 3, 1, 22, 59, 59, tzinfo=datetime.UTC)
    assert format_datetime(utc) == "mandag 1. mars 2021 kl. 23.59"
    # Summer time: 07:00 UTC is 09.00 in Oslo.
    assert format_time(datetime.datetime(2021, 6, 2, 7, 0, tzinfo=datetime.UTC)) == "09.00"


def test_djangos_date_filter_knows_the_style_by_name():
    rendered = Template('{{ value|date:"WEEKDAY_DATE_FORMAT" }}').render(Context({"value": datetime.date(2021, 3, 10)}))
    assert rendered == "onsdag 10. mars 2021"


@pytest.mark.parametrize("language", [*(code for code, _name in settings.LANGUAGES), "nn"])
@pytest.mark.parametrize("name", ["WEEKDAY_DATE_FORMAT", "WEEKDAY_DATETIME_FORMAT", "CLOCK_TIME_FORMAT"])
def test_every_language_of_the_site_has_the_formats(language, name):
    # Django answers an unknown format name with the name itself, which would then be read as a format.
    assert get_format(name, lang=language) != name
