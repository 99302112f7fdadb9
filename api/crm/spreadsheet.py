"""Reading the customer list users start from: CSV (UTF-8 or Windows-1251) or XLSX.

A spreadsheet is read into text cells keyed by LBX's field names. Headers may be Russian
or English, in any case, with or without spaces (``Наименование``, ``name``, ``ИНН``,
``Внешний ключ``); columns LBX does not know are reported, not guessed at. Excel keeps a
ИНН typed as a number, which loses its leading zero; a numeric ИНН or КПП one digit short
gets the zero back, because no valid one is that long.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

from ledger.errors import Rejected

MAX_ROWS = 10_000
"""A customer list longer than this is not a list a person reviews in a preview."""

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("наименование", "название", "клиент", "компания", "name", "company"),
    "inn": ("инн", "inn"),
    "kpp": ("кпп", "kpp"),
    "ogrn": ("огрн", "огрнип", "ogrn"),
    "email": ("email", "e-mail", "почта", "электроннаяпочта", "эл.почта"),
    "phone": ("телефон", "phone"),
    "address": ("адрес", "юридическийадрес", "address"),
    "manager": ("менеджер", "ответственный", "manager"),
    "tags": ("теги", "метки", "tags"),
    "external_key": ("внешнийключ", "ключ", "кодклиента", "externalkey", "external_key", "key"),
    "currency": ("валюта", "currency"),
    "payment_terms_days": ("срокоплаты", "срокоплатыдней", "paymenttermsdays",
                           "payment_terms_days"),
}
_ALIASES = {alias.replace("_", ""): name for name, aliases in HEADERS.items()
            for alias in aliases}
_SHORT_BY_ONE = {"inn": (9, 11), "kpp": (8,)}


class UnreadableImport(Rejected):
    """Raised when an uploaded customer list cannot be read as a table with a name column."""

    title = "Unreadable customer list"
    field = "file"


@dataclass(frozen=True)
class Sheet:
    """The table read: each row's line number and its cells by field name."""

    rows: list[tuple[int, dict[str, str]]]
    ignored_columns: list[str]


def field_of(header: str) -> str | None:
    """LBX's field for a column header, or None if it is not one LBX knows."""
    key = re.sub(r"[\s_]+", "", header.strip().lower().replace("ё", "е"))
    return _ALIASES.get(key)


def read_sheet(filename: str | None, data: bytes) -> Sheet:
    """The table in ``data``: XLSX when it is a zip (or named .xlsx), else CSV.

    Raises:
        UnreadableImport: empty, not a table, too long, or without a name column.
    """
    if not data.strip():
        raise UnreadableImport("the file is empty")
    xlsx = data.startswith(b"PK\x03\x04") or (filename or "").lower().endswith(".xlsx")
    table = _xlsx_rows(data) if xlsx else _csv_rows(data)
    header, *body = table or [[]]
    fields = [field_of(str(cell or "")) for cell in header]
    if "name" not in fields:
        raise UnreadableImport("no name column: the first row must name the columns "
                               "(Наименование or name, ИНН, КПП, ...)")
    if len(body) > MAX_ROWS:
        raise UnreadableImport("more than {most} rows; split the file", most=MAX_ROWS)
    ignored = [str(cell) for cell, f in zip(header, fields, strict=True) if f is None and cell]
    rows = []
    for number, cells in enumerate(body, start=2):
        row = {f: _text(f, cell) for f, cell in zip(fields, cells, strict=False) if f}
        row = {f: value for f, value in row.items() if value}
        if row:
            rows.append((number, row))
    return Sheet(rows, ignored)


def _text(field: str, cell: Any) -> str:
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    text = str(cell).strip() if cell is not None else ""
    if isinstance(cell, int) and len(text) in _SHORT_BY_ONE.get(field, ()):
        text = "0" + text
    return text


def _csv_rows(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp1251"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover  (cp1251 decodes every byte but 0x98)
        raise UnreadableImport("the file is neither UTF-8 nor Windows-1251 text")
    if "\x00" in text:
        raise UnreadableImport("the file is binary, not CSV or XLSX")
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = max((";", ",", "\t"), key=first.count)
    return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook  # noqa: PLC0415  (only spreadsheets need it)

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        book.close()
    except Exception as error:  # noqa: BLE001  (zip, XML, openpyxl: all mean a bad upload)
        raise UnreadableImport("the XLSX file cannot be read: {error}",
                               error=str(error)) from None
    return rows
