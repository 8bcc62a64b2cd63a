"""The published workshop kept per process for a few seconds (workshops/cache.py): read once, and a change
saved by staff shows at once in this process and within WORKSHOP_CACHE_SECONDS in the others."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registrations import services
from registrations.models import Registration
from tests.conftest import STAFF, municipality
from tests.registrations.conftest import form_data, page_text
from workshops import cache
from workshops.models import ReflectionQuestion, Session, Workshop

pytestmark = pytest.mark.usefixtures("before_deadline")
REGISTER_URL = "/workshops/kulturskole-3-0/"


def workshop_reads(client) -> list[str]:
    """The queries of one page view that read the workshop, its sessions or its questions."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(REGISTER_URL)
    assert response.status_code == 200
    tables = ('FROM "workshops_workshop"', 'FROM "workshops_session"', 'FROM "workshops_reflectionquestion"')
    # The seats count reads sessions too, joined with the registrations: kept apart (seats_taken_shown).
    return [
        q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables) and "COUNT(" not in q["sql"]
    ]


def test_the_second_page_view_reads_the_workshop_from_memory(en_client, workshop):
    assert len(workshop_reads(en_client)) == 3  # the workshop, its sessions, its questions
    assert workshop_reads(en_client) == []


def test_a_change_saved_in_this_process_shows_at_once(en_client, workshop, main_session):
    en_client.get(REGISTER_URL)
    workshop.title = "Kulturskole 3.0 – nytt verksted"
    workshop.save()
    ReflectionQuestion.objects.create(workshop=workshop, position=3, text="Hva trenger dere fra oss?")
    assert "Wednesday 10 March 2021, 09:00–11:30" in page_text(en_client.get(REGISTER_URL))
    earlier = main_session.starts_at - datetime.timedelta(minutes=30)
    services.session_update(session=main_session, actor=STAFF, starts_at=earlier)

    text = page_text(en_client.get(REGISTER_URL))
    assert "Kulturskole 3.0 – nytt verksted" in text
    assert "Wednesday 10 March 2021, 08:30–11:30" in text
    assert cache.published_workshop(workshop.slug).published_questions[-1].text == "Hva trenger dere fra oss?"


def test_an_unpublished_workshop_is_gone_at_once(en_client, workshop):
    assert en_client.get(REGISTER_URL).status_code == 200
    workshop.is_published = False
    workshop.save()
    assert en_client.get(REGISTER_URL).status_code == 404


def test_a_change_made_by_another_process_shows_after_the_cache_time(en_client, workshop, monkeypatch):
    en_client.get(REGISTER_URL)
    # An UPDATE sends no signal here, as a save in another gunicorn worker or machine would not.
    Workshop.objects.filter(pk=workshop.pk).update(title="Endret et annet sted")
    assert "Endret et annet sted" not in page_text(en_client.get(REGISTER_URL))

    later = cache.monotonic() + 5.01
    monkeypatch.setattr(cache, "monotonic", lambda: later)
    assert "Endret et annet sted" in page_text(en_client.get(REGISTER_URL))


def test_seats_are_checked_under_the_lock_and_the_page_catches_up(en_client, workshop, main_session, monkeypatch):
    """A cached session decides no seat: the capacity is read again under the lock. What the page says about
    the seats is kept as briefly as the workshop: this process's own registrations show at once, a change
    made elsewhere within the cache time."""
    en_client.get(REGISTER_URL)
    Session.objects.filter(pk=main_session.pk).update(capacity=2)  # no signal: the cached copy says 300

    for number in ("0301", "4601"):
        assert en_client.post(REGISTER_URL, form_data(municipality(number))).status_code == 302
    statuses = dict(Registration.objects.values_list("municipality__number", "status"))
    assert statuses == {"0301": "confirmed", "4601": "waitlisted"}
    full = "All seats are taken. New registrations go on the waiting list."
    assert full not in page_text(en_client.get(REGISTER_URL))  # the capacity changed elsewhere: not known yet

    later = cache.monotonic() + 5.01
    monkeypatch.setattr(cache, "monotonic", lambda: later)
    assert full in page_text(en_client.get(REGISTER_URL))


def test_a_registration_in_this_process_shows_in_the_seats_at_once(en_client, workshop, main_session):
    main_session.capacity = 2
    main_session.save()
    full = "All seats are taken. New registrations go on the waiting list."
    assert full not in page_text(en_client.get(REGISTER_URL))
    assert en_client.post(REGISTER_URL, form_data(municipality("0301"))).status_code == 302
    assert full in page_text(en_client.get(REGISTER_URL))


def test_zero_seconds_reads_the_workshop_on_every_request(en_client, workshop, settings):
    settings.WORKSHOP_CACHE_SECONDS = 0
    assert len(workshop_reads(en_client)) == 3
    assert len(workshop_reads(en_client)) == 3
