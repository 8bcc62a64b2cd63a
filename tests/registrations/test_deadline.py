"""Rule 1: the public form accepts a submission up to and including the deadline second (Europe/Oslo)."""

import datetime

import pytest

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Registration
from tests.conftest import STAFF, oslo, register


def test_it_accepts_a_registration_in_the_deadline_second(workshop):
    registration = register(workshop, now=oslo(2021, 3, 1, 23, 59, 59))
    assert Registration.objects.get().pk == registration.pk
    assert registration.status == Registration.Status.CONFIRMED


def test_it_refuses_a_registration_one_second_after_the_deadline(workshop):
    with pytest.raises(RegistrationError) as caught:
        register(workshop, now=oslo(2021, 3, 2, 0, 0, 0))
    assert caught.value.codes == ["deadline_passed"]
    # In the site's default language, Bokmål, with the deadline as Norwegians write it.
    assert caught.value.messages == ["Påmeldingen er stengt. Påmeldingsfristen var mandag 1. mars 2021 kl. 23.59."]
    assert Registration.objects.count() == 0


def test_the_deadline_is_oslo_time_not_utc(workshop):
    # 22:59:59 UTC on 1 March is 23:59:59 in Oslo (CET): the last second that counts.
    assert register(workshop, "0301", now=datetime.datetime(2021, 3, 1, 22, 59, 59, tzinfo=datetime.UTC))
    # 23:00:00 UTC is already 2 March in Oslo, though still 1 March in UTC: closed.
    with pytest.raises(RegistrationError) as caught:
        register(workshop, "1103", now=datetime.datetime(2021, 3, 1, 23, 0, 0, tzinfo=datetime.UTC))
    assert caught.value.codes == ["deadline_passed"]
    assert Registration.objects.count() == 1


def test_the_window_says_where_registration_stands(workshop):
    workshop.registration_opens_at = oslo(2021, 2, 11, 12, 0)
    window = services.registration_window

    assert window(workshop=workshop, now=oslo(2021, 2, 11, 11, 59, 59)) == services.Window.NOT_OPEN_YET
    assert window(workshop=workshop, now=oslo(2021, 2, 11, 12, 0)) == services.Window.OPEN
    assert window(workshop=workshop, now=oslo(2021, 3, 1, 23, 59, 59, 999_999)) == services.Window.OPEN
    assert window(workshop=workshop, now=oslo(2021, 3, 2, 0, 0)) == services.Window.CLOSED
    workshop.is_published = False
    assert window(workshop=workshop, now=oslo(2021, 2, 15, 12, 0)) == services.Window.NOT_PUBLISHED


def test_staff_may_register_after_the_deadline(workshop):
    registration = register(workshop, now=oslo(2021, 3, 5, 10, 0), actor=STAFF)
    assert registration.status == Registration.Status.CONFIRMED


def test_it_refuses_before_registration_opens(workshop):
    workshop.registration_opens_at = oslo(2021, 2, 11, 12, 0)
    workshop.save()
    with pytest.raises(RegistrationError) as caught:
        register(workshop, now=oslo(2021, 2, 11, 11, 59, 59))
    assert caught.value.codes == ["not_open_yet"]
    assert register(workshop, now=oslo(2021, 2, 11, 12, 0)).status == Registration.Status.CONFIRMED


def test_it_refuses_an_unpublished_workshop(workshop):
    workshop.is_published = False
    workshop.save()
    with pytest.raises(RegistrationError) as caught:
        register(workshop, now=oslo(2021, 2, 15, 12, 0))
    assert caught.value.codes == ["not_published"]
    assert Registration.objects.count() == 0
