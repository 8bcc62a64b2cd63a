"""manage.py load_municipalities refreshes the table from the CSV the migration loaded it from."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command

from registrations.models import Municipality
from registrations.municipality_data import municipalities_read


def load() -> str:
    out = StringIO()
    call_command("load_municipalities", stdout=out)
    return out.getvalue().strip()


@pytest.mark.django_db
def test_the_migration_loaded_every_row_of_the_csv():
    assert Municipality.objects.count() == len(municipalities_read()) == 716


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    before = list(Municipality.objects.order_by("pk").values())

    assert load() == "Municipalities: 0 created, 0 updated, 716 unchanged."

    assert list(Municipality.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_it_restores_a_changed_row_and_adds_a_missing_one_in_place():
    day = datetime.date(2021, 3, 10)
    Municipality.objects.filter(number="0301", valid_from=datetime.date(2020, 1, 1)).update(name="Christiania")
    Municipality.objects.filter(number="1103", valid_from=datetime.date(2020, 1, 1)).delete()

    assert load() == "Municipalities: 1 created, 1 updated, 714 unchanged."

    assert Municipality.objects.valid_on(day).get(number="0301").name == "Oslo"
    assert Municipality.objects.valid_on(day).get(number="1103").name == "Stavanger"
    assert Municipality.objects.count() == 716
