"""Zoom breakout-room pre-assignment: delegations into rooms of a chosen size, as Zoom's import CSV.

``rooms_assign`` is a pure function (no database) so its promises are tested on their own: a delegation
is never split, every participant is in exactly one room, and counties are mixed.
"""

import dataclasses
import math
from collections.abc import Sequence

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registrations.backoffice import selectors
from registrations.backoffice.exports import ExportFile
from registrations.backoffice.spreadsheets import Table, csv_bytes
from workshops.models import Session

# Zoom's template (Breakout rooms > Import from CSV) has exactly these two columns, comma-separated.
ZOOM_HEADERS = ("Pre-assign Room Name", "Email Address")
DEFAULT_ROOM_SIZE = 8


@dataclasses.dataclass(frozen=True)
class Delegation:
    name: str  # the municipality: keeps the order stable and the rooms readable
    county: str
    emails: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.emails)


@dataclasses.dataclass
class Room:
    name: str
    delegations: list[Delegation] = dataclasses.field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(d.size for d in self.delegations)

    @property
    def emails(self) -> list[str]:
        return [email for d in self.delegations for email in d.emails]

    def same_county(self, county: str) -> int:
        return sum(1 for d in self.delegations if d.county == county)


def _without_repeated_emails(delegations: Sequence[Delegation]) -> list[Delegation]:
    """A person in two delegations (an inter-municipal culture school) goes into the room of the first;
    Zoom can put an address in one room only. Delegations left with nobody are dropped."""
    seen: set[str] = set()
    result = []
    for delegation in delegations:
        emails = []
        for email in delegation.emails:
            if email.lower() not in seen:
                seen.add(email.lower())
                emails.append(email)
        if emails:
            result.append(dataclasses.replace(delegation, emails=tuple(emails)))
    return result


def rooms_assign(*, delegations: Sequence[Delegation], room_size: int, room_name: str = "Rom {number}") -> list[Room]:
    """Delegations into rooms of at most ``room_size`` people, never splitting one, counties mixed.

    Greedy: as many rooms as the people need (total / room_size, rounded up); delegations largest
    first, each into the room with space for all of it that has the fewest delegations of its county,
    then the most space left (rooms fill evenly). A delegation that fits no room opens a new one; one
    larger than ``room_size`` gets a room of its own. Rooms are named ``room_name.format(number=n)``.
    """
    if room_size < 1:
        raise ValueError("room_size must be at least 1")
    delegations = _without_repeated_emails(delegations)
    oversized = [d for d in delegations if d.size > room_size]
    fitting = sorted((d for d in delegations if d.size <= room_size), key=lambda d: (-d.size, d.county, d.name))
    rooms = [Room("") for _ in range(math.ceil(sum(d.size for d in fitting) / room_size))]
    for delegation in fitting:
        candidates = [room for room in rooms if room.size + delegation.size <= room_size]
        if candidates:
            room = min(candidates, key=lambda r: (r.same_county(delegation.county), r.size))
        else:
            room = Room("")
            rooms.append(room)
        room.delegations.append(delegation)
    rooms = [room for room in rooms if room.delegations] + [Room("", [d]) for d in oversized]
    for number, room in enumerate(rooms, start=1):
        room.name = room_name.format(number=number)
    return rooms


def zoom_table(rooms: Sequence[Room]) -> Table:
    return Table(
        title="Zoom", headers=ZOOM_HEADERS, rows=([room.name, email] for room in rooms for email in room.emails)
    )


def zoom_rooms_export(*, session: Session, room_size: int = DEFAULT_ROOM_SIZE) -> ExportFile:
    """Zoom's pre-assignment CSV for the confirmed delegations of ``session``. Reads only.

    Comma-separated and without a byte-order mark, like Zoom's own template. The cells are neutralised
    like every export's, so an address starting with «-» or «+» (valid, rare) would need fixing in Zoom.
    """
    delegations = [
        Delegation(name=d.municipality, county=d.county, emails=d.emails)
        for d in selectors.delegations_for_rooms(session=session)
    ]
    rooms = rooms_assign(delegations=delegations, room_size=room_size, room_name=_("Room {number}"))
    stem = "-".join(
        [
            "zoom-grupperom",
            session.workshop.slug,
            slugify(session.label) or str(session.pk),
            timezone.localdate().isoformat(),
        ]
    )
    return ExportFile(f"{stem}.csv", "text/csv; charset=utf-8", csv_bytes(zoom_table(rooms), delimiter=",", bom=False))
