"""Rules 2, 3 and 5: who makes a valid delegation, and one delegation per municipality."""

import pytest
from django.utils.translation import override

from registrations.errors import RegistrationError
from registrations.models import Participant, Registration, Role
from registrations.services import ParticipantData
from tests.conftest import delegation, participants, register
from workshops import audit

pytestmark = pytest.mark.usefixtures("before_deadline")


def refused(workshop, people, number="0301") -> list[str]:
    with pytest.raises(RegistrationError) as caught:
        register(workshop, number, people=people)
    assert Registration.objects.count() == 0
    assert Participant.objects.count() == 0
    return caught.value.codes


def test_it_accepts_a_culture_school_leader_and_a_municipal_leader(workshop):
    registration = register(workshop, people=participants())
    assert sorted(registration.participants.values_list("role", flat=True)) == [
        Role.CULTURE_SCHOOL_LEADER,
        Role.MUNICIPAL_LEADER,
    ]


def test_it_refuses_one_representative(workshop):
    assert refused(workshop, participants(Role.CULTURE_SCHOOL_LEADER)) == [
        "too_few_representatives",
        "missing_municipal_leader",
    ]


def test_it_names_the_minimum_and_the_count(workshop):
    with pytest.raises(RegistrationError) as caught:
        register(workshop, people=participants(Role.CULTURE_SCHOOL_LEADER, Role.RESIDENT))
    assert caught.value.messages[0].startswith("Delegasjonen må ha minst 2 personer som representerer kommunen")
    assert "Nå har den 1." in caught.value.messages[0]


def test_it_refuses_two_without_a_culture_school_leader(workshop):
    assert refused(workshop, participants(Role.MUNICIPAL_LEADER, Role.MUNICIPAL_SERVICE)) == [
        "missing_culture_school_leader"
    ]


def test_it_refuses_two_without_another_municipal_leader(workshop):
    assert refused(workshop, participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_SERVICE)) == [
        "missing_municipal_leader"
    ]


def test_local_actors_do_not_count_toward_the_minimum(workshop):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.VOLUNTARY_SECTOR, Role.BUSINESS, Role.RESIDENT)
    assert refused(workshop, people) == ["too_few_representatives", "missing_municipal_leader"]


def test_two_municipal_representatives_and_local_actors_are_welcome(workshop):
    people = participants(
        Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER, Role.VOLUNTARY_SECTOR, Role.BUSINESS, Role.RESIDENT
    )
    assert register(workshop, people=people).participants.count() == 5


def test_without_the_composition_rule_two_of_any_municipal_role_suffice(workshop):
    workshop.require_role_composition = False
    workshop.save()
    registration = register(workshop, people=participants(Role.MUNICIPAL_SERVICE, Role.MUNICIPAL_SERVICE))
    assert registration.participants.count() == 2


def test_it_accepts_the_maximum_delegation_size(workshop):
    assert register(workshop, people=delegation(6)).participants.count() == 6


def test_it_refuses_seven_people_when_the_maximum_is_six(workshop):
    with pytest.raises(RegistrationError) as caught:
        register(workshop, people=delegation(7))
    assert caught.value.messages == ["En delegasjon kan ha høyst 6 deltakere. Denne har 7."]
    assert Registration.objects.count() == 0


def test_it_refuses_the_same_email_twice_in_a_delegation_whatever_its_case(workshop):
    people = participants(Role.CULTURE_SCHOOL_LEADER, Role.MUNICIPAL_LEADER)
    people.append(ParticipantData(name="Again", email="P1@Kommune.example", role=Role.MUNICIPAL_SERVICE))
    with pytest.raises(RegistrationError) as caught:
        register(workshop, people=people)
    assert caught.value.codes == ["duplicate_email"]
    assert caught.value.messages[0].startswith("P1@Kommune.example står flere ganger i delegasjonen.")
    assert Registration.objects.count() == 0


def test_it_refuses_a_second_delegation_of_the_same_municipality(workshop):
    first = register(workshop, "0301")
    with pytest.raises(RegistrationError) as caught:
        register(workshop, "0301", people=participants(prefix="other"))
    assert caught.value.codes == ["already_registered"]
    assert caught.value.problems[0].field == "municipality"
    assert caught.value.messages == [
        "Oslo er allerede påmeldt dette verkstedet. Kontaktpersonen kan endre påmeldingen med lenken i e-posten "
        "med bekreftelsen."
    ]
    with override("en"):
        assert caught.value.messages == [
            "Oslo is already registered for this workshop. The contact person can change the registration "
            "through the link in the confirmation email."
        ]
    assert list(Registration.objects.all()) == [first]


def test_a_cancelled_municipality_may_register_again(workshop):
    from registrations.services import registration_cancel

    registration_cancel(registration=register(workshop, "0301"), actor=audit.PUBLIC)
    again = register(workshop, "0301")
    assert again.status == Registration.Status.CONFIRMED
    assert Registration.objects.filter(municipality__number="0301").count() == 2


def test_the_same_person_may_be_in_two_municipalities_delegations(workshop):
    shared = participants(prefix="shared")
    register(workshop, "0301", people=shared)
    register(workshop, "1103", people=shared)
    assert Participant.objects.filter(email="shared1@kommune.example").count() == 2


def test_it_refuses_a_municipality_that_did_not_exist_on_the_workshop_date(workshop):
    import datetime

    from registrations import services
    from tests.conftest import municipality

    tromso_2024 = municipality("5501", datetime.date(2024, 1, 1))
    with pytest.raises(RegistrationError) as caught:
        services.registration_create(
            workshop=workshop,
            municipality=tromso_2024,
            contact=services.ContactData(name="A", email="a@example.no"),
            participants=participants(),
            actor=audit.PUBLIC,
        )
    assert caught.value.codes == ["municipality_not_valid"]
    assert Registration.objects.count() == 0


def test_each_registration_gets_its_own_long_secret_token(workshop):
    a = register(workshop, "0301")
    b = register(workshop, "1103")
    assert a.token != b.token
    assert len(a.token) >= 43  # 32 random bytes, URL-safe base64
