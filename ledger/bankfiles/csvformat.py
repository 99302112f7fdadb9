"""Our own simple CSV statement format, for banks and spreadsheets that offer nothing better.

The first row is the header; names are case-insensitive and may come in any order::

    date,number,amount,currency,direction,payer_name,payer_inn,payer_kpp,payer_account,purpose

Optional columns: ``account`` (our account), ``payer_bik`` and ``kind``. Other columns
are ignored with a warning.

- Delimiter: comma or semicolon, whichever the header uses more.
- Encoding: UTF-8 (with or without a BOM, as Excel writes it) or cp1251.
- ``date``: ``YYYY-MM-DD`` or ``DD.MM.YYYY``, the day the bank booked the payment.
- ``amount``: positive; decimal point or comma; spaces between thousands are fine.
- ``currency``: ISO 4217; empty means the currency of our account (RUB by default).
- ``direction``: ``in`` (money received) or ``out`` (money paid).
- ``payer_*``: the other side: the payer of an incoming line, the recipient of an
  outgoing one.
- ``account``: when the column is missing or empty, our only configured account.

A row that breaks a rule is skipped with a warning naming its line; the rest is read.
So is a row with more or fewer cells than the header has columns (typically an unquoted
delimiter inside a name): read anyway, every later field would land in the wrong column.
"""

from __future__ import annotations

import csv
import io

from ledger.bankfiles.amounts import (
    DEFAULT_CURRENCY,
    currency_of_account,
    read_amount,
    read_date,
)
from ledger.bankfiles.dedup import number_occurrences
from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.model import BankLine, Statement
from ledger.errors import Rejected

FORMAT = "csv"
REQUIRED_COLUMNS = (
    "date",
    "number",
    "amount",
    "currency",
    "direction",
    "payer_name",
    "payer_inn",
    "payer_kpp",
    "payer_account",
    "purpose",
)
OPTIONAL_COLUMNS = ("account", "payer_bik", "kind")
DEFAULT_KIND = "csv"
_DIRECTIONS = {"in": "in", "out": "out"}
_SIGNATURE = frozenset({"date", "amount", "direction"})


class _RowError(ValueError):
    """A row that cannot become a line; its message is the warning."""


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "cp1251"


def _header(text: str) -> tuple[str, list[str]]:
    first = text.lstrip().split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return delimiter, [name.strip().casefold() for name in first.split(delimiter)]


def looks_like_csv(data: bytes) -> bool:
    """Tell whether the first line is a header of this format (has date, amount, direction)."""
    text, _ = _decode(data)
    _, names = _header(text)
    return set(names) >= _SIGNATURE


def parse_csv(data: bytes, *, own_accounts: frozenset[str] = frozenset()) -> Statement:
    """Read a CSV statement in the format above.

    Raises:
        UnreadableStatement: the header lacks required columns.
    """
    text, encoding = _decode(data)
    delimiter, names = _header(text)
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise UnreadableStatement(why="the CSV header lacks {missing}", missing=", ".join(missing))
    warnings = []
    unknown = [name for name in names if name not in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)]
    if unknown:
        warnings.append(f"line 1: unknown columns ignored: {', '.join(unknown)}")
    default_account = next(iter(own_accounts)) if len(own_accounts) == 1 else ""
    reader = csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter)
    next(reader)
    lines = []
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        try:
            fields = _fields(names, row, delimiter)
            lines.append(_line(fields, delimiter.join(row), default_account))
        except _RowError as error:
            warnings.append(f"line {reader.line_num}: {error}; row skipped")
    return Statement(
        format=FORMAT,
        accounts=(),
        lines=number_occurrences(lines),
        warnings=tuple(warnings),
        encoding=encoding,
    )


def _fields(names: list[str], row: list[str], delimiter: str) -> dict[str, str]:
    """The row's cells by column name; a row of another width than the header is refused."""
    if len(row) != len(names):
        raise _RowError(f"{len(row)} cells, but the header has {len(names)} columns"
                        f" (an unquoted {delimiter!r} in a value?)")
    return dict(zip(names, (cell.strip() for cell in row), strict=True))


def _line(fields: dict[str, str], raw: str, default_account: str) -> BankLine:
    account = fields.get("account") or default_account
    if not account:
        raise _RowError("no account column and not exactly one own account configured")
    booked_on = read_date(fields.get("date", ""))
    if booked_on is None:
        raise _RowError(f"date {fields.get('date')!r} is not a date")
    direction = _DIRECTIONS.get(fields.get("direction", "").casefold())
    if direction is None:
        raise _RowError(f"direction {fields.get('direction')!r} is neither in nor out")
    currency = fields.get("currency") or currency_of_account(account) or DEFAULT_CURRENCY
    try:
        amount = read_amount(fields.get("amount", ""), currency.upper())
    except Rejected as error:
        raise _RowError(f"amount {fields.get('amount')!r}: {error.detail}") from None
    if amount.is_negative:
        raise _RowError("negative amount; use direction=out instead")
    return BankLine(
        account=account,
        booked_on=booked_on,
        number=fields.get("number", ""),
        amount=amount,
        direction="in" if direction == "in" else "out",
        counterparty_name=fields.get("payer_name") or None,
        counterparty_inn=fields.get("payer_inn") or None,
        counterparty_kpp=fields.get("payer_kpp") or None,
        counterparty_account=fields.get("payer_account") or None,
        counterparty_bik=fields.get("payer_bik") or None,
        purpose=fields.get("purpose", ""),
        kind=fields.get("kind") or DEFAULT_KIND,
        raw=raw,
    )
