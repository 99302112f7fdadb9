"""Reading the customer list users start from: CSV (UTF-8 or Windows-1251) or XLSX.

A spreadsheet is read into text cells keyed by LBX's field names. Headers may be Russian
or English, in any case, with or without spaces (``Наименование``, ``name``, ``ИНН``,
``Внешний ключ``); columns LBX does not know are reported, not guessed at. Excel keeps a
ИНН typed as a number, which loses its leading zero; a numeric ИНН or КПП one digit short
gets the zero back, because no valid one is that long.

An upload is read within fixed bounds, whatever the file declares: an XLSX file declares its
own size (one cell at XFD10000 makes it 10,000 × 16,384 cells), and a few kilobytes of zip
can unpack to gigabytes. So a zip that unpacks to more than :data:`MAX_UNPACKED_BYTES` is
refused unopened, and only as many columns as the header names (at most
:data:`MAX_COLUMNS`) and rows as :data:`MAX_ROWS` allows (and one more, to know there are
more) are read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any

from ledger.errors import Rejected

if TYPE_CHECKING:
    from collections.abc import Iterator

MAX_ROWS = 10_000
"""A customer list longer than this is not a list a person reviews in a preview."""
MAX_COLUMNS = 100
"""LBX knows a dozen columns; a header row wider than this is not a customer list."""
MAX_UNPACKED_BYTES = 32 * 1024 * 1024
"""What an XLSX file may unpack to: ten thousand customers unpack to a few megabytes."""

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
    rows = csv.reader(io.StringIO(text), delimiter=delimiter)
    return [list(row) for row in islice(rows, MAX_ROWS + 2)]  # the header, and one too many


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    """The first sheet's header and up to ``MAX_ROWS + 1`` rows, as wide as the header.

    Read-only and without the sheet's declared dimensions, so the cells the file holds are
    read and nothing is padded out to a size it claims.
    """
    from openpyxl import load_workbook  # noqa: PLC0415  (only spreadsheets need it)

    _refuse_zip_bomb(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()
            header = _header(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS + 1,
                                             values_only=True))
            body = sheet.iter_rows(min_row=2, max_row=MAX_ROWS + 2, max_col=len(header),
                                   values_only=True) if header else iter(())
            rows = [header, *(list(row) for row in body)]
        finally:
            book.close()
    except UnreadableImport:
        raise
    except Exception as error:  # noqa: BLE001  (zip, XML, openpyxl: all mean a bad upload)
        raise UnreadableImport("the XLSX file cannot be read: {error}",
                               error=str(error)) from None
    return rows


def _header(first: Iterator[tuple[Any, ...]]) -> list[Any]:
    """The header row, less its empty cells at the end.

    Raises:
        UnreadableImport: more than ``MAX_COLUMNS`` columns.
    """
    cells = list(next(first, ()))
    while cells and cells[-1] in {None, ""}:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise UnreadableImport("more than {most} columns in the header row", most=MAX_COLUMNS)
    return cells


def _refuse_zip_bomb(data: bytes) -> None:
    """Refuse, before unpacking anything, a zip that would unpack to too much.

    The sizes are the ones the zip declares; Python's zip reader stops at the declared size
    (and then fails its checksum), so a zip that lies about them cannot unpack more.

    Raises:
        UnreadableImport: not a zip, or more than ``MAX_UNPACKED_BYTES`` unpacked.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as error:
        raise UnreadableImport("the XLSX file cannot be read: {error}",
                               error=str(error)) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise UnreadableImport(
            "the XLSX file unpacks to {size} bytes, more than {most}; a customer list is"
            " far smaller (save it again, or as CSV)", size=unpacked, most=MAX_UNPACKED_BYTES)
