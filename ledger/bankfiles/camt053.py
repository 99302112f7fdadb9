"""ISO 20022 camt.053 (Bank-to-Customer Statement) read into a ``Statement``.

Parsing goes through defusedxml, so a file that declares entities or a DTD is refused
rather than expanded; a statement never needs either. Elements are found by local name,
so every version (.001.02 of the SEPA era, .001.08 and others) reads the same way.

Per ``Stmt``: the account (``IBAN`` or ``Othr/Id``), the booked opening balance (``OPBD``,
else ``PRCD``) and closing balance (``CLBD``), signed by their ``CdtDbtInd``; turnover from
``TxsSummry`` when given, else summed from the statement's own lines.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ledger.bankfiles.amounts import read_amount, read_date
from ledger.bankfiles.camt053_entries import account_id, entry_lines, money
from ledger.bankfiles.dedup import number_occurrences
from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.model import AccountBalance, BankLine, Statement
from ledger.bankfiles.xmlnav import child, children, local, namespace, text
from ledger.errors import Rejected
from ledger.money import Money, total

if TYPE_CHECKING:
    from datetime import date
    from xml.etree.ElementTree import Element

FORMAT = "camt.053"
OPENING_CODES = ("OPBD", "PRCD")
CLOSING_CODES = ("CLBD",)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([\w.-]+)["']""")


def parse_camt053(data: bytes) -> Statement:
    """Read a camt.053 statement file (any version).

    Raises:
        UnreadableStatement: broken or cut-off XML, entity or DTD declarations, or XML
            that is not a ``BkToCstmrStmt``.
    """
    root = _parse_xml(data)
    message = child(root, "BkToCstmrStmt")
    if local(root.tag) != "Document" or message is None:
        raise UnreadableStatement(why="an XML file, but not an ISO 20022 camt.053 statement")
    warnings: list[str] = []
    if "camt.053" not in namespace(root.tag):
        warnings.append(f"namespace {namespace(root.tag)!r} does not name camt.053")
    warnings += _pagination_warnings(child(message, "GrpHdr", "MsgPgntn"), "the message")
    accounts: list[AccountBalance] = []
    lines: list[BankLine] = []
    for number, statement in enumerate(children(message, "Stmt"), 1):
        balance, found = _statement(statement, f"statement {number}", warnings)
        accounts.append(balance)
        lines += found
    found_encoding = _DECLARED_ENCODING.match(data)
    return Statement(
        format=FORMAT,
        accounts=tuple(accounts),
        lines=number_occurrences(lines),
        warnings=tuple(warnings),
        encoding=found_encoding.group(1).decode().lower() if found_encoding else "utf-8",
    )


def _parse_xml(data: bytes) -> Element:
    try:
        return fromstring(data)
    except ParseError as error:
        raise UnreadableStatement(why="the XML is broken or cut off ({error})",
                                  error=str(error)) from None
    except DefusedXmlException:
        raise UnreadableStatement(
            why="the XML declares entities or a DTD, which a bank statement never needs"
        ) from None


def _statement(
    statement: Element, label: str, warnings: list[str]
) -> tuple[AccountBalance, list[BankLine]]:
    account_element = child(statement, "Acct")
    account = account_id(account_element) or ""
    if not account:
        warnings.append(f"{label}: no account IBAN or Othr/Id")
    warnings += _pagination_warnings(child(statement, "StmtPgntn"), label)
    lines = [
        line
        for index, entry in enumerate(children(statement, "Ntry"), 1)
        for line in entry_lines(entry, account, f"{label}, entry {index}", warnings)
    ]
    balances = _balances(statement, label, warnings)
    opening = next((balances[code] for code in OPENING_CODES if code in balances), None)
    closing = next((balances[code] for code in CLOSING_CODES if code in balances), None)
    currency = text(account_element, "Ccy") or _first_currency(opening, closing, lines)
    total_in, total_out = _turnover(statement, currency, lines)
    period = child(statement, "FrToDt")
    return AccountBalance(
        account=account,
        currency=currency,
        opening=opening,
        closing=closing,
        total_in=total_in,
        total_out=total_out,
        period_start=_period_date(period, "FrDtTm"),
        period_end=_period_date(period, "ToDtTm"),
    ), lines


def _balances(statement: Element, label: str, warnings: list[str]) -> dict[str, Money]:
    found: dict[str, Money] = {}
    for balance in children(statement, "Bal"):
        code = text(balance, "Tp", "CdOrPrtry", "Cd") or text(balance, "Tp", "CdOrPrtry", "Prtry")
        amount = money(child(balance, "Amt"))
        if code is None or amount is None:
            warnings.append(f"{label}: a balance without a readable type or amount; ignored")
            continue
        found.setdefault(code, -amount if text(balance, "CdtDbtInd") == "DBIT" else amount)
    return found


def _turnover(
    statement: Element, currency: str, lines: list[BankLine]
) -> tuple[Money | None, Money | None]:
    """The bank's ``TxsSummry`` sums when it gives them, else the sums of our lines."""
    if not currency:
        return None, None
    summary = child(statement, "TxsSummry")
    stated_in = _stated(text(summary, "TtlCdtNtries", "Sum"), currency)
    stated_out = _stated(text(summary, "TtlDbtNtries", "Sum"), currency)
    if stated_in is not None and stated_out is not None:
        return stated_in, stated_out
    same = [line for line in lines if line.amount.currency == currency]
    return (
        total((line.amount for line in same if line.direction == "in"), currency),
        total((line.amount for line in same if line.direction == "out"), currency),
    )


def _stated(figure: str | None, currency: str) -> Money | None:
    if figure is None:
        return None
    try:
        return read_amount(figure, currency)
    except Rejected:
        return None


def _pagination_warnings(pagination: Element | None, label: str) -> list[str]:
    page = text(pagination, "PgNb")
    warnings = []
    if page is not None and page != "1":
        warnings.append(f"{label} is page {page}; earlier pages are in another file")
    if text(pagination, "LastPgInd") == "false":
        warnings.append(f"{label} is not the last page; more pages follow in another file")
    return warnings


def _first_currency(opening: Money | None, closing: Money | None, lines: list[BankLine]) -> str:
    for amount in (opening, closing, *(line.amount for line in lines)):
        if amount is not None:
            return amount.currency
    return ""


def _period_date(period: Element | None, name: str) -> date | None:
    found = text(period, name)
    return read_date(found) if found else None
