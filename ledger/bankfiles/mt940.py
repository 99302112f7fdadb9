"""SWIFT MT940 read into a ``Statement`` through the ``mt-940`` library.

The library knows the per-bank variants (decimal commas, ``:60M:``/``:62M:`` intermediate
balances, German structured ``:86:`` with ``?20``…``?33`` and ``SVWZ+``/``EREF+``); this
module only maps its output onto our types. We parse each ``:20:`` block as its own
statement so that every statement keeps its own balances, and opt in to every fix the
library offers (``Options.all()``), notably a negative amount for a reversed credit.

The ``:61:`` marks ``RC`` (a reversal of a credit: the bank takes a payment back, money
out) and ``RD`` (a reversal of a debit: our payment comes back, money in) make the line a
``reversal``, with a warning naming the transaction.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

import mt940

from ledger.bankfiles.amounts import read_amount
from ledger.bankfiles.dedup import number_occurrences
from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.model import AccountBalance, BankLine, Direction, Statement
from ledger.errors import Rejected
from ledger.money import Money, total

if TYPE_CHECKING:
    from decimal import Decimal

FORMAT = "mt940"
OPENING_TAGS = {
    "final_opening_balance": ":60F:",
    "opening_balance": ":60:",
    "intermediate_opening_balance": ":60M:",
}
CLOSING_TAGS = {
    "final_closing_balance": ":62F:",
    "closing_balance": ":62:",
    "intermediate_closing_balance": ":62M:",
}
_STATEMENT_START = re.compile(r"(?m)^(?=:20:)")
_TAG = re.compile(r"^:(\d{2}|NS)[A-Z]?:")
_SUBFIELD = re.compile(r"\?(\d{2})([^?]*)")
_PURPOSE_KEYS = frozenset(str(key) for key in (*range(20, 30), *range(60, 64)))
_NO_REFERENCE = "NONREF"
_INCOMING_MARKS = frozenset({"C", "RD"})
_REVERSAL_MARKS = {"RC": "a reversal (RC) of an earlier credit",
                   "RD": "a reversal (RD) of an earlier debit"}


def parse_mt940(data: bytes) -> Statement:
    """Read an MT940 file with one or more statements.

    Raises:
        UnreadableStatement: no ``:20:`` statement in the text, or a tag the library
            cannot parse.
    """
    text, encoding, warnings = _decode(data)
    blocks = [block for block in _STATEMENT_START.split(text) if block.startswith(":20:")]
    try:
        parsed = mt940.parse_statements(text, options=mt940.Options.all())
    except RuntimeError as error:
        raise UnreadableStatement(why="an MT940 tag could not be read ({problem})",
                                  problem=error.args[0]) from None
    if not parsed or len(parsed) != len(blocks):
        raise UnreadableStatement(why="no MT940 statement (:20: … :62F:) in the file")
    accounts: list[AccountBalance] = []
    lines: list[BankLine] = []
    for number, (statement, block) in enumerate(zip(parsed, blocks, strict=True), 1):
        found = _lines(statement, _raw_transactions(block), f"statement {number}", warnings)
        accounts.append(_balance(statement, found, f"statement {number}", warnings))
        lines += found
    return Statement(
        format=FORMAT,
        accounts=tuple(accounts),
        lines=number_occurrences(lines),
        warnings=tuple(warnings),
        encoding=encoding,
    )


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text, encoding, warnings = data.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        text, encoding = data.decode("cp1251"), "cp1251"
        warnings = ["the text is not UTF-8; read as cp1251"]
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding, warnings


def _raw_transactions(block: str) -> list[str]:
    """Cut a statement's text into one ``:61:`` + ``:86:`` chunk per transaction."""
    chunks: list[list[str]] = []
    inside = False
    for line in block.split("\n"):
        tag = _TAG.match(line)
        if tag and line.startswith(":61:"):
            chunks.append([line])
            inside = True
        elif tag and not line.startswith(":86:"):
            inside = False
        elif inside and line.strip():
            chunks[-1].append(line)
    return ["\n".join(chunk) for chunk in chunks]


