"""When a workshop's scheduled mailings go out: the one place these dates are computed.

The material goes at ``material_send_time`` on the first session's local date minus ``material_days_before``;
a reminder per session and per offset in ``reminder_days_before`` at ``reminder_send_time``. Local means the
site's time zone (settings.TIME_ZONE, Europe/Oslo); daylight saving is handled by zoneinfo. The public pages
and the notifications scheduler both ask here.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # the models use the validator below, so this module cannot import them at run time
    from workshops.models import Session, Workshop

# «7, 1», «7; 1» and «7 1» all mean the same: people type lists in all three ways.
_SEPARATORS = re.compile(r"[\s,;]+")
MAX_DAYS_BEFORE = 365


def parse_reminder_days(value: str) -> list[int]:
    """«7, 1» → [7, 1] (largest first, each once). Raises ValidationError naming the part it cannot read."""
    days: set[int] = set()
    for part in _SEPARATORS.split((value or "").strip()):
        if not part:
            continue
        if not part.isdigit() or int(part) > MAX_DAYS_BEFORE:
            raise ValidationError(
                _("«%(part)s» is not a number of days. Write whole numbers separated by commas, e.g. «7, 1»."),
                code="invalid_days",
                params={"part": part},
            )
        days.add(int(part))
    return sorted(days, reverse=True)


def validate_reminder_days(value: str) -> None:
    """Model-field validator: the admin refuses what parse_reminder_days cannot read."""
    parse_reminder_days(value)


def reminder_days(workshop: Workshop) -> list[int]:
    """The workshop's reminder offsets; a value stored before validation existed counts as none."""
    try:
        return parse_reminder_days(workshop.reminder_days_before)
    except ValidationError:
        return []


def local_time(day: datetime.date, days_before: int, at: datetime.time) -> datetime.datetime:
    """`at` o'clock in the site's time zone, `days_before` calendar days before `day`."""
    zone = timezone.get_default_timezone()
    return datetime.datetime.combine(day - datetime.timedelta(days=days_before), at, tzinfo=zone)


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def material_time(*, workshop: Workshop) -> datetime.datetime | None:
    first = workshop.first_session
    if first is None:
        return None
    return local_time(local_date(first.starts_at), workshop.material_days_before, workshop.material_send_time)


def reminder_time(*, session: Session, days_before: int, workshop: Workshop | None = None) -> datetime.datetime:
    workshop = workshop or session.workshop
    return local_time(local_date(session.starts_at), days_before, workshop.reminder_send_time)


def reminder_times(*, workshop: Workshop, session: Session) -> list[datetime.datetime]:
    """When the reminders of `session` go out, earliest first."""
    return [reminder_time(session=session, days_before=days, workshop=workshop) for days in reminder_days(workshop)]
