"""Concurrent submissions on PostgreSQL: one delegation per municipality, capacity never exceeded.

Real threads, each with its own database connection, released together by a barrier.
"""

import threading

import pytest
from django.db import connection

from registrations import services
from registrations.errors import RegistrationError
from registrations.models import Participant, Registration
from registrations.selectors import sessions_with_seats
from tests.conftest import CONTACT, STAFF, delegation, municipalities, oslo
from tests.registrations.conftest import started_long_ago
from workshops import audit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOW = oslo(2021, 2, 20, 12, 0)


def run_together(jobs) -> list:
    """Run each job in its own thread at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - the test inspects every outcome
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def submit(workshop, municipality, people):
    return lambda: services.registration_create(
        workshop=workshop, municipality=municipality, contact=CONTACT, participants=people, now=NOW, actor=audit.PUBLIC
    )


def test_many_simultaneous_submissions_for_one_municipality_make_one_delegation(workshop):
    oslo_kommune = municipalities(1)[0]
    results = run_together([submit(workshop, oslo_kommune, delegation(2, f"t{i}-")) for i in range(16)])

    created = [r for r in results if isinstance(r, Registration)]
    refused = [r for r in results if isinstance(r, RegistrationError)]
    assert len(created) == 1
    assert len(refused) == 15
    assert {tuple(e.codes) for e in refused} == {("already_registered",)}
    assert Registration.objects.count() == 1
    assert Participant.objects.count() == 2


def test_many_municipalities_competing_for_the_last_seats_never_exceed_capacity(workshop, main_session):
    main_session.capacity = 50
    main_session.save()
    competitors = municipalities(24)
    results = run_together([submit(workshop, m, delegation(4, f"m{m.number}-")) for m in competitors])

    assert all(isinstance(r, Registration) for r in results), [r for r in results if not isinstance(r, Registration)]
    confirmed = Registration.objects.filter(status=Registration.Status.CONFIRMED)
    waiting = Registration.objects.filter(status=Registration.Status.WAITLISTED)
    assert (confirmed.count(), waiting.count()) == (12, 12)  # 12 × 4 = 48 of 50 seats; no delegation split
    seats = {s.label: s.seats_taken for s in sessions_with_seats(workshop=workshop)}
    assert seats == {"Formiddag": 48, "Ettermiddag": 0}
    assert Registration.objects.values("municipality").distinct().count() == 24


def test_opening_the_overflow_while_municipalities_register_keeps_every_rule(workshop, main_session, overflow_session):
    main_session.capacity = 20
    main_session.save()
    overflow_session.capacity = 20
    overflow_session.save()
    competitors = municipalities(14)
    jobs = [submit(workshop, m, delegation(3, f"o{m.number}-")) for m in competitors]
    jobs.append(lambda: services.session_open(session=overflow_session, actor=STAFF))
    results = run_together(jobs)

    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    seats = {s.label: s.seats_taken for s in sessions_with_seats(workshop=workshop)}
    assert seats["Formiddag"] <= 20 and seats["Ettermiddag"] <= 20
    # 14 × 3 = 42 people, 2 × 18 usable seats (6 delegations of 3 per session): 12 seated, 2 waiting.
    assert Registration.objects.filter(status=Registration.Status.CONFIRMED).count() == 12
    assert Registration.objects.filter(status=Registration.Status.WAITLISTED).count() == 2


def form_data(municipality_pk: int, prefix: str, started: str) -> dict:
    data = {
        "municipality": str(municipality_pk),
        "contact_name": "Kari Kontakt",
        "contact_email": f"{prefix}kontakt@kommune.example",
        "participants-TOTAL_FORMS": "2",
        "participants-INITIAL_FORMS": "0",
        "started": started,
    }
    for i, role in enumerate(["culture_school_leader", "municipal_leader"]):
        data |= {
            f"participants-{i}-name": f"Person {prefix}{i}",
            f"participants-{i}-email": f"{prefix}{i}@kommune.example",
            f"participants-{i}-role": role,
            f"participants-{i}-title": "Leder",
        }
    return data


def test_simultaneous_form_posts_for_one_municipality_show_each_user_a_page_not_an_error(workshop, time_machine):
    from django.test import Client

    time_machine.move_to(NOW, tick=False)
    oslo_kommune = municipalities(1)[0]
    url = f"/workshops/{workshop.slug}/"

    started = started_long_ago()  # here: time travel is not for threads

    def post(i):
        return lambda: Client().post(url, form_data(oslo_kommune.pk, f"c{i}-", started))

    responses = run_together([post(i) for i in range(10)])

    assert sorted(r.status_code for r in responses) == [200] * 9 + [302]
    for refused in (r for r in responses if r.status_code == 200):
        assert "Oslo er allerede påmeldt dette verkstedet" in refused.content.decode()
    assert Registration.objects.count() == 1
    assert Participant.objects.count() == 2
