"""The back office's exports: attendee lists and registrations per municipality, as XLSX and CSV.

Each export is a ``Table`` (translated headers, rows from one selector query) written by
``spreadsheets``; the views only pick the format and the file name.
"""

import dataclasses
import datetime

from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _

from registrations.backoffice import selectors
from registrations.backoffice.spreadsheets import CSV_MIME, XLSX_MIME, Table, csv_bytes, xlsx_bytes
from registrations.models import Registration, Role
from workshops.models import Session, Workshop


@dataclasses.dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes


FORMATS = ("xlsx", "csv")


def _labels(choices) -> dict[str, str]:
    """Translated once per export, not once per row: 10,000 lazy strings cost a third of a second."""
    return {value: capfirst(str(label)) for value, label in choices}


def attendees_table(*, workshop: Workshop, session: Session | None = None) -> Table:
    roles = _labels(Role.choices)
    statuses = _labels(Registration.Status.choices)
    rows = (
        [
            row.name,
            row.email,
            row.phone,
            roles.get(row.role, row.role),
            row.title,
            row.municipality,
            row.county,
            row.session,
            statuses[row.status],
            row.registered_at,
            row.contact_name,
        ]
        for row in selectors.attendees_list(workshop=workshop, session=session)
    )
    headers = [
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Role"),
        _("Job title or organisation"),
        _("Municipality"),
        _("County"),
        _("Session"),
        _("Status"),
        _("Registered"),
        _("Contact person"),
    ]
    return Table(
        title=_("Participants"), headers=headers, rows=rows, widths=(28, 32, 16, 30, 30, 20, 20, 14, 14, 16, 24)
    )


def registrations_table(*, workshop: Workshop) -> Table:
    statuses = _labels(Registration.Status.choices)
    rows = (
        [
            row.municipality_number,
            row.municipality,
            row.county,
            row.session,
            statuses[row.status],
            row.size,
            row.contact_name,
            row.contact_email,
            row.contact_phone,
            row.municipality_input,
            row.registered_at,
        ]
        for row in selectors.registrations_by_municipality(workshop=workshop)
    )
    headers = [
        _("Municipality number"),
        _("Municipality"),
        _("County"),
        _("Session"),
        _("Status"),
        _("Participants"),
        _("Contact person"),
        _("Contact person's email"),
        _("Contact person's phone"),
        _("Input"),
        _("Registered"),
    ]
    return Table(
        title=_("Registrations"), headers=headers, rows=rows, widths=(12, 20, 20, 14, 14, 10, 24, 30, 16, 60, 16)
    )


def _write(table: Table, *, stem: str, fmt: str) -> ExportFile:
    if fmt == "xlsx":
        return ExportFile(f"{stem}.xlsx", XLSX_MIME, xlsx_bytes(table))
    if fmt == "csv":
        return ExportFile(f"{stem}.csv", CSV_MIME, csv_bytes(table))
    raise ValueError(f"unknown export format {fmt!r}")


def _stem(prefix: str, workshop: Workshop, session: Session | None = None, *, today: datetime.date | None) -> str:
    """``deltakere-<workshop-slug>[-<session>]-<date of the export>``: several downloads sort by date."""
    today = today or timezone.localdate()
    parts = [prefix, workshop.slug]
    if session is not None:
        parts.append(slugify(session.label) or str(session.pk))
    return "-".join([*parts, today.isoformat()])


def attendees_export(
    *, workshop: Workshop, session: Session | None = None, fmt: str, today: datetime.date | None = None
) -> ExportFile:
    """The attendee list of the workshop or one of its sessions. Reads only."""
    table = attendees_table(workshop=workshop, session=session)
    return _write(table, stem=_stem("deltakere", workshop, session, today=today), fmt=fmt)


def registrations_export(*, workshop: Workshop, fmt: str, today: datetime.date | None = None) -> ExportFile:
    """Registrations per municipality with county, session, status, size and input. Reads only."""
    table = registrations_table(workshop=workshop)
    return _write(table, stem=_stem("pameldinger", workshop, today=today), fmt=fmt)
