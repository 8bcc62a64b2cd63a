import datetime

from registrations.models import Municipality
from registrations.selectors import municipalities_by_county
from registrations.widgets import GroupedSelect
from tests.conftest import municipality
from workshops import cache as workshops_cache


def test_356_municipalities_in_11_counties_on_the_workshop_date(municipality_data):
    on_day = Municipality.objects.valid_on(datetime.date(2021, 3, 10))
    assert on_day.count() == 356
    assert on_day.values("county").distinct().count() == 11


def test_357_municipalities_in_15_counties_from_2024(municipality_data):
    on_day = Municipality.objects.valid_on(datetime.date(2024, 1, 1))
    assert on_day.count() == 357
    assert on_day.values("county").distinct().count() == 15


def test_a_renamed_municipality_has_the_name_of_the_day(municipality_data):
    assert municipality("5001", datetime.date(2021, 3, 10)).name == "Trondheim"
    assert municipality("5001", datetime.date(2023, 6, 1)).name == "Trondheim - Tråante"
    assert municipality("1853", datetime.date(2022, 1, 1)).name == "Evenes - Evenášši"
    assert Municipality.objects.valid_on(datetime.date(2023, 6, 1)).count() == 356


def test_spot_checks_from_statistics_norway(municipality_data):
    day = datetime.date(2021, 3, 10)
    assert (municipality("0301", day).name, municipality("0301", day).county) == ("Oslo", "Oslo")
    assert municipality("3005", day).county == "Viken"
    assert municipality("4601", day).county == "Vestland"
    assert municipality("5401", day).county == "Troms og Finnmark"
    assert municipality("5501", datetime.date(2024, 1, 1)).name == "Tromsø"


def test_the_workshop_offers_its_day_grouped_by_county_in_county_order(workshop):
    groups = municipalities_by_county(workshop=workshop)
    assert [county for county, _ in groups][:3] == ["Oslo", "Rogaland", "Møre og Romsdal"]
    assert sum(len(items) for _, items in groups) == 356
    assert len(groups) == 11


def test_the_list_is_read_once_per_process_and_the_chosen_municipality_is_marked(workshop, django_assert_num_queries):
    workshop = workshops_cache.published_workshop(workshop.slug)  # as the page has it: its sessions loaded
    municipalities_by_county(workshop=workshop)
    with django_assert_num_queries(0):
        groups = municipalities_by_county(workshop=workshop)
    oslo, bergen = municipality("0301"), municipality("4601")
    select = GroupedSelect(choices=[("", "Velg kommune"), *groups])

    chosen = select.render("municipality", bergen.pk)
    assert chosen.count(" selected") == 1
    assert f'<option value="{bergen.pk}" selected>Bergen</option>' in chosen
    assert f'<option value="{oslo.pk}">Oslo</option>' in chosen
    # The markup written once for the groups is reused, never with an earlier choice left in it.
    nothing = select.render("municipality", None)
    assert nothing.count(" selected") == 1 and '<option value="" selected>Velg kommune</option>' in nothing
    assert select.render("municipality", oslo.pk).count(" selected") == 1
