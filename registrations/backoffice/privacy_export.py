"""Everything held about one email address: the reads behind the privacy pages, and the export as JSON or
XLSX (one sheet per kind of record). The address is matched without regard to case, as everywhere."""

import dataclasses
import datetime
import io
import json
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from notifications.models import Delivery, LedgerEntry
from registrations.admin.action_log import entry_lines, who
from registrations.backoffice.exports import ExportFile
from registrations.backoffice.spreadsheets import XLSX_MIME, neutralise
from registrations.errors import RegistrationError
from registrations.models import Participant, Registration
from registrations.services import ParticipantData, delegation_validate
from workshops.actions import action_label
from workshops.models import ActionLog, Session

FORMATS = ("json", "xlsx")


@dataclasses.dataclass
class Section:
    """One kind of record: a key for JSON, a title and headers for people, and rows of plain values."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]


@dataclasses.dataclass
class PersonRecords:
    email: str
    participants: list[Participant]
    contacts: list[Registration]
    deliveries: list[Delivery]
    ledger: list[LedgerEntry]
    log_entries: list[ActionLog]

    @property
    def registration_ids(self) -> set[int]:
        return {p.registration_id for p in self.participants} | {r.pk for r in self.contacts}

    @property
    def found(self) -> bool:
        return bool(self.participants or self.contacts or self.deliveries or self.ledger or self.log_entries)

    def sections(self) -> list[Section]:
        registrations = {p.registration for p in self.participants} | set(self.contacts)
        workshop_ids = {e.workshop_id for e in self.log_entries}
        sessions = {s.pk: str(s) for s in Session.objects.filter(workshop_id__in=workshop_ids)} if workshop_ids else {}
        answers = [
            answer for registration in sorted(registrations, key=lambda r: r.pk) for answer in _answers(registration)
        ]
        return [
            Section(
                "participants",
                _("Participant in a delegation"),
                [_("Workshop"), _("Municipality"), _("Status"), _("Name"), _("Email"), _("Phone"), _("Role")]
                + [_("Job title or organisation"), _("Registered")],
                [
                    [str(p.registration.workshop), str(p.registration.municipality)]
                    + [p.registration.get_status_display(), p.name, p.email, p.phone, p.get_role_display()]
                    + [p.title, p.registration.created_at]
                    for p in self.participants
                ],
            ),
            Section(
                "contact_person",
                _("Contact person of a delegation"),
                [_("Workshop"), _("Municipality"), _("Status"), _("Name"), _("Email"), _("Phone"), _("Registered")],
                [
                    [str(r.workshop), str(r.municipality), r.get_status_display()]
                    + [r.contact_name, r.contact_email, r.contact_phone, r.created_at]
                    for r in self.contacts
                ],
            ),
            Section(
                "answers",
                _("The municipality's input"),
                [_("Workshop"), _("Municipality"), _("Question"), _("Answer")],
                [[str(r.workshop), str(r.municipality), a.question.text, a.text] for r, a in answers],
            ),
            Section(
                "deliveries",
                _("Emails"),
                [_("Email"), _("Name"), _("Mailing"), _("Status"), _("Created"), _("Sent")],
                [
                    [d.email, d.name, str(d.mailing), d.get_status_display(), d.created_at, d.sent_at]
                    for d in self.deliveries
                ],
            ),
            Section(
                "ledger",
                _("Sent-mail ledger"),
                [_("Mailing"), _("Email"), _("Created")],
                [[e.key, e.email, e.created_at] for e in self.ledger],
            ),
            Section(
                "log",
                _("Log of who did what"),
                [_("When"), _("Who"), _("Action"), _("Object"), _("Details")],
                # As the registration's log panel words them («Status: venteliste → bekreftet»), not raw JSON.
                [
                    [e.created_at, str(who(e)), str(capfirst(action_label(e.action))), e.object_repr]
                    + ["; ".join(entry_lines(e, sessions))]
                    for e in self.log_entries
                ],
            ),
        ]


def person_records(*, email: str) -> PersonRecords:
    """Every row that holds the address: as participant, contact person, recipient, in the log."""
    address = email.strip()
    participants = list(
        Participant.objects.filter(email__iexact=address)
        .select_related("registration__workshop", "registration__municipality")
        .order_by("registration__created_at", "pk")
    )
    contacts = list(
        Registration.objects.filter(contact_email__iexact=address).select_related("workshop", "municipality")
    )
    deliveries = list(Delivery.objects.filter(email__iexact=address).select_related("mailing").order_by("pk"))
    ledger = list(LedgerEntry.objects.filter(email__iexact=address).order_by("pk"))
    log_entries = list(ActionLog.objects.filter(Q(data__icontains=address) | Q(object_repr__icontains=address)))
    return PersonRecords(address, participants, contacts, deliveries, ledger, log_entries)


@dataclasses.dataclass(frozen=True)
class ErasePreview:
    """What erasing would do to one participant row, for the confirmation page."""

    participant: Participant
    removed: bool  # taken out of a coming delegation; else anonymised where they are
    refusal: str = ""  # why removing them would break the delegation rules


def erase_preview(*, records: PersonRecords, now: datetime.datetime | None = None) -> list[ErasePreview]:
    """The delegation rules asked ahead (the same delegation_validate the erasure runs)."""
    now = now or timezone.now()
    previews = []
    for participant in records.participants:
        registration = participant.registration
        coming = registration.status != Registration.Status.CANCELLED and registration.workshop.ends_at > now
        if not coming:
            previews.append(ErasePreview(participant, removed=False))
            continue
        others = [
            ParticipantData(name=p.name, email=p.email, role=p.role)
            for p in registration.participants.exclude(pk=participant.pk)
        ]
        try:
            delegation_validate(workshop=registration.workshop, participants=others)
        except RegistrationError as error:
            previews.append(ErasePreview(participant, removed=True, refusal=" ".join(error.messages)))
        else:
            previews.append(ErasePreview(participant, removed=True))
    return previews


def _plain(value: Any) -> Any:
    return timezone.localtime(value).isoformat() if isinstance(value, datetime.datetime) else value


def person_export(*, records: PersonRecords, fmt: str) -> ExportFile:
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    name = f"personal-data-{slugify(records.email.replace('@', '-at-'))[:60]}-{stamp}.{fmt}"
    sections = records.sections()
    if fmt == "json":
        document = {
            "email": records.email,
            "exported_at": _plain(timezone.now()),
            **{s.key: [dict(zip(s.headers, map(_plain, row), strict=True)) for row in s.rows] for s in sections},
        }
        content = json.dumps(document, ensure_ascii=False, indent=2).encode()
        return ExportFile(name, "application/json", content)
    return ExportFile(name, XLSX_MIME, _xlsx(sections))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def _xlsx(sections: list[Section]) -> bytes:
    """One sheet per section, even an empty one: the file then says «nothing of this kind»."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(title=section.title[:31])
        sheet.append([_cell(str(h)) for h in section.headers])
        for cell in sheet[1]:
            cell.font = bold
        for row in section.rows:
            sheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _answers(registration) -> list:
    """(registration, answer) pairs of the delegation's answers to the reflection questions, in order."""
    answer_set = getattr(registration, "answer_set", None)  # the reverse one-to-one raises AttributeError
    if answer_set is None:
        return []
    return [(registration, answer) for answer in answer_set.answers.select_related("question")]
