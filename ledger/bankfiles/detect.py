"""One entry point for every statement format: look at the bytes, pick the reader.

Formats are recognised by content, never by file name, because bank clients name
their exports whatever they like (``kl_to_1c.txt``, ``statement.xml``, ``export.sta``).

Whatever the format, amounts in a legacy currency code (``RUR``, which Russian banks still
write in MT940 and camt) are read in its ISO successor (``RUB``), with one warning: a
ruble payment must meet ruble invoices.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from ledger.bankfiles.amounts import LEGACY_CURRENCIES, normalize_account
from ledger.bankfiles.camt053 import parse_camt053
from ledger.bankfiles.csvformat import looks_like_csv, parse_csv
from ledger.bankfiles.errors import UnreadableStatement
from ledger.bankfiles.mt940 import parse_mt940
from ledger.bankfiles.onec import parse_onec
from ledger.bankfiles.onec_text import MAGIC, UTF8_BOM
from ledger.money import Money

if TYPE_CHECKING:
    from ledger.bankfiles.model import Statement

_MT940_START = re.compile(rb"(?m)^:20:")
_MT940_BODY = re.compile(rb"(?m)^:(25|60[FM]?|61):")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_CONTROL_BYTES = bytes(sorted(set(range(32)) - {9, 10, 13} | {127}))
_MAX_CONTROL_SHARE = 0.01


def parse_statement(data: bytes, *, own_accounts: frozenset[str] = frozenset()) -> Statement:
    """Read a bank statement in any format we know, recognised by its content.

    Args:
        data: the uploaded file's bytes.
        own_accounts: our account numbers (or IBANs). 1C files need them to tell incoming
            from outgoing documents (the file's own ``РасчСчет`` values are added); for
            every format, a statement about an account not listed here is flagged.

    Returns:
        The statement, with a warning for everything that looked wrong on the way.

    Raises:
        UnreadableStatement: empty or binary input, a format we do not read, or a file
            too damaged to trust (cut-off XML, a 1C file cut inside a document).
    """
    warnings: list[str] = []
    if data.startswith(_UTF16_BOMS):
        data = data.decode("utf-16").encode("utf-8")
        warnings.append("the file is UTF-16; read as UTF-8")
    _refuse_non_text(data)
    statement, legacy = _legacy_currencies(_parse_by_content(data, own_accounts))
    warnings += legacy
    warnings += _foreign_accounts(statement, own_accounts)
    if not warnings:
        return statement
    return replace(statement, warnings=(*warnings, *statement.warnings))


def _refuse_non_text(data: bytes) -> None:
    if not data.strip():
        raise UnreadableStatement(why="the file is empty")
    if b"\x00" in data:
        raise UnreadableStatement(why="the file is binary (it contains NUL bytes)")
    control = len(data) - len(data.translate(None, _CONTROL_BYTES))
    if control > len(data) * _MAX_CONTROL_SHARE:
        raise UnreadableStatement(why="the file is binary (too many control characters)")


def _parse_by_content(data: bytes, own_accounts: frozenset[str]) -> Statement:
    head = data.removeprefix(UTF8_BOM).lstrip()
    if head.startswith(MAGIC.encode()):
        return parse_onec(data, own_accounts=own_accounts)
    if head.startswith(b"<"):
        return parse_camt053(data)
    if _MT940_START.search(data) and _MT940_BODY.search(data):
        return parse_mt940(data)
    if looks_like_csv(data):
        return parse_csv(data, own_accounts=own_accounts)
    raise UnreadableStatement(
        why="not a bank statement format we read (1CClientBankExchange, camt.053, MT940, CSV)"
    )


def _foreign_accounts(statement: Statement, own_accounts: frozenset[str]) -> list[str]:
    if not own_accounts:
        return []
    ours = {normalize_account(account) for account in own_accounts}
    stated = dict.fromkeys(balance.account for balance in statement.accounts if balance.account)
    return [
        f"account {account} is not one of the configured own accounts"
        for account in stated
        if normalize_account(account) not in ours
    ]


def _legacy_currencies(statement: Statement) -> tuple[Statement, list[str]]:
    """The statement with legacy currency codes read as today's, and a warning per code."""
    codes = {m.currency for m in _amounts(statement)} | {b.currency for b in statement.accounts}
    found = sorted(codes & LEGACY_CURRENCIES.keys())
    if not found:
        return statement, []
    lines = tuple(replace(line, amount=_current(line.amount)) for line in statement.lines)
    accounts = tuple(
        replace(balance, currency=LEGACY_CURRENCIES.get(balance.currency, balance.currency),
                opening=_maybe(balance.opening), closing=_maybe(balance.closing),
                total_in=_maybe(balance.total_in), total_out=_maybe(balance.total_out))
        for balance in statement.accounts)
    warnings = [f"currency {code} (a legacy code) read as {LEGACY_CURRENCIES[code]}"
                for code in found]
    return replace(statement, lines=lines, accounts=accounts), warnings


def _current(amount: Money) -> Money:
    successor = LEGACY_CURRENCIES.get(amount.currency)
    return amount if successor is None else Money(amount.minor, successor)


def _maybe(amount: Money | None) -> Money | None:
    return None if amount is None else _current(amount)


def _amounts(statement: Statement) -> list[Money]:
    balances = [figure for b in statement.accounts
                for figure in (b.opening, b.closing, b.total_in, b.total_out)
                if figure is not None]
    return [*(line.amount for line in statement.lines), *balances]
