"""workshops/schedule.py: the one place the reminder offsets are read and the mailing dates computed."""

import pytest
from django.core.exceptions import ValidationError

from tests.conftest import oslo
from workshops import schedule


@pytest.mark.parametrize(
    ("typed", "days"),
    [("1", [1]), ("7, 1", [7, 1]), ("7; 1", [7, 1]), ("1 7", [7, 1]), (" 7 ,, 7 ", [7]), ("", []), ("0", [0])],
)
def test_it_reads_the_ways_people_type_a_list_of_days(typed, days):
    assert schedule.parse_reminder_days(typed) == days


@pytest.mark.parametrize(("typed", "part"), [("7; en", "en"), ("-1", "-1"), ("1.5", "1.5"), ("400", "400")])
def test_it_refuses_what_is_not_a_number_of_days_and_names_it(typed, part):
    with pytest.raises(ValidationError) as caught:
        schedule.parse_reminder_days(typed)
    assert caught.value.messages == [
        f"«{part}» er ikke et antall dager. Skriv hele tall skilt med komma, for eksempel «7, 1»."
    ]


def test_the_material_and_reminder_dates_are_local_times_on_the_right_days(workshop, main_session):
    workshop.reminder_days_before = "7, 1"

    assert schedule.material_time(workshop=workshop) == oslo(2021, 3, 3, 9, 0)
    assert schedule.reminder_times(workshop=workshop, session=main_session) == [
        oslo(2021, 3, 3, 9, 0),
        oslo(2021, 3, 9, 9, 0),
    ]


def test_a_reminder_across_the_change_to_summer_time_keeps_its_local_hour(workshop, main_session):
    # Summer time in 2021 began on 28 March: a session on 29 March, reminder 7 days before at 09.00 CET.
    main_session.starts_at = oslo(2021, 3, 29, 9, 0)
    workshop.reminder_days_before = "7"

    (when,) = schedule.reminder_times(workshop=workshop, session=main_session)
    assert when == oslo(2021, 3, 22, 9, 0)
    assert when.utcoffset().total_seconds() == 3600


def test_a_stored_value_that_cannot_be_read_sends_no_reminder_rather_than_failing(workshop, main_session):
    workshop.reminder_days_before = "7; en"

    assert schedule.reminder_days(workshop) == []
    assert schedule.reminder_times(workshop=workshop, session=main_session) == []
