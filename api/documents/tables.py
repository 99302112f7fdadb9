"""A register as a typed table, and its two writers: CSV and XLSX.

Why typed columns: each format needs its own cells. CSV gets exact decimal strings
(``1220.00``) and ISO dates, the way the JSON API writes them; XLSX gets numeric cells with
the currency's decimals (never a float: the exact ``Decimal`` is written) and real date
cells, so that sums and filters work in Excel.

Why text is neutralised (CWE-1236, spreadsheet formula injection): a customer named
``=HYPERLINK(...)`` or a payment reference ``=1+1`` comes from outside (a CRM, a bank,
a payer). In XLSX such text is stored as a string cell, never a formula; in CSV a text
column that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
leading ``'`` so a spreadsheet shows it as typed instead of evaluating it. Money and date
columns are written by LBX itself and are left exact.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Font

from ledger.money import Money, minor_digits

if TYPE_CHECKING:
    from datetime import datetime

    from openpyxl.cell.cell import Cell, MergedCell

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ColumnKind = Literal["text", "date", "money"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take as the start of a formula when it opens a CSV file."""
_NOT_IN_SHEET_TITLE = re.compile(r"[\\/*?:\[\]]")


@dataclass(frozen=True, slots=True)
class Export:
    """A file to hand out: its bytes, media type and a file name."""

    content: bytes
    media_type: str
    filename: str


@dataclass(frozen=True, slots=True)
class Column:
    """A register column: its header and how its cells are typed."""

    name: str
    kind: ColumnKind = "text"


@dataclass
class Table:
    """A register read from the views: columns, and rows of typed values (Money, date, str)."""

    name: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Money):
        return value.to_decimal_string()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_text(text: str) -> str:
    """Text for a CSV text column: ``'`` before what a spreadsheet would run as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def keep_as_text(cell: Cell | MergedCell) -> None:
    """Store a string cell that looks like a formula (``=…``) as a string, never a formula."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"


def sheet_title(name: str) -> str:
    """A name Excel accepts as a sheet title: no backslash ``/ * ? : [ ]``, at most 31 long."""
    return _NOT_IN_SHEET_TITLE.sub("_", name)[:31] or "export"


def write_csv(table: Table) -> bytes:
    """The table as UTF-8 CSV: a header row, exact decimal strings, ISO dates."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    writer.writerows([csv_text(_text(v)) if c.kind == "text" else _text(v)
                      for c, v in zip(table.columns, row, strict=True)] for row in table.rows)
    return buffer.getvalue().encode("utf-8")


def write_xlsx(table: Table, created: datetime) -> bytes:
    """The table as one XLSX sheet: bold header, money as numbers, dates as dates."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101  (a new workbook has one sheet)
    sheet.title = sheet_title(table.name)
    sheet.append([c.name for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
        for index, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            if value is None:
                continue
            target = sheet.cell(row=sheet.max_row, column=index)
            keep_as_text(target)
            if column.kind == "money" and isinstance(value, Money):
                digits = minor_digits(value.currency)
                target.number_format = "#,##0" + ("." + "0" * digits if digits else "")
            elif column.kind == "date":
                target.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    book.properties.created = book.properties.modified = created.replace(tzinfo=None)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """Money becomes its exact ``Decimal`` (a numeric cell); everything else stays as is."""
    return value.amount if isinstance(value, Money) else value
