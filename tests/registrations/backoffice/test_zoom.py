"""Zoom breakout rooms: never split a delegation, everyone in exactly one room, counties mixed."""

import csv
import io
import random
from collections import Counter, defaultdict

import pytest

from registrations import services
from registrations.backoffice.zoom import Delegation, rooms_assign, zoom_rooms_export
from tests.conftest import STAFF, delegation, register


def delegations(*specs: tuple[str, int]) -> list[Delegation]:
    """(county, size) pairs as delegations with distinct names and emails."""
    return [
        Delegation(name=f"Kommune {i}", county=county, emails=tuple(f"k{i}-{n}@x.example" for n in range(size)))
        for i, (county, size) in enumerate(specs)
    ]


def room_of(rooms) -> dict[str, str]:
    """email → room name; fails if an email is in two rooms."""
    found = [(email, room.name) for room in rooms for email in room.emails]
    assert len(found) == len({email for email, _room in found}), "an email is in two rooms"
    return dict(found)


def check_promises(given: list[Delegation], rooms, room_size: int) -> None:
    placed = room_of(rooms)
    assert sorted(placed) == sorted(email for d in given for email in d.emails)  # everyone, once
    for d in given:
        assert len({placed[email] for email in d.emails}) == 1, f"{d.name} was split"
    for room in rooms:
        assert room.size <= room_size or len(room.delegations) == 1


@pytest.mark.parametrize("seed", range(20))
def test_random_delegations_are_never_split_and_everyone_is_in_exactly_one_room(seed):
    generator = random.Random(seed)
    given = delegations(*((generator.choice("ABCDEFG"), generator.randint(1, 10)) for _ in range(60)))
    room_size = generator.choice([4, 6, 8, 12])

    check_promises(given, rooms_assign(delegations=given, room_size=room_size), room_size)


def test_a_delegation_larger_than_a_room_gets_a_room_of_its_own():
    given = delegations(("A", 10), ("B", 3), ("C", 3))

    rooms = rooms_assign(delegations=given, room_size=8)

    assert [[d.name for d in room.delegations] for room in rooms] == [["Kommune 1", "Kommune 2"], ["Kommune 0"]]
    assert [room.size for room in rooms] == [6, 10]


def test_rooms_are_as_few_as_the_people_need_and_named_in_order():
    rooms = rooms_assign(delegations=delegations(*[("A", 2), ("B", 2), ("C", 2), ("D", 2)] * 5), room_size=8)

    assert [room.name for room in rooms] == ["Rom 1", "Rom 2", "Rom 3", "Rom 4", "Rom 5"]
    assert [room.size for room in rooms] == [8] * 5


def test_no_room_has_two_delegations_of_one_county_when_it_can_be_avoided():
    # Three counties with four delegations of two each, rooms of six: 24 people fill four rooms, and
    # each room can take one delegation of each county.
    given = delegations(*[("Agder", 2), ("Innlandet", 2), ("Viken", 2)] * 4)

    rooms = rooms_assign(delegations=given, room_size=6)

    assert len(rooms) == 4
    for room in rooms:
        assert sorted(d.county for d in room.delegations) == ["Agder", "Innlandet", "Viken"]


def test_counties_are_mixed_also_with_delegations_of_different_sizes():
    given = delegations(("Agder", 4), ("Agder", 4), ("Viken", 4), ("Viken", 3), ("Oslo", 1), ("Oslo", 2))

    rooms = rooms_assign(delegations=given, room_size=9)

    check_promises(given, rooms, 9)
    for room in rooms:
        counts = Counter(d.county for d in room.delegations)
        assert max(counts.values()) == 1, [(d.county, d.size) for d in room.delegations]


def test_a_person_in_two_delegations_is_placed_once_with_the_first():
    first = Delegation(name="Alta", county="F", emails=("felles@kulturskole.example", "a@x.example"))
    second = Delegation(name="Hammerfest", county="F", emails=("FELLES@kulturskole.example", "h@x.example"))

    rooms = rooms_assign(delegations=[first, second], room_size=8)

    assert sorted(room_of(rooms)) == ["a@x.example", "felles@kulturskole.example", "h@x.example"]


def test_a_room_size_below_one_is_refused():
    with pytest.raises(ValueError):
        rooms_assign(delegations=delegations(("A", 2)), room_size=0)


@pytest.mark.usefixtures("before_deadline")
def test_the_csv_is_zoom_s_template_with_the_confirmed_delegations_of_the_session(workshop, main_session):
    for number in ["0301", "1103", "4601", "5001", "5401"]:  # five counties
        register(workshop, number, people=delegation(3, prefix=number))
    services.registration_cancel(registration=workshop.registrations.get(municipality__number="5001"), actor=STAFF)

    export = zoom_rooms_export(session=main_session, room_size=6)

    text = export.content.decode("utf-8")
    assert not text.startswith("\ufeff")
    assert text.splitlines()[0] == "Pre-assign Room Name,Email Address"
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    emails = sorted(p.email for r in workshop.registrations.filter(status="confirmed") for p in r.participants.all())
    assert sorted(email for _room, email in rows) == emails
    assert Counter(room for room, _email in rows) == {"Rom 1": 6, "Rom 2": 6}
    rooms_of_municipality = defaultdict(set)  # the emails start with the municipality number
    for room, email in rows:
        rooms_of_municipality[email[:4]].add(room)
    assert {number: len(rooms) for number, rooms in rooms_of_municipality.items()} == dict.fromkeys(
        ["0301", "1103", "4601", "5401"], 1
    )
    assert export.filename == "zoom-grupperom-kulturskole-3-0-formiddag-2021-02-15.csv"
