"""iCalendar invitations (.ics) for a session, built with the icalendar library.

The UID is derived from the session and the recipient's address, so a later invitation for the same
session (a changed time) replaces the event in the recipient's calendar instead of adding a second one,
and a CANCEL with the same UID removes it. The meeting link and passcode are never put in the file:
calendars get forwarded and synced to places email does not go.
"""

import datetime
import functools
import hashlib
from email.mime.text import MIMEText
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

# SEQUENCE must grow with every update of the same UID; seconds since this moment do.
_SEQUENCE_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def invitation_uid(*, session_id: int, email: str) -> str:
    digest = hashlib.sha256(f"{session_id}:{email.strip().lower()}".encode()).hexdigest()[:32]
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"session-{session_id}-{digest}@{host}"


def session_calendar(*, session, email: str, name: str, method: str = "REQUEST") -> bytes:
    """A VCALENDAR with one VEVENT for the session (METHOD REQUEST, or CANCEL to remove it)."""
    workshop = session.workshop
    now = timezone.now()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Kulturskoleradet//Workshops//NO")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", invitation_uid(session_id=session.pk, email=email))
    event.add("sequence", int((now - _SEQUENCE_EPOCH).total_seconds()))
    event.add("dtstamp", now.astimezone(datetime.UTC))
    event.add("dtstart", timezone.localtime(session.starts_at))
    event.add("dtend", timezone.localtime(session.ends_at))
    event.add("summary", f"{workshop.title} ({session.label})")
    event.add("location", workshop.venue)
    event.add("description", workshop.summary or workshop.title)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{organiser_email}")
    organizer.params["cn"] = icalendar.vText(organiser_name or organiser_email)
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{email}")
    attendee.params["cn"] = icalendar.vText(name or email)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    event.add("attendee", attendee)
    cal.add_component(_site_timezone(timezone.localtime(session.starts_at).date()))
    cal.add_component(event)
    return cal.to_ical()


@functools.lru_cache(maxsize=32)
def _site_timezone(start: datetime.date) -> icalendar.Timezone:
    """The VTIMEZONE for an event on `start`, from 1 January that year until a year later.

    Working out the transitions is most of the cost of an invitation and the same for every recipient of
    a session, so it is done once per date. The component is only read (serialised), never changed.
    """
    return icalendar.Timezone.from_tzid(
        settings.TIME_ZONE, first_date=start.replace(month=1, day=1), last_date=start.replace(year=start.year + 1)
    )


def calendar_part(content: bytes, *, method: str, filename: str) -> MIMEText:
    """The .ics as a text/calendar attachment with the method parameter calendar clients look for."""
    part = MIMEText(content.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part
