"""The privacy notice says what the system does: the retention period of the workshops (or the default),
the contact address from the settings, the controllers, the legal basis and the rights."""

from django.test import override_settings

from tests.conftest import create_workshop, oslo
from tests.registrations.conftest import page_text

REGISTER_URL = "/workshops/kulturskole-3-0/"


def test_it_states_the_workshops_retention_and_its_date(en_client, workshop, before_deadline):
    workshop.retention_months = 18
    workshop.save()
    text = page_text(en_client.get("/privacy/"))
    assert "Until 18 months after the workshop." in text
    assert f"{workshop.title}: anonymised on Saturday 10 September 2022." in text
    assert "We store the information you give here to run the workshop and anonymise it 18 months" in page_text(
        en_client.get(REGISTER_URL)
    )


def test_without_workshops_it_states_the_default(en_client, db, settings):
    settings.DEFAULT_RETENTION_MONTHS = 6
    assert "Until 6 months after the workshop." in page_text(en_client.get("/privacy/"))


def test_different_periods_are_given_per_workshop(en_client, workshop):
    other = create_workshop(day=oslo(2022, 5, 4).date(), deadline=oslo(2022, 4, 1), slug="neste")
    other.retention_months = 3
    other.save()
    text = page_text(en_client.get("/privacy/"))
    assert "Until the date given for each workshop below." in text
    assert "anonymised on Thursday 4 August 2022." in text and "anonymised on Thursday 10 March 2022." in text


def test_an_anonymised_workshop_is_no_longer_listed(en_client, workshop):
    workshop.anonymised_at = oslo(2022, 3, 11)
    workshop.save()
    assert "anonymised on" not in page_text(en_client.get("/privacy/"))


@override_settings(PRIVACY_CONTACT_EMAIL="personvern@ks.example")
def test_it_names_the_controllers_the_basis_the_rights_and_the_contact(en_client, db):
    text = page_text(en_client.get("/privacy/"))
    assert "KS (Kommunesektorens organisasjon) and Norsk kulturskoleråd" in text and "joint controllers" in text
    assert "Article 6(1)(f)" in text
    assert "requests to see, correct or erase them: write to personvern@ks.example." in text
    for right in ("(access)", "(rectification)", "(erasure)", "(objection)"):
        assert right in text
    assert "Our email provider sends the emails, and our hosting provider" in text
    assert "we count requests per IP address for a short while" in text
