"""Writing tables as XLSX (openpyxl) and CSV (the csv module), safe to open in a spreadsheet.

One table shape for every export: translated headers, then rows of str, int or aware datetimes.
Every string goes through ``neutralise`` on its way out, in both formats: OWASP's advice against
CSV (formula) injection. In XLSX it matters as much as in CSV: openpyxl itself stores a string that
starts with «=» as a formula.
"""

import csv
import dataclasses
import datetime
import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CSV_DATETIME_FORMAT = "%d.%m.%Y %H:%M"
XLSX_DATETIME_FORMAT = "dd.mm.yyyy hh:mm"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"

Value = str | int | datetime.datetime | None


def neutralise(value: str) -> str:
    """A leading apostrophe on a value a spreadsheet would read as a formula (=, +, -, @, tab, CR).

    Applied to every string cell of every export, ours as well as user-entered: one rule, no list of
    "safe" columns to keep up to date. The price is that «+47 99 99 99 99» and «-» show their apostrophe.
    """
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


@dataclasses.dataclass
class Table:
    title: str  # the XLSX sheet's name
    headers: Sequence[str]
    rows: Iterable[Sequence[Value]]
    widths: Sequence[int] = ()  # XLSX column widths in characters, optional


def _local(value: datetime.datetime) -> datetime.datetime:
    """Oslo wall-clock time; naive, because XLSX has no time zones."""
    return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value


def csv_bytes(table: Table, *, delimiter: str = ";", bom: bool = True) -> bytes:
    """UTF-8 CSV. The defaults (``;`` and a byte-order mark) are what Excel set to Norwegian opens
    correctly with a double click; Zoom's import wants plain commas and no BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow([neutralise(str(header)) for header in table.headers])
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" if bom else "").encode() + buffer.getvalue().encode()


def _csv_cell(value: Value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return _local(value).strftime(CSV_DATETIME_FORMAT)
    if isinstance(value, str):
        return neutralise(value)
    return value


def xlsx_bytes(table: Table) -> bytes:
    """One sheet: a bold header row, frozen, with a filter; dates as real dates in Oslo time.

    Write-only mode streams rows instead of keeping a cell object per value: at 10,000 participants
    that is the difference between about one second and several (docs/performance.md).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(table.title)[:31])  # Excel's limit for sheet names
    for index, width in enumerate(table.widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for text in table.headers:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(str(text)))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{count + 1}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_text(value: str) -> str:
    # Control characters other than tab, LF and CR cannot be stored in XLSX at all (openpyxl refuses them).
    # Stripped before neutralising, so «\x01=cmd» cannot become a formula once the \x01 is gone.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def _xlsx_cell(sheet, value: Value):
    if isinstance(value, str):
        return _xlsx_text(value)
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=_local(value))
        cell.number_format = XLSX_DATETIME_FORMAT
        return cell
    return value
