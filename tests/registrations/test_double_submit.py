"""The same form sent twice (a double click, a reload of the POST) is one delegation, and both answers show
its receipt; a form shown to someone else still gets «already registered»."""

import pytest
from django.test import Client

from registrations.models import Registration
from tests.conftest import municipality
from tests.notifications import conftest as mail_fixtures
from tests.registrations.conftest import form_data, page_text
from tests.registrations.test_concurrency import NOW, run_together

smtp_server, eager_celery, commit = mail_fixtures.smtp_server, mail_fixtures.eager_celery, mail_fixtures.commit
URL = "/workshops/kulturskole-3-0/"


@pytest.mark.usefixtures("before_deadline")
def test_the_same_form_sent_twice_is_one_delegation_and_both_answers_show_its_receipt(workshop, smtp_server, commit):
    data = form_data(municipality("0301"))
    with commit():
        first = Client().post(URL, data)
        # The browser dropped the first answer (and its cookie) when the second click sent the form again.
        browser = Client()
        second = browser.post(URL, data)

    registration = Registration.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/registration/{registration.access_id}/receipt/"
    receipt = page_text(browser.get(second["Location"]))
    assert "Oslo" in receipt and "Person 03011" in receipt
    assert "allerede påmeldt" not in receipt
    assert sorted(m["To"] for m in smtp_server.messages) == [  # the confirmation once, not twice
        "03011@kommune.example",
        "03012@kommune.example",
        "kari@kommune.example",
    ]


@pytest.mark.usefixtures("before_deadline")
def test_a_form_shown_to_someone_else_is_told_the_municipality_is_registered(workshop):
    Client().post(URL, form_data(municipality("0301")))
    other_showing = form_data(municipality("0301"))  # the same fields, but another showing of the form

    response = Client().post(URL, other_showing)

    assert response.status_code == 200
    assert "Oslo er allerede påmeldt dette verkstedet" in page_text(response)
    assert Registration.objects.count() == 1


@pytest.mark.usefixtures("before_deadline")
def test_the_same_form_id_with_another_contact_person_is_not_handed_the_receipt(workshop):
    data = form_data(municipality("0301"))
    Client().post(URL, data)

    response = Client().post(URL, {**data, "contact_email": "noen.andre@kommune.example"})

    assert response.status_code == 200
    assert "Oslo er allerede påmeldt dette verkstedet" in page_text(response)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_racing_itself_gets_one_delegation_and_two_receipts(workshop, time_machine):
    time_machine.move_to(NOW, tick=False)
    data = form_data(municipality("0301"))

    responses = run_together([lambda: Client().post(URL, data)] * 2)

    registration = Registration.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r["Location"] for r in responses} == {f"/registration/{registration.access_id}/receipt/"}