def _lines(
    statement: mt940.models.Transactions, raws: list[str], label: str, warnings: list[str]
) -> list[BankLine]:
    account = str(statement.data.get("account_identification") or "")
    if len(raws) != len(statement.transactions):
        raws = [""] * len(statement.transactions)
    lines = []
    for index, (transaction, raw) in enumerate(zip(statement.transactions, raws, strict=True), 1):
        try:
            line = _line(transaction.data, account, raw)
        except (Rejected, KeyError, AttributeError):
            warnings.append(f"{label}, transaction {index}: no readable amount or date; skipped")
            continue
        if line.reversal:
            mark = _REVERSAL_MARKS[transaction.data["status"]]
            warnings.append(f"{label}, transaction {index}: {mark}")
        lines.append(line)
    return lines


def _line(data: dict[str, Any], account: str, raw: str) -> BankLine:
    signed: Decimal = data["amount"].amount
    amount = read_amount(str(abs(signed)), data["amount"].currency)
    incoming = signed > 0 or (signed == 0 and data.get("status") in _INCOMING_MARKS)
    direction: Direction = "in" if incoming else "out"
    booked = data.get("guessed_entry_date") or data.get("entry_date") or data["date"]
    name = data.get("applicant_name")
    return BankLine(
        account=account,
        booked_on=date(booked.year, booked.month, booked.day),
        number=_reference(data),
        amount=amount,
        direction=direction,
        counterparty_name=" ".join(name.split()) if name else None,
        counterparty_inn=None,
        counterparty_kpp=None,
        counterparty_account=data.get("applicant_iban") or data.get("gvc_applicant_iban"),
        counterparty_bik=None,
        purpose=_purpose(data, raw),
        kind=str(data.get("id") or ""),
        raw=raw,
        operation_code=data.get("transaction_code"),
        reversal=data.get("status") in _REVERSAL_MARKS,
    )


def _reference(data: dict[str, Any]) -> str:
    for key in ("bank_reference", "end_to_end_reference", "customer_reference"):
        value = data.get(key)
        if isinstance(value, str) and value.strip() and value.strip() != _NO_REFERENCE:
            return value.strip().splitlines()[0]
    return ""


def _purpose(data: dict[str, Any], raw: str) -> str:
    """The library's purpose, else the raw ``?20``-``?29`` sub-fields, else the free text."""
    details = raw.partition("\n:86:")[2].replace("\n", "")
    segments = "".join(text for key, text in _SUBFIELD.findall(details) if key in _PURPOSE_KEYS)
    for value in (data.get("purpose"), segments, data.get("transaction_details")):
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return ""


def _balance(
    statement: mt940.models.Transactions, lines: list[BankLine], label: str, warnings: list[str]
) -> AccountBalance:
    opening = _stated(statement.data, OPENING_TAGS, f"{label}: opening", warnings)
    closing = _stated(statement.data, CLOSING_TAGS, f"{label}: closing", warnings)
    if closing is None:
        warnings.append(f"{label} has no closing balance (:62F:); the file may be cut off")
    currency = statement.currency or (lines[0].amount.currency if lines else "")
    return AccountBalance(
        account=str(statement.data.get("account_identification") or ""),
        currency=currency,
        opening=opening[0] if opening else None,
        closing=closing[0] if closing else None,
        total_in=_turnover(statement.data.get("sum_credit_entries"), lines, "in", currency),
        total_out=_turnover(statement.data.get("sum_debit_entries"), lines, "out", currency),
        period_start=opening[1] if opening else None,
        period_end=closing[1] if closing else None,
    )


def _stated(
    data: dict[str, Any], tags: dict[str, str], label: str, warnings: list[str]
) -> tuple[Money, date | None] | None:
    for key, tag in tags.items():
        balance = data.get(key)
        if balance is None or not hasattr(balance.amount, "amount"):
            continue
        if tag.endswith("M:"):
            warnings.append(f"{label} balance is intermediate ({tag}): the statement is split")
        try:
            amount = read_amount(str(balance.amount.amount), balance.amount.currency)
        except Rejected as error:
            warnings.append(f"{label} balance {tag} is not an amount ({error.detail})")
            return None
        on = balance.date
        return amount, date(on.year, on.month, on.day) if on else None
    return None


def _turnover(stated: Any, lines: list[BankLine], direction: str, currency: str) -> Money | None:
    """The ``:90C:``/``:90D:`` sum when the bank gave one, else the sum of our lines."""
    if not currency:
        return None
    if stated is not None:
        return read_amount(str(abs(stated.amount)), currency)
    return total((line.amount for line in lines if line.direction == direction), currency)
